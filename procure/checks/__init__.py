"""``procure check``: an agile-procurement linter with stable rule codes.

Each rule has a code (PRC1xx problem not solution, PRC2xx measurable
outcomes, PRC3xx short cycles, PRC4xx money and procedure, PRC5xx periods,
PRC6xx award, PRC0xx the checks themselves), a severity, a one-line message
naming the field, and an explanation with its reasoning and sources. Legal
facts come from :mod:`procure.legal`; the linter's policy limits from
``procure/data/check_policy.yaml`` (:mod:`procure.checks.policy`); word lists
from ``procure/data``. Titles, explanations and sources state those numbers
from the data when printed (:mod:`procure.checks.facts`), never from text.

The public API::

    run_checks(loaded, strict=False, extra_words=None, bands=None) -> list[Finding]
    RULES, list_rules(), explain(code)
    findings_json(findings), format_human(findings, color)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from procure.checks import award, cycles, deadlines, external, meta, money, outcomes, periods, problem  # noqa: F401  (registers rules)
from procure.checks import crosschecks  # noqa: F401  (registers the cross-checks)
from procure.checks.core import FAMILIES, Finding, Rule, Severity, registered
from procure.checks.output import (findings_json, format_explanation, format_human, format_lines, format_rule_list,
                                   summary)
from procure.checks.runner import check_loaded
from procure.checks.vocabulary import load_extra_words
from procure.errors import ProcureError

if TYPE_CHECKING:
    from procure.legal import Band
    from procure.loader import Loaded

RULES: tuple[Rule, ...] = registered()
_BY_CODE = {r.code: r for r in RULES}

__all__ = [
    "FAMILIES", "RULES", "Finding", "Rule", "Severity", "UnknownRuleError", "explain", "findings_json",
    "format_human", "format_lines", "format_rule_list", "get_rule", "list_rules", "load_extra_words", "run_checks",
    "summary",
]


class UnknownRuleError(ProcureError):
    """``--explain`` with a code that names no rule."""


def run_checks(loaded: Loaded, *, strict: bool = False,
               extra_words: Mapping[str, Sequence[str]] | None = None,
               bands: Sequence[Band] | None = None) -> list[Finding]:
    """Every finding for one loaded problem statement, sorted by file, line, column and code.

    ``strict`` turns warnings into errors (same code). ``extra_words`` adds a
    buyer's own solution words per language (keys ``nl``, ``en``, ``common``),
    treated like the brands of the built-in list. ``bands`` overrides the
    below-threshold bands; by default they are the file's own
    ``procurement_policy.bands``, else the example bands of ``legal.yaml``, exactly
    as :func:`procure.legal.decide_procedure` (and so the documents) decide.
    """
    return check_loaded(RULES, loaded, strict=strict, extra_words=extra_words, bands=bands)


def list_rules() -> list[Rule]:
    """Every rule in code order (for ``--list-rules``; format with :func:`format_rule_list`)."""
    return list(RULES)


def get_rule(code: str) -> Rule:
    """The rule with ``code`` (any case), or :class:`UnknownRuleError` suggesting the nearest code."""
    wanted = code.strip().upper()
    if wanted in _BY_CODE:
        return _BY_CODE[wanted]
    import difflib  # only for a mistake

    near = difflib.get_close_matches(wanted, list(_BY_CODE), n=1)
    hint = f"; did you mean {near[0]}?" if near else "; see `procure check --list-rules`"
    raise UnknownRuleError(f"no rule has the code {code!r}{hint}")


def explain(code: str) -> str:
    """The explanation of one rule: what it checks, why, and the sources."""
    return format_explanation(get_rule(code))
