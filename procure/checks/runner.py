"""Running every rule over one loaded problem statement.

The order is fixed: the rules, then the rules about the checks themselves
(which need to know what the others found), then the file's own ignore list,
then ``--strict``, then sorting. A file's findings never depend on another
file's, so a batch can be checked in any order or in parallel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from msgspec.structs import replace

from procure.checks.core import Context, Finding, Rule
from procure.checks import policy as policy_data
from procure.checks.vocabulary import vocabulary

if TYPE_CHECKING:
    from procure.legal import Band
    from procure.loader import Loaded


def build_context(loaded: Loaded, extra_words: Mapping[str, Sequence[str]] | None = None,
                  bands: Sequence[Band] | None = None) -> Context:
    """Everything the rules read for one file, computed once.

    The bands are ``bands`` when given, else the file's ``procurement_policy.bands``,
    else the example bands of the legal data, exactly as the documents decide.
    """
    from procure import legal

    problem = loaded.problem
    in_use = legal.bands_in_use(problem, bands)
    decision = legal.decide_procedure(problem, in_use)
    return Context(
        problem=problem,
        source=loaded.source,
        file=file_name(loaded),
        language=problem.language,
        legal=legal.legal_data(),
        decision=decision,
        vocabulary=vocabulary(problem.language, extra_words),
        policy=policy_data.check_policy(),
        bands=in_use,
        band_procedure=legal.auto_procedure(decision.maximum_value, decision.threshold, in_use),
    )


def file_name(loaded: Loaded) -> str:
    """The name findings carry: the one the loader's own messages use, so both line up."""
    return loaded.source.file or (str(loaded.path) if loaded.path is not None else "<text>")


def run_rules(rules: Sequence[Rule], ctx: Context) -> list[Finding]:
    """Every rule's findings, ignores not yet applied."""
    first = [f for r in rules if not r.after_others for f in r.run(ctx)]
    late = replace(ctx, raised=frozenset(f.code for f in first))
    return first + [f for r in rules if r.after_others for f in r.run(late)]


def without_ignored(ctx: Context, findings: list[Finding]) -> list[Finding]:
    """Drop the findings of rules the file switches off in ``checks.ignore``."""
    checks = ctx.problem.checks
    ignored = {entry.code for entry in (checks.ignore if checks else ())}
    return [f for f in findings if f.code not in ignored]


def promote(finding: Finding) -> Finding:
    """``--strict``: a warning becomes an error with the same code; info stays info."""
    return replace(finding, severity="error") if finding.severity == "warning" else finding


def check_loaded(rules: Sequence[Rule], loaded: Loaded, *, strict: bool,
                 extra_words: Mapping[str, Sequence[str]] | None, bands: Sequence[Band] | None) -> list[Finding]:
    """The sorted findings for one file."""
    ctx = build_context(loaded, extra_words, bands)
    findings = without_ignored(ctx, run_rules(rules, ctx))
    if strict:
        findings = [promote(f) for f in findings]
    return sorted(findings, key=Finding.sort_key)
