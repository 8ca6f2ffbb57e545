"""PRC3xx: short cycles.

Buying in short cycles keeps every step small enough to fail cheaply: a
fixed iteration with a demo and a stop/go decision, a modest first
commitment, and options to scale a success up. The limits are policy, not
law: they live in ``procure/data/check_policy.yaml`` (``cycles``) with their
reasons and sources, and each explanation states the value in force.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from procure.checks.core import Context, Hit, rule


@rule(
    code="PRC301",
    name="iteration-too-long",
    severity="warning",
    title="An iteration is longer than {policy.longest_short_iteration_weeks} weeks",
    message="{field} is {weeks} weeks: keep iterations at {limit} weeks or less so that each "
            "stop/go decision comes while stopping is still cheap",
    explanation="""
        The stop/go decision after each iteration is what makes a short-cycle
        contract safe: the buyer sees working results and decides to continue,
        adjust or stop. With long iterations, too much money and time go by
        between decisions, and a failing approach shows late. Two to six weeks
        is common in agile contracts; the problem statement refuses more than
        13 weeks outright (rule 2 of docs/problem-statement.md), and this rule warns above
        {policy.longest_short_iteration_weeks} weeks. The limit is procure's policy, set in
        procure/data/check_policy.yaml.
    """,
    sources=(
        "ARBIT-2022 agile model agreement (sprints and releases as the unit of delivery)",
        "18F agile BPA practice: two-week iterations with a demo",
        "{policy_source[longest_short_iteration_weeks]}",
    ),
)
def iteration_too_long(ctx: Context) -> Iterator[Hit]:
    weeks, limit = ctx.problem.iteration_budget.iteration_weeks, ctx.policy.longest_short_iteration_weeks
    if weeks > limit:
        yield Hit(("iteration_budget", "iteration_weeks"), {"weeks": weeks, "limit": limit})


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
    title="The initial commitment is more than {first_step_percent}% of the maximum value",
    message="{field}: the initial commitment ({share}% of the maximum value) is not a small first step; "
            "contract fewer iterations at the start and more as options",
    explanation="""
        The first commitment is what the buyer risks before it has seen the
        supplier work. When it is more than {first_step_percent}% of everything the
        contract may be worth, the contract is a large bet with a few options attached rather
        than a small experiment that can grow. Commit to a few iterations and
        keep the rest as options called off after positive stop/go decisions.
        The rule only applies when the contract can grow at all (the maximum
        value exceeds the initial commitment); without options, PRC302 speaks.
        The share is procure's policy, set in procure/data/check_policy.yaml.
    """,
    sources=(
        "GOV.UK Service Manual: agile delivery in phases (discovery, alpha, beta), each a go/no-go",
        "SBIR (RVO): phased commitment, feasibility before development",
        "{policy_source[largest_first_step_share]}",
    ),
)
def no_small_first_step(ctx: Context) -> Iterator[Hit]:
    initial, maximum = ctx.problem.initial_commitment, ctx.problem.maximum_value
    if maximum > initial and initial > maximum * ctx.policy.largest_first_step_share:
        share = (initial * 100 / maximum).quantize(Decimal("1"))
        yield Hit(("iteration_budget", "iterations"), {"share": share})
