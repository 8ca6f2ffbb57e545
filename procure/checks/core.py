"""The building blocks of the linter: findings, rules, the registry and the context rules read.

A rule is a small function that looks at a problem statement and yields
:class:`Hit` objects: where something is wrong and the values its message
needs. The :class:`Rule` around it owns the stable code, the severity and the
message template, so those live in one place and a rule function cannot
drift from its documentation. The registry keeps every rule in code order;
``--list-rules`` and ``--explain`` read it, and so does the runner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Literal

from msgspec import Struct, field

if TYPE_CHECKING:
    from procure.checks.policy import CheckPolicy
    from procure.checks.vocabulary import Vocabulary
    from procure.legal import Band, LegalData, ProcedureDecision
    from procure.loader import SourceMap
    from procure.model import Problem

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
FieldPath = tuple[str | int, ...]


class Finding(Struct, frozen=True):
    """One thing the linter says about one place in one file (the JSON output has exactly these keys)."""

    file: str
    line: int
    column: int
    field: str
    code: str
    severity: Severity
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        """File, line, column, code: the order people read a report in; field and message break ties."""
        return (self.file, self.line, self.column, self.code, self.field, self.message)


class Hit(Struct, frozen=True):
    """What a rule function reports: the field path at fault and the values for the message template."""

    path: FieldPath
    values: Mapping[str, object] = field(default_factory=dict)


class Context(Struct, frozen=True):
    """Everything a rule may read. Built once per file; rules never do I/O of their own."""

    problem: Problem
    source: SourceMap
    file: str
    language: str
    legal: LegalData
    decision: ProcedureDecision
    vocabulary: Vocabulary
    policy: CheckPolicy  # the linter's policy limits (procure/data/check_policy.yaml)
    bands: tuple[Band, ...] = ()  # the below-threshold bands in use: the buyer's, else legal.yaml's
    band_procedure: str = ""  # what procedure: auto gives for this value under those bands
    raised: frozenset[str] = frozenset()  # codes the other rules raised; only rules that run after them see it

    def finding(self, rule: Rule, hit: Hit) -> Finding:
        """Place a hit in the file and word it with the rule's template."""
        line, column = self.source.locate(hit.path)
        dotted = self.source.dotted(hit.path)
        from procure.i18n import gettext

        message = gettext(rule.message).format(field=dotted, **hit.values)
        return Finding(self.file, line, column, dotted, rule.code, rule.severity, message)


Check = Callable[[Context], Iterable[Hit]]


class Rule(Struct, frozen=True):
    """A rule with a stable code. The code never changes meaning; a retired rule's code is not reused."""

    code: str
    name: str
    severity: Severity
    title_template: str
    message: str
    explanation_template: str
    source_templates: tuple[str, ...]
    check: Check | None  # None: reported outside the linter (see below)
    after_others: bool = False  # rules about the checks themselves run last and see ``Context.raised``

    # Titles, explanations and sources may state numbers from legal.yaml and check_policy.yaml;
    # they are templates filled in when read (see procure.checks.facts), so they never drift.
    # They are translated (procure.i18n) before they are filled in.
    @property
    def title(self) -> str:
        from procure.checks.facts import fill
        from procure.i18n import gettext

        return fill(gettext(self.title_template))

    @property
    def explanation(self) -> str:
        from procure.checks.facts import fill_paragraphs
        from procure.i18n import gettext

        return fill_paragraphs(gettext(self.explanation_template))

    @property
    def sources(self) -> tuple[str, ...]:
        from procure.checks.facts import fill
        from procure.i18n import gettext

        return tuple(fill(gettext(s)) for s in self.source_templates)

    @property
    def external(self) -> bool:
        """True for codes that :mod:`procure.checking` reports (validation, loader warnings,
        placeholders): listed and explained here, but not run, and not switched off by ``checks.ignore``."""
        return self.check is None

    @property
    def family(self) -> str:
        """The family a code belongs to, from its hundreds digit (in the user's language)."""
        from procure.i18n import gettext

        return gettext(FAMILIES.get(self.code[3], "other"))

    def run(self, ctx: Context) -> Iterator[Finding]:
        """The findings of this rule for one file."""
        for hit in self.check(ctx) if self.check is not None else ():
            yield ctx.finding(self, hit)


FAMILIES: dict[str, str] = {
    "0": "the checks themselves",
    "1": "problem, not solution",
    "2": "measurable outcomes",
    "3": "short cycles",
    "4": "money and procedure",
    "5": "periods",
    "6": "award",
}

_REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, title: str, message: str, explanation: str,
         sources: tuple[str, ...], after_others: bool = False) -> Callable[[Check], Check]:
    """Register the decorated function as the check of a new rule (codes are unique)."""
    if code in _REGISTRY:
        raise ValueError(f"rule code {code} registered twice")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {code}: unknown severity {severity!r}")

    def register(check: Check) -> Check:
        _REGISTRY[code] = Rule(code, name, severity, title, message, _dedent(explanation), sources, check,
                               after_others)
        return check

    return register


def external(code: str, name: str, severity: Severity, title: str, message: str, explanation: str,
             sources: tuple[str, ...]) -> None:
    """Register a code that another module reports, so that it is listed, explained and known."""
    if code in _REGISTRY:
        raise ValueError(f"rule code {code} registered twice")
    _REGISTRY[code] = Rule(code, name, severity, title, message, _dedent(explanation), sources, None)


def registered() -> tuple[Rule, ...]:
    """Every registered rule, in code order."""
    return tuple(_REGISTRY[code] for code in sorted(_REGISTRY))


def _dedent(text: str) -> str:
    """Explanations are written as indented triple-quoted strings; print them flush left."""
    import textwrap

    return textwrap.dedent(text).strip()

