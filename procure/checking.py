"""``procure check`` over files: validation, the linter's rules and the documents' placeholders.

A file that does not load is not a crash of the check: its validation errors
become findings (PRC010), like every rule's, so a batch reports every file and
``--format json`` stays one document. The loader's warnings (PRC011) and each
placeholder the rendered documents would still show (PRC020) join them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from procure.errors import InputError, Issue, ProcureError

if TYPE_CHECKING:
    from procure.checks import Finding
    from procure.loader import Loaded

INVALID = "PRC010"
LOADER_WARNING = "PRC011"
PLACEHOLDER = "PRC020"
PROPOSAL = "PRC021"
NOT_WRITTEN = "PRC030"


class CheckReport(Struct, frozen=True):
    """Every finding of a run over ``files`` files, sorted, with the two ways to print it.

    ``procure check`` and ``procure render`` print the same report: one text format
    (``FILE:LINE:COL: CODE severity: field: message``, then a summary counting the
    files checked) and one JSON envelope (:func:`envelope`; render adds its
    ``results``), described by ``procure/data/report.schema.json``.
    """

    findings: tuple[Finding, ...]
    files: int = 0

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def envelope(self, command: str = "check", **extra: Any) -> dict[str, Any]:
        return envelope(command, self.findings, self.files, **extra)

    def as_json(self, command: str = "check", **extra: Any) -> str:
        import json

        return json.dumps(self.envelope(command, **extra), indent=2, ensure_ascii=False)

    def as_text(self, color: bool = False) -> str:
        from procure.checks import format_human

        return format_human(self.findings, color=color, files=self.files)


def envelope(command: str, findings: Sequence[Finding], files: int, **extra: Any) -> dict[str, Any]:
    """The JSON document both commands print: tool, version, counts, then ``findings`` (and ``extra``)."""
    from msgspec.structs import asdict

    from procure import __version__
    from procure.checks.output import counts

    return {"tool": "procure", "version": __version__, "command": command, "files_checked": files,
            "counts": counts(findings), "findings": [asdict(f) for f in findings], **extra}


def check_files(paths: Sequence[Path], *, strict: bool = False, words_file: Path | None = None,
                templates_dir: Path | None = None, stdin_text: str | None = None) -> CheckReport:
    """Check every file; one file's failure never hides another's findings. The path ``-`` is ``stdin_text``."""
    from procure.checks import load_extra_words

    extra = load_extra_words(words_file) if words_file else None
    findings: list[Finding] = []
    for path in paths:
        try:
            findings.extend(check_file(path, strict=strict, extra_words=extra, templates_dir=templates_dir,
                                       stdin_text=stdin_text))
        except Exception as err:  # noqa: BLE001 - one file's bug must not hide the others' findings
            from procure.build import internal_error

            findings.append(_finding(internal_error(path, err), INVALID, str(path)))
    return CheckReport(tuple(sorted(findings, key=lambda f: f.sort_key())), files=len(paths))


def check_file(path: Path, *, strict: bool, extra_words: dict[str, list[str]] | None,
               templates_dir: Path | None, stdin_text: str | None = None) -> list[Finding]:
    """The findings for one file: validation errors, or the rules' findings and the placeholders."""
    from procure.loader import load_problem, load_problem_text

    try:
        loaded = load_problem_text(stdin_text, "-") if str(path) == "-" and stdin_text is not None \
            else load_problem(path)
    except InputError as err:
        return issue_findings(err.issues, str(path))
    return findings_for(loaded, str(path), strict=strict, extra_words=extra_words, templates_dir=templates_dir)


def findings_for(loaded: Loaded, file: str, *, strict: bool, extra_words: dict[str, list[str]] | None = None,
                 templates_dir: Path | None = None,
                 shown: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None) -> list[Finding]:
    """What ``check`` says about a file that loaded: the loader's warnings, the rules, the placeholders.

    ``procure render`` calls this too, with the placeholders of the documents it
    has built (``shown``: kind -> its placeholders and proposals, in document order), so both
    commands report the same findings and nothing is rendered twice.
    """
    from procure.checks import run_checks

    findings = [_finding(w, LOADER_WARNING, file, strict) for w in loaded.warnings]
    findings += run_checks(loaded, strict=strict, extra_words=extra_words)
    findings += placeholder_findings(loaded, file, strict, templates_dir, shown)
    return sorted(findings, key=lambda f: f.sort_key())


