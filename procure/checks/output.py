"""Findings for people (grouped by file, coloured on a terminal) and for machines (JSON).

The JSON shape is a contract: a list of objects with exactly the keys of
:class:`~procure.checks.core.Finding`, described by
``procure/data/findings.schema.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from itertools import groupby

from procure.checks.core import Finding, Rule

_RESET = "\033[0m"
_BOLD = "\033[1m"
_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}


def findings_json(findings: Iterable[Finding]) -> str:
    """One JSON document: the list of findings, in the order given."""
    return json.dumps([asdict(f) for f in findings], indent=2, ensure_ascii=False)


def format_human(findings: Sequence[Finding], color: bool = False) -> str:
    """``FILE:LINE:COL: CODE severity: message`` lines, a blank line between files, and a count.

    Colour (ANSI) only when asked; the CLI asks when standard output is a terminal.
    """
    blocks = []
    for _, group in groupby(sorted(findings, key=Finding.sort_key), key=lambda f: f.file):
        blocks.append("\n".join(_line(f, color) for f in group))
    if not blocks:
        return ""
    return "\n\n".join(blocks) + "\n\n" + summary(findings)


def _line(finding: Finding, color: bool) -> str:
    place = f"{finding.file}:{finding.line}:{finding.column}"
    if not color:
        return f"{place}: {finding.code} {finding.severity}: {finding.message}"
    severity = f"{_COLOURS[finding.severity]}{finding.severity}{_RESET}"
    return f"{_BOLD}{place}{_RESET}: {_BOLD}{finding.code}{_RESET} {severity}: {finding.message}"


def summary(findings: Sequence[Finding]) -> str:
    """'2 errors, 1 warning, 0 info in 1 file'."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    files = len({f.file for f in findings})
    return (f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, "
            f"{counts['info']} info in {_plural(files, 'file')}")


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
    sources = "\n".join(f"  - {s}" for s in rule.sources)
    return (f"{rule.code} ({rule.severity}) {rule.name}: {rule.title}\n"
            f"Family: {rule.family}\n\n{rule.explanation}\n\nSources:\n{sources}\n")
