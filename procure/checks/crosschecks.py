"""Cross-checks: what an officer cannot easily see by reading one field at a time.

Each rule relates several parts of the problem statement: the ceiling against
everything the contract may call off, the publication date against the legal
minimum period, the buyer's constraints against procure's generic ones, a target
against the time the contract gives to observe it, an amount against what a team
costs, and a contract without options against the risk of its first step. The
amounts and periods come from :func:`procure.contract.contract_terms` (the same
figures every document prints); legal periods from :mod:`procure.legal` via the
decided procedure; procure's own limits and word lists from
``procure/data/crosscheck_policy.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from procure.checks.core import Context, Hit, rule
from procure.checks.money import money
from procure.checks.periods import day
from procure.contract import constraints_covering, crosscheck_policy, measurement_weeks
from procure.legal import later


#: procure's own limits for these rules; the explanations state them from the data, so they never drift.
_POLICY = crosscheck_policy()
_SMALLEST = _POLICY["smallest_plausible_amount"]["value"]
_RATE = _POLICY["lowest_plausible_hourly_rate"]


@rule(
    code="PRC104",
    name="constraint-repeats-generic",
    severity="info",
    title="A constraint covers the same subject as one of procure's generic constraints",
    message="{field} covers {subject}, which procure's generic constraints also state; the documents print "
            "the buyer's constraint and leave the generic one out, so check that yours says all you need",
    explanation="""
        The documents state four generic constraints (open standards, information
        security, privacy and accessibility) before the buyer's own. When a
        buyer's constraint covers one of those subjects, printing both would
        repeat it or contradict it (two versions of WCAG, two security
        baselines), and a bidder cannot tell which applies. procure therefore
        prints only the buyer's constraint on that subject. This finding says so,
        because the generic text may have said something the buyer's does not:
        for accessibility, that it is tested in every iteration; for privacy,
        the data processing agreement. The words that count as covering a
        subject are listed in procure/data/crosscheck_policy.yaml.
    """,
    sources=(
        "Aanbestedingswet 2012, article 1.9 (equal treatment and transparency: one clear requirement)",
        "procure/data/crosscheck_policy.yaml, generic_constraints",
    ),
)
def constraint_repeats_generic(ctx: Context) -> Iterator[Hit]:
    names = {"open_standards": "open standards", "security": "information security", "privacy": "privacy",
             "accessibility": "accessibility"}
    for subject, indexes in constraints_covering(ctx.problem).items():
        for index in indexes:
            yield Hit(("problem", "constraints", index), {"subject": names.get(subject, subject)})


@rule(
    code="PRC205",
    name="target-not-observable",
    severity="warning",
    title="An outcome is measured less often than the contract lasts",
    message="{field} shows a value every {period} weeks, but {scope} lasts {weeks} weeks: {advice}",
    explanation="""
        The agreement dates its targets by the end of the initial term, because
        options may never be called off, and the stop/go decisions need
        something to steer on. An outcome measured yearly in a contract of
        thirty weeks cannot show whether the target was reached, nor steer a
        single decision. When the measurement period is longer than the whole
        contract, the target cannot be observed at all: measure more often.
        When it is longer than the initial term only, the target cannot be
        observed by the date the agreement gives it: measure more often, or give
        the outcome a leading indicator (outcomes[].leading_indicator) reported
        at every review, which the stop/go decisions then steer on. The words
        that name a frequency are in procure/data/crosscheck_policy.yaml.
    """,
    sources=(
        "Evidence-Based Management (Scrum.org): leading indicators between lagging outcome measurements",
        "procure/data/crosscheck_policy.yaml, measurement_periods",
    ),
)
def target_not_observable(ctx: Context) -> Iterator[Hit]:
    problem = ctx.problem
    initial, maximum = problem.initial_duration_weeks, problem.maximum_duration_weeks
    for index, outcome in enumerate(problem.outcomes):
        period = measurement_weeks(outcome.measured_by)
        if period is None or period <= initial:
            continue
        if period > maximum:
            scope, weeks = "the whole contract, options included,", maximum
            advice = "the target cannot be observed within the contract; measure more often"
        elif outcome.leading_indicator:
            continue
        else:
            scope, weeks = "the initial term", initial
            advice = ("the target cannot be observed by the end of the initial term; give the outcome a "
                      "leading_indicator reported at every review")
        yield Hit(("outcomes", index, "measured_by"), {"period": period, "scope": scope, "weeks": weeks,
                                                        "advice": advice})


@rule(
    code="PRC304",
    name="everything-committed",
    severity="warning",
    title="Every iteration is committed at the start and there are no options",
    message="{field}: all {iterations} iterations are committed up front and nothing is left as an option, "
            "the largest first step there is; commit fewer iterations (contract.minimum_iterations) or move "
            "some to option_iterations",
    explanation="""
        A contract that commits every iteration at the start, with no options,
        risks its whole value before the buyer has seen the supplier work. It
        is the largest first step a contract can take, yet PRC303 (which
        compares the first step with the maximum value) cannot see it, because
        the two are equal. Commit a few iterations (contract.minimum_iterations
        sets the minimum commitment) and keep the rest as iterations the buyer
        takes only after a go, or as options. A contract of one iteration is
        left alone: it is already the smallest step.
    """,
    sources=(
        "GOV.UK Service Manual: agile delivery in phases, each ending in a go/no-go",
        "Directive 2014/24/EU, article 72(1)(a): options announced in the tender may be called off later",
    ),
)
def everything_committed(ctx: Context) -> Iterator[Hit]:
    problem = ctx.problem
    budget = problem.iteration_budget
    has_options = budget.option_iterations or (problem.contract and problem.contract.scale_up)
    if not has_options and budget.iterations > 1 and problem.minimum_iterations == budget.iterations:
        yield Hit(("iteration_budget", "iterations"), {"iterations": budget.iterations})


@rule(
    code="PRC408",
    name="ceiling-headroom",
    severity="warning",
    title="The ceiling is above everything the contract can call off",
    message="{field} is {ceiling}, {headroom} more than all iterations, options and exit support together "
            "({components}); lower the ceiling, or add the options the headroom is meant for",
    explanation="""
        The ceiling is the contract's estimated maximum value: it decides the
        threshold and so the procedure, and it is published. Headroom above the
        sum of all iterations, options and exit support has nothing in the
        contract to spend it on: no option can call it off, so it inflates the
        value (possibly across the EU threshold) without a legal basis for using
        it. State what the headroom is for as an option (contract.scale_up:
        rollout, operation and maintenance, hosting, licences) or lower the
        ceiling. PRC405 and PRC409 speak when the ceiling is below.
    """,
    sources=(
        "Aanbestedingswet 2012, article 2.15 and Directive 2014/24/EU, article 5(1): the estimated value "
        "includes every option",
        "Directive 2014/24/EU, article 72(1)(a): only options set out clearly in the tender may be called off",
    ),
)
def ceiling_headroom(ctx: Context) -> Iterator[Hit]:
    problem = ctx.problem
    ceiling, components = problem.iteration_budget.ceiling, problem.components_value
    if ceiling is not None and ceiling > components:
        cur = problem.iteration_budget.currency
        yield Hit(("iteration_budget", "ceiling"), {"ceiling": money(ceiling, cur),
                                                    "headroom": money(ceiling - components, cur),
                                                    "components": money(components, cur)})


@rule(
    code="PRC409",
    name="ceiling-below-commitments",
    severity="warning",
    title="The ceiling cannot pay for the initial term and the exit support together",
    message="{field} is {ceiling}, less than the initial term ({initial}) plus the exit support ({exit}); "
            "raise the ceiling or lower the exit support, or the exit support the agreement promises cannot be paid",
    explanation="""
        The agreement lets the buyer take every iteration of the initial term and
        then call off exit support after the contract ends. When the ceiling is
        below those two together, the buyer cannot pay for the handover it has
        promised itself, exactly when it needs it most: at a stop or at the end.
        Options may be capped by the ceiling (PRC405), but the initial term and
        the exit budget should fit within it.
    """,
    sources=(
        "Directive 2014/24/EU, article 5(1): the estimated value covers everything payable under the contract",
    ),
)
def ceiling_below_commitments(ctx: Context) -> Iterator[Hit]:
    problem = ctx.problem
    budget = problem.iteration_budget
    initial = budget.iterations * budget.per_iteration
    if budget.ceiling is not None and problem.exit_budget and budget.ceiling < initial + problem.exit_budget:
        cur = budget.currency
        yield Hit(("iteration_budget", "ceiling"), {"ceiling": money(budget.ceiling, cur),
                                                    "initial": money(initial, cur),
                                                    "exit": money(problem.exit_budget, cur)})


@rule(
    code="PRC410",
    name="implausible-amount",
    severity="warning",
    title="An amount is too small to pay for the work",
    message="{field} is {amount}: {why}; check the amount (in whole euros, without thousands separators)",
    explanation=f"""
        Two amounts that no market can meet: a price per iteration or a
        maximum value below EUR {_SMALLEST:,}, which is nearly always a typing error
        (45 for 45000), and a price per iteration that does not pay for one
        person working the whole iteration at EUR {_RATE["value"]} an hour, {_RATE["hours_per_week"]} hours a
        week, far below the rates of IT service contracts. Either leaves
        bidders unable to tender, or invites abnormally low tenders.
    """,
    sources=(
        "Aanbestedingswet 2012, article 2.116 and Directive 2014/24/EU, article 69 (abnormally low tenders)",
        "procure/data/crosscheck_policy.yaml, smallest_plausible_amount and lowest_plausible_hourly_rate",
    ),
)
def implausible_amount(ctx: Context) -> Iterator[Hit]:
    smallest, rate = Decimal(_SMALLEST), _RATE
    budget = ctx.problem.iteration_budget
    cur = budget.currency
    one_person = Decimal(rate["value"]) * rate["hours_per_week"] * budget.iteration_weeks
    if budget.per_iteration < smallest:
        yield Hit(("iteration_budget", "per_iteration"), {"amount": money(budget.per_iteration, cur),
                                                          "why": f"less than {money(smallest, cur)}"})
    elif budget.per_iteration < one_person:
        yield Hit(("iteration_budget", "per_iteration"), {
            "amount": money(budget.per_iteration, cur),
            "why": f"less than one person for {budget.iteration_weeks} weeks at {money(Decimal(rate['value']), cur)} "
                   f"an hour ({money(one_person, cur)}), let alone a team"})
    if budget.ceiling is not None and budget.ceiling < smallest:
        yield Hit(("iteration_budget", "ceiling"), {"amount": money(budget.ceiling, cur),
                                                    "why": f"less than {money(smallest, cur)}"})


@rule(
    code="PRC509",
    name="latest-publication-date",
    severity="info",
    title="The latest day the tender can be published for its deadline",
    message="{field} is not set: to meet the submission deadline of {deadline} the tender must be published "
            "by {latest} ({reason})",
    explanation="""
        When the timetable gives a submission deadline but no publication date,
        the officer still needs to know by when the notice must go out. For a
        European procedure procure counts back the legal minimum period (the
        stages of the procedure, with the electronic reduction, from
        procure/data/legal.yaml); the tender must also be out before the
        questions close (tender.questions_due). The latest of the two limits
        that still meets both is reported. Below the thresholds the law sets no
        minimum period and only the questions deadline counts.
    """,
    sources=(
        "Aanbestedingswet 2012, articles 2.71 to 2.74a and Directive 2014/24/EU, articles 27 to 31 "
        "(minimum periods)",
        "Regulation (EEC, Euratom) No 1182/71, article 3 (counting periods in days)",
    ),
)
def latest_publication_date(ctx: Context) -> Iterator[Hit]:
    tender, d = ctx.problem.tender, ctx.decision
    if tender is None or tender.published is not None or tender.submission_deadline is None:
        return
    deadline = day(tender.submission_deadline)
    limits = []
    if d.european:
        required = sum(n for n in (d.min_request_days, d.min_submission_days) if n)
        if required:
            limits.append((later(deadline, -required), f"the legal minimum of {required} days"))
    if tender.questions_due is not None:
        limits.append((later(day(tender.questions_due), -1), "before the questions close"))
    if not limits:
        return
    latest, reason = min(limits)
    yield Hit(("tender", "published"), {"deadline": deadline.isoformat(), "latest": latest.isoformat(), "reason": reason})
