"""PRC2xx: measurable outcomes.

The buyer pays for outcomes, so each must say where things stand, where they
must be and how anyone will know. Words that make a value measurable without
a digit (number words, durations, scales) and the word parts that mark a
user-centred outcome are data: ``procure/data/outcome_words.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from procure.checks.core import Context, Hit, rule
from procure.checks.vocabulary import Vocabulary

_NUMERIC = re.compile(r"\d|%")
_SOURCES_OUTCOMES = (
    "Evidence-Based Management Guide (Scrum.org): key value areas and measurable goals",
    "UK Digital Marketplace, Digital Outcomes brief: how success will be measured",
)


def is_measurable(text: str, vocab: Vocabulary) -> bool:
    """A digit, a percent sign, or a number word, duration or scale from the data file."""
    return bool(_NUMERIC.search(text)) or bool(vocab.measurable.find(text))


def _unmeasurable(ctx: Context, key: str) -> Iterator[Hit]:
    for index, outcome in enumerate(ctx.problem.outcomes):
        if not is_measurable(getattr(outcome, key), ctx.vocabulary):
            yield Hit(("outcomes", index, key))


@rule(
    code="PRC201",
    name="target-not-measurable",
    severity="warning",
    title="An outcome's target has no number, percentage, duration or scale",
    message="{field} has no number, percentage, duration or scale: say where it must be, "
            "so that everyone can see whether it was reached",
    explanation="""
        A target such as "faster", "better" or "as soon as possible" cannot be
        reached or missed, so it cannot steer the stop/go decision after an
        iteration, and bidders cannot price it. Give a value on the indicator's
        own scale: a number, a percentage, a duration ("2 weeks"), or a score on
        a stated scale ("7.5 out of 10").

        A digit or % always counts; words that count are in
        procure/data/outcome_words.yaml ("twee weken", "half", "zero").
    """,
    sources=_SOURCES_OUTCOMES,
)
def target_not_measurable(ctx: Context) -> Iterator[Hit]:
    yield from _unmeasurable(ctx, "target")


@rule(
    code="PRC202",
    name="baseline-not-measurable",
    severity="warning",
    title="An outcome's baseline has no number, percentage, duration or scale",
    message="{field} has no number, percentage, duration or scale: measure where things stand "
            "today, or make measuring it the first iteration's job",
    explanation="""
        Without a baseline nobody can tell whether an iteration moved the
        indicator, and "improvement" becomes a matter of opinion. If the value is
        not known yet ("unknown"), say how and when it will be measured, and make
        that part of the first iteration; then record the figure here.
    """,
    sources=_SOURCES_OUTCOMES,
)
def baseline_not_measurable(ctx: Context) -> Iterator[Hit]:
    yield from _unmeasurable(ctx, "baseline")


@rule(
    code="PRC203",
    name="outcome-without-method",
    severity="warning",
    title="An outcome does not say how it is measured",
    message="{field} is missing: say where the figure comes from, how it is measured and how often",
    explanation="""
        An indicator with a target but no method invites a dispute at the first
        stop/go decision: whose figures count, and over which period? Name the
        source (a register, a survey, a log), the method and the frequency in
        measured_by, so that buyer and supplier read the same number.
    """,
    sources=_SOURCES_OUTCOMES,
)
def outcome_without_method(ctx: Context) -> Iterator[Hit]:
    for index, outcome in enumerate(ctx.problem.outcomes):
        if not (outcome.measured_by or "").strip():
            yield Hit(("outcomes", index, "measured_by"))


@rule(
    code="PRC204",
    name="no-user-centred-outcome",
    severity="warning",
    title="No outcome is about the people who use the service",
    message="{field}: no outcome measures what users experience (satisfaction, speed, adoption): "
            "add one for the people in problem.affected_users",
    explanation="""
        Outcomes that only count internal output (cases processed, cost per case)
        can be reached while the people who have the problem are no better off.
        At least one outcome should measure what users experience: how satisfied
        they are, how fast they are helped, whether they take the service up.

        The rule looks for word parts such as "tevreden", "wachttijd", "gebruik",
        "satisf", "wait", "adopt" anywhere in the outcomes' titles, indicators and
        targets (procure/data/outcome_words.yaml); it fires only when none occurs.
    """,
    sources=(
        "Evidence-Based Management Guide (Scrum.org): current value (satisfaction of users)",
        "UK Government Service Standard, point 1 (understand users and their needs)",
    ),
)
def no_user_centred_outcome(ctx: Context) -> Iterator[Hit]:
    texts = (f"{o.title} {o.indicator} {o.target}" for o in ctx.problem.outcomes)
    if not any(ctx.vocabulary.has_user_centred_word(text) for text in texts):
        yield Hit(("outcomes",))