def issue_findings(issues: Iterable[Issue], file: str, code: str = INVALID) -> list[Finding]:
    """Located issues (a file that did not load, an output not written) as findings with ``code``."""
    return [_finding(issue, code, file) for issue in issues]


def placeholder_findings(loaded: Loaded, file: str, strict: bool, templates_dir: Path | None,
                         shown: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None) -> list[Finding]:
    """One finding per distinct placeholder the documents would show: info, or an error with ``--strict``.

    The same placeholder in several documents is one finding naming them all
    ("the consultation invitation and the tender document show ..."). A
    placeholder names its field without list indexes (``outcomes.measured_by``);
    the finding points at each item that lacks it (``outcomes[1].measured_by``).
    """
    shown, proposed, out = _placeholders_by_document(loaded, file, templates_dir, shown or {})
    for text, kinds in proposed.items():
        for path in field_paths(loaded.problem, _field_of(text)):
            issue = Issue(loaded.source.location(path), proposal_message(kinds, text),
                          severity="error" if strict else "info")
            out.append(_finding(issue, PROPOSAL, file))
    for gap, kinds in shown.items():
        for path in field_paths(loaded.problem, _field_of(gap)):
            issue = Issue(loaded.source.location(path), placeholder_message(kinds, gap),
                          severity="error" if strict else "info")
            out.append(_finding(issue, PLACEHOLDER, file))
    return out


def placeholder_message(kinds: Sequence[str], gap: str) -> str:
    """PRC020's message, in the user's language: which documents show the placeholder ``gap``."""
    from procure.i18n import ngettext

    return ngettext("{documents} shows {gap}: fill in the field it names",
                    "{documents} show {gap}: fill in the field it names", len(kinds)).format(
        documents=_documents(kinds), gap=gap)


def proposal_message(kinds: Sequence[str], text: str) -> str:
    """PRC021's message, in the user's language: which documents show the proposal ``text``."""
    from procure.i18n import ngettext

    return ngettext("{documents} shows the proposal {text}: confirm it in the field it names, or replace it",
                    "{documents} show the proposal {text}: confirm it in the field it names, or replace it",
                    len(kinds)).format(documents=_documents(kinds), text=text)


def _documents(kinds: Sequence[str]) -> str:
    """How placeholder findings name the documents of the pack: 'the tender document and the draft
    agreement' (another kind: 'the <kind> document')."""
    from procure.i18n import _

    names = {"consultation": _("the consultation invitation"), "tender": _("the tender document"),
             "agreement": _("the draft agreement"), "price_form": _("the tender and price form"),
             "consultation_report": _("the consultation report")}
    items = [names.get(kind) or _("the {kind} document").format(kind=kind) for kind in kinds]
    if len(items) == 1:
        return items[0]
    return _("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])


def _placeholders_by_document(loaded: Loaded, file: str, templates_dir: Path | None,
                              known: Mapping[str, tuple[Sequence[str], Sequence[str]]]
                              ) -> tuple[dict[str, list[str]], dict[str, list[str]], list[Finding]]:
    """Each distinct placeholder, and each distinct proposal, with the documents that show it (in pack
    order), and any rendering errors. ``known``: kind -> (placeholders, proposals) of documents
    already built (by ``procure render``), which are not rendered again."""
    from procure.build import cover_placeholders, pack_kinds, render_markdown
    from procure.markdown import parse, placeholders, proposals

    shown: dict[str, list[str]] = {}
    proposed: dict[str, list[str]] = {}
    errors: list[Finding] = []
    try:
        kinds = pack_kinds(loaded, templates_dir)
    except ProcureError as err:
        return shown, proposed, [_finding(i, INVALID, file) for i in err.issues]
    for kind in kinds:
        try:
            if kind in known:
                gaps, offers = known[kind]
            else:
                tree = parse(render_markdown(loaded, kind, templates_dir))
                gaps = placeholders(tree) + cover_placeholders(loaded, kind, templates_dir)
                offers = proposals(tree)
        except ProcureError as err:
            errors.extend(f for f in (_finding(i, INVALID, file) for i in err.issues) if f not in errors)
            continue
        for gap in dict.fromkeys(gaps):
            shown.setdefault(gap, []).append(kind)
        for text in dict.fromkeys(offers):
            proposed.setdefault(text, []).append(kind)
    return shown, proposed, errors


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
