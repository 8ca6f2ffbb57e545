"""``procure check`` over files: validation, the linter's rules and the documents' placeholders.

A file that does not load is not a crash of the check: its validation errors
become findings (PRC010), like every rule's, so a batch reports every file and
``--format json`` stays one document. The loader's warnings (PRC011) and each
placeholder the rendered documents would still show (PRC020) join them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from procure.errors import InputError, Issue, ProcureError

if TYPE_CHECKING:
    from procure.checks import Finding
    from procure.loader import Loaded

INVALID = "PRC010"
LOADER_WARNING = "PRC011"
PLACEHOLDER = "PRC020"
PROPOSAL = "PRC021"


@dataclass(frozen=True)
class CheckReport:
    """Every finding of a check run, sorted, with the two ways to print it."""

    findings: tuple[Finding, ...]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def as_json(self) -> str:
        from procure.checks import findings_json

        return findings_json(self.findings)

    def as_text(self, color: bool = False) -> str:
        from procure.checks import format_human

        return format_human(self.findings, color=color) or "no findings"


def check_files(paths: Sequence[Path], *, strict: bool = False, words_file: Path | None = None,
                templates_dir: Path | None = None) -> CheckReport:
    """Check every file; one file's failure never hides another's findings."""
    from procure.checks import load_extra_words

    extra = load_extra_words(words_file) if words_file else None
    findings: list[Finding] = []
    for path in paths:
        findings.extend(check_file(path, strict=strict, extra_words=extra, templates_dir=templates_dir))
    return CheckReport(tuple(sorted(findings, key=lambda f: f.sort_key())))


def check_file(path: Path, *, strict: bool, extra_words: dict[str, list[str]] | None,
               templates_dir: Path | None) -> list[Finding]:
    """The findings for one file: validation errors, or the rules' findings and the placeholders."""
    from procure.checks import run_checks
    from procure.loader import load_problem

    try:
        loaded = load_problem(path)
    except InputError as err:
        return [_finding(issue, INVALID, str(path)) for issue in err.issues]
    findings = [_finding(w, LOADER_WARNING, str(path), strict) for w in loaded.warnings]
    findings += run_checks(loaded, strict=strict, extra_words=extra_words)
    findings += placeholder_findings(loaded, str(path), strict, templates_dir)
    return findings


def placeholder_findings(loaded: Loaded, file: str, strict: bool, templates_dir: Path | None) -> list[Finding]:
    """One finding per distinct placeholder the documents would show: info, or an error with ``--strict``.

    The same placeholder in several documents is one finding naming them all
    ("the consultation invitation and the tender document show ..."). A
    placeholder names its field without list indexes (``outcomes.measured_by``);
    the finding points at each item that lacks it (``outcomes[1].measured_by``).
    """
    shown, proposed, out = _placeholders_by_document(loaded, file, templates_dir)
    for text, kinds in proposed.items():
        documents = _and(_DOCUMENT_NAMES.get(kind, f"the {kind} document") for kind in kinds)
        verb = "shows" if len(kinds) == 1 else "show"
        for path in field_paths(loaded.problem, _field_of(text)):
            issue = Issue(loaded.source.location(path), f"{documents} {verb} the proposal {text}: confirm it "
                          "in the field it names, or replace it", severity="error" if strict else "info")
            out.append(_finding(issue, PROPOSAL, file))
    for gap, kinds in shown.items():
        documents = _and(_DOCUMENT_NAMES.get(kind, f"the {kind} document") for kind in kinds)
        verb = "shows" if len(kinds) == 1 else "show"
        for path in field_paths(loaded.problem, _field_of(gap)):
            issue = Issue(loaded.source.location(path), f"{documents} {verb} {gap}: fill in the field it names",
                          severity="error" if strict else "info")
            out.append(_finding(issue, PLACEHOLDER, file))
    return out


# How placeholder findings name the documents of the pack (procure.build.KINDS).
_DOCUMENT_NAMES = {"consultation": "the consultation invitation", "tender": "the tender document"}


