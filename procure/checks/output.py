"""Findings for people (grouped by file, coloured on a terminal) and for machines (JSON).

The JSON shape is a contract: a list of objects with exactly the keys of
:class:`~procure.checks.core.Finding`, described by
``procure/data/findings.schema.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import groupby

from msgspec.structs import asdict

from procure.checks.core import Finding, Rule

_RESET = "\033[0m"
_BOLD = "\033[1m"
_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}


def paint(text: str, severity: str) -> str:
    """``text`` in the colour of ``severity`` (ANSI): the one palette of everything procure prints.

    Whether colour is wanted at all is the caller's decision (the CLI's: a terminal,
    ``NO_COLOR``, ``FORCE_COLOR``).
    """
    return f"{_COLOURS[severity]}{text}{_RESET}"


def findings_json(findings: Iterable[Finding]) -> str:
    """One JSON document: the list of findings, in the order given."""
    return json.dumps([asdict(f) for f in findings], indent=2, ensure_ascii=False)


def format_human(findings: Sequence[Finding], color: bool = False, files: int | None = None) -> str:
    """``FILE:LINE:COL: CODE severity: field: message`` lines, a blank line between files, and a count.

    ``files`` is the number of files checked (the summary counts those, not the
    files with findings); when not given, the files the findings name. Colour
    (ANSI) only when asked; the CLI decides (terminal, ``NO_COLOR``, ``FORCE_COLOR``).
    """
    body = format_lines(findings, color)
    if not body:
        return "" if files is None else summary(findings, files)
    return body + "\n\n" + summary(findings, files)


def format_lines(findings: Sequence[Finding], color: bool = False) -> str:
    """The finding lines only, grouped by file with a blank line between files."""
    blocks = []
    for _, group in groupby(sorted(findings, key=Finding.sort_key), key=lambda f: f.file):
        blocks.append("\n".join(_line(f, color) for f in group))
    return "\n\n".join(blocks)


def split_field(finding: Finding) -> tuple[str, str]:
    """The field and the rest of the message: a message that starts with its field loses that start."""
    message, name = finding.message, finding.field
    if name and message.startswith(name):
        rest = message[len(name):]
        if rest.startswith(": "):
            return name, rest[2:]
        if rest.startswith(" "):
            return name, rest[1:]
    return name, message


def _line(finding: Finding, color: bool) -> str:
    place = f"{finding.file}:{finding.line}:{finding.column}"
    name, message = split_field(finding)
    text = f"{name}: {message}" if name else message
    if not color:
        return f"{place}: {finding.code} {finding.severity}: {text}"
    severity = paint(finding.severity, finding.severity)
    return f"{_BOLD}{place}{_RESET}: {_BOLD}{finding.code}{_RESET} {severity}: {text}"


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings of each severity."""
    return {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}


def summary(findings: Sequence[Finding], files: int | None = None) -> str:
    """'2 errors, 1 warning, 0 info in 3 files checked'."""
    count = counts(findings)
    checked = len({f.file for f in findings}) if files is None else files
    return (f"{_plural(count['error'], 'error')}, {_plural(count['warning'], 'warning')}, "
            f"{count['info']} info in {_plural(checked, 'file')} checked")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def format_rule_list(rules: Sequence[Rule]) -> str:
    """The text of ``--list-rules``: one line per rule, grouped by family."""
    lines: list[str] = []
    for family, group in groupby(rules, key=lambda r: r.family):
        lines.append(f"{family}:" if not lines else f"\n{family}:")
        lines.extend(f"  {r.code} {r.severity:<7} {r.name}: {r.title}" for r in group)
    return "\n".join(lines)


def format_explanation(rule: Rule) -> str:
    """The text of ``--explain CODE``: what, why and where it comes from."""
    from procure.i18n import gettext as _

    sources = "\n".join(f"  - {s}" for s in rule.sources)
    return (f"{rule.code} ({rule.severity}) {rule.name}: {rule.title}\n"
            f"{_('Family:')} {rule.family}\n\n{rule.explanation}\n\n{_('Sources:')}\n{sources}\n")
