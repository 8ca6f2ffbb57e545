"""``procure check`` over files: validation, the linter's rules and the documents' placeholders.

A file that does not load is not a crash of the check: its validation errors
become findings (PRC010), like every rule's, so a batch reports every file and
``--format json`` stays one document. The loader's warnings (PRC011) and each
placeholder the rendered documents would still show (PRC020) join them.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    """One finding per placeholder the documents would show: info, or an error with ``--strict``."""
    from procure.build import KINDS, render_markdown
    from procure.markdown import parse, placeholders

    out: list[Finding] = []
    for kind in KINDS:
        try:
            gaps = placeholders(parse(render_markdown(loaded, kind, templates_dir)))
        except ProcureError as err:
            out.extend(_finding(issue, INVALID, file) for issue in err.issues)
            continue
        for gap in dict.fromkeys(gaps):
            issue = Issue(loaded.source.location(_field_of(gap)), f"the {kind} document shows {gap}: "
                          "fill in the field it names", severity="error" if strict else "info")
            out.append(_finding(issue, PLACEHOLDER, file))
    return out


def _field_of(gap: str) -> tuple[str | int, ...]:
    """The field a placeholder names after its last comma (``[to be completed: ..., tender.published]``)."""
    name = gap.strip("[]").rsplit(",", 1)[-1].strip()
    parts: list[str | int] = []
    for part in name.split("."):
        if not part.replace("_", "").isalnum():
            return ()
        parts.append(part)
    return tuple(parts)


def _finding(issue: Issue, code: str, file: str, strict: bool = False) -> Finding:
    from procure.checks import Finding

    loc = issue.location
    severity = "error" if strict and issue.severity == "warning" else issue.severity
    return Finding(file=loc.file or file, line=loc.line or 1, column=loc.column or 1, field=loc.field or "",
                   code=code, severity=severity, message=issue.message)


def rules_text() -> str:
    """The text of ``--list-rules``."""
    from procure.checks import format_rule_list, list_rules

    return format_rule_list(list_rules())


def explain_text(code: str) -> str:
    """The text of ``--explain CODE`` (an unknown code raises a ProcureError with a suggestion)."""
    from procure.checks import explain

    return explain(code)