def _placeholders_by_document(loaded: Loaded, file: str,
                              templates_dir: Path | None
                              ) -> tuple[dict[str, list[str]], dict[str, list[str]], list[Finding]]:
    """Each distinct placeholder, and each distinct proposal, with the documents that show it (in pack
    order), and any rendering errors."""
    from procure.build import KINDS, cover_placeholders, render_markdown
    from procure.markdown import parse, placeholders, proposals

    shown: dict[str, list[str]] = {}
    proposed: dict[str, list[str]] = {}
    errors: list[Finding] = []
    for kind in KINDS:
        try:
            tree = parse(render_markdown(loaded, kind, templates_dir))
        except ProcureError as err:
            errors.extend(f for f in (_finding(i, INVALID, file) for i in err.issues) if f not in errors)
            continue
        for gap in dict.fromkeys(placeholders(tree) + cover_placeholders(loaded, kind, templates_dir)):
            shown.setdefault(gap, []).append(kind)
        for text in dict.fromkeys(proposals(tree)):
            proposed.setdefault(text, []).append(kind)
    return shown, proposed, errors


def _and(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _field_of(gap: str) -> tuple[str, ...]:
    """The field a placeholder names after its last comma (``[to be completed: ..., tender.published]``)."""
    name = gap.strip("[]").rsplit(",", 1)[-1].strip()
    parts: list[str] = []
    for part in name.split("."):
        if not part.replace("_", "").isalnum():
            return ()
        parts.append(part)
    return tuple(parts)


def field_paths(problem: object, parts: tuple[str, ...]) -> list[tuple[str | int, ...]]:
    """Where in ``problem`` the field named by ``parts`` is missing, with list indexes filled in.

    A name that does not start at the top (``evaluation.criteria.description``) is
    looked for under the blocks that hold it (``tender``). When nothing is found
    missing, the name itself is returned, so a placeholder is never dropped.
    """
    if not parts:
        return [()]
    for prefix in ((), ("tender",), ("consultation",), ("problem",)):
        if _has_field(problem, (*prefix, parts[0])):
            found = _missing(getattr_path(problem, prefix), parts, prefix)
            if found:
                return found
    return [parts]


def getattr_path(obj: object, path: tuple[str, ...]) -> object:
    for name in path:
        obj = getattr(obj, name, None)
    return obj


def _has_field(problem: object, path: tuple[str, ...]) -> bool:
    from pydantic import BaseModel

    *parents, last = path
    model = type(problem)
    for name in parents:
        info = model.model_fields.get(name) if issubclass(model, BaseModel) else None
        model = _model_of(info.annotation) if info is not None else None
        if model is None:
            return False
    return issubclass(model, BaseModel) and last in model.model_fields


def _model_of(annotation: object) -> type | None:
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _missing(obj: object, parts: tuple[str, ...], prefix: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    """Paths under ``obj`` where ``parts`` ends in an empty or absent value; lists are searched item by item."""
    if obj is None:
        return [(*prefix, *parts)]
    if isinstance(obj, (list, tuple)):
        return [p for index, item in enumerate(obj) for p in _missing(item, parts, (*prefix, index))]
    if not parts:
        return []
    value = getattr(obj, parts[0], None)
    if len(parts) == 1:
        empty = value is None or (isinstance(value, (str, list, tuple)) and not value)
        return [(*prefix, parts[0])] if empty else []
    return _missing(value, parts[1:], (*prefix, parts[0]))


def _finding(issue: Issue, code: str, file: str, strict: bool = False) -> Finding:
    from procure.checks import Finding

    loc = issue.location
    severity = "error" if strict and issue.severity == "warning" else issue.severity
    message = f"{loc.field}: {issue.message}" if loc.field else issue.message
    return Finding(file=loc.file or file, line=loc.line or 1, column=loc.column or 1, field=loc.field or "",
                   code=code, severity=severity, message=message)


def rules_text() -> str:
    """The text of ``--list-rules``."""
    from procure.checks import format_rule_list, list_rules

    return format_rule_list(list_rules())


def explain_text(code: str) -> str:
    """The text of ``--explain CODE`` (an unknown code raises a ProcureError with a suggestion)."""
    from procure.checks import explain

    return explain(code)
