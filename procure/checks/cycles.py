"""PRC3xx: short cycles.

Buying in short cycles keeps every step small enough to fail cheaply: a
fixed iteration with a demo and a stop/go decision, a modest first
commitment, and options to scale a success up. The limits here are policy,
not law, and each explanation says where it comes from.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from procure.checks.core import Context, Hit, rule

# Policy limits of this linter (not law). SPEC's hard limit of 13 weeks stays a loader error.
LONGEST_SHORT_ITERATION_WEEKS = 8
LARGEST_FIRST_STEP_SHARE = Decimal("0.5")


@rule(
    code="PRC301",
    name="iteration-too-long",
    severity="warning",
    title="An iteration is longer than eight weeks",
    message="{field} is {weeks} weeks: keep iterations at eight weeks or less so that each "
            "stop/go decision comes while stopping is still cheap",
    explanation="""
        The stop/go decision after each iteration is what makes a short-cycle
        contract safe: the buyer sees working results and decides to continue,
        adjust or stop. With iterations longer than about two months, too much
        money and time go by between decisions, and a failing approach shows
        late. Two to six weeks is common in agile contracts; the problem
        statement refuses more than 13 weeks outright, and this rule warns above 8.
    """,
    sources=(
        "ARBIT-2022 agile model agreement (sprints and releases as the unit of delivery)",
        "18F agile BPA practice: two-week iterations with a demo",
    ),
)
def iteration_too_long(ctx: Context) -> Iterator[Hit]:
    weeks = ctx.problem.iteration_budget.iteration_weeks
    if weeks > LONGEST_SHORT_ITERATION_WEEKS:
        yield Hit(("iteration_budget", "iteration_weeks"), {"weeks": weeks})


@rule(
    code="PRC302",
    name="no-options",
    severity="info",
    title="No option iterations to scale a success up",
    message="{field} is 0: without options a successful experiment needs a new tender to continue; "
            "consider option iterations the buyer may call off after a positive stop/go",
    explanation="""
        Options let the buyer continue with the same supplier when an experiment
        works, without a new procedure, because they were announced and valued
        in the tender (the estimated value includes them). Without options,
        scaling up a success means starting over. A deliberately closed pilot
        can do without; then switch this rule off for the file with a reason.
    """,
    sources=(
        "Directive 2014/24/EU, articles 5(1) (options in the estimated value) and 72(1)(a) "
        "(modifications provided for in clear review or option clauses)",
        "Aanbestedingswet 2012, article 2.163c (review clauses, options among them)",
    ),
)
def no_options(ctx: Context) -> Iterator[Hit]:
    if ctx.problem.iteration_budget.option_iterations == 0:
        yield Hit(("iteration_budget", "option_iterations"))


@rule(
    code="PRC303",
    name="no-small-first-step",
    severity="warning",
    title="The initial commitment is most of the maximum value",
    message="{field}: the initial commitment ({share}% of the maximum value) is not a small first step; "
            "contract fewer iterations at the start and more as options",
    explanation="""
        The first commitment is what the buyer risks before it has seen the
        supplier work. When it is more than half of everything the contract may
        be worth, the contract is a large bet with a few options attached rather
        than a small experiment that can grow. Commit to a few iterations and
        keep the rest as options called off after positive stop/go decisions.
        The rule only applies when the contract can grow at all (the maximum
        value exceeds the initial commitment); without options, PRC302 speaks.
    """,
    sources=(
        "GOV.UK Service Manual: agile delivery in phases (discovery, alpha, beta), each a go/no-go",
        "SBIR (RVO): phased commitment, feasibility before development",
    ),
)
def no_small_first_step(ctx: Context) -> Iterator[Hit]:
    initial, maximum = ctx.problem.initial_commitment, ctx.problem.maximum_value
    if maximum > initial and initial > maximum * LARGEST_FIRST_STEP_SHARE:
        share = (initial * 100 / maximum).quantize(Decimal("1"))
        yield Hit(("iteration_budget", "iterations"), {"share": share})
