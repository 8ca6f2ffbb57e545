"""PRC6xx: award.

Outcome-based contracts are awarded on the best price-quality ratio, with
quality criteria about the approach. These rules read ``tender.evaluation``;
when it is absent the template's default evaluation applies and nothing is
checked. The bounds are policy, adapted from the UK Digital Outcomes brief to
a list of named criteria; they live in ``procure/data/check_policy.yaml``
(``award``) with their reasons and sources.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from procure.checks.core import Context, Hit, rule

if TYPE_CHECKING:
    from procure.model import Evaluation

_SOURCES_AWARD = (
    "Directive 2014/24/EU, article 67(2) and (5): best price-quality ratio, weighting stated in advance",
    "Aanbestedingswet 2012, article 2.114 (best price-quality ratio)",
    "UK Digital Marketplace, Digital Outcomes brief: weightings technical 10-75, cultural fit 5-20, "
    "price 20-85",
)
_PATH = ("tender", "evaluation")


def _evaluation(ctx: Context) -> Evaluation | None:
    tender = ctx.problem.tender
    return tender.evaluation if tender is not None else None


@rule(
    code="PRC601",
    name="price-above-quality",
    severity="warning",
    title="Price weighs more than all quality criteria together",
    message="{field} is {price}, more than the quality criteria together ({quality}): an innovation "
            "bought on price mostly rewards the cheapest promise; give quality the larger share",
    explanation="""
        In an outcome-based, short-cycle contract the buyer does not know the
        solution in advance, so what separates bidders is the approach: how they
        will learn, measure and deliver in the first iterations. When price
        weighs more than all quality criteria together, the lowest bid wins
        almost regardless of approach. The per-iteration budget already caps
        the price; let quality decide. A price weight of 100 (no quality
        criteria) is an award on price alone.
    """,
    sources=_SOURCES_AWARD,
)
def price_above_quality(ctx: Context) -> Iterator[Hit]:
    evaluation = _evaluation(ctx)
    if evaluation is None:
        return
    quality = sum(c.weight for c in evaluation.criteria)
    if evaluation.price_weight > quality:
        yield Hit((*_PATH, "price_weight"), {"price": evaluation.price_weight, "quality": quality})


@rule(
    code="PRC602",
    name="too-few-quality-criteria",
    severity="warning",
    title="Fewer than {policy.fewest_quality_criteria} quality criteria",
    message="{field} has fewer than {minimum} quality criteria ({count}): use at least {minimum}, for example "
            "the approach to the first iteration and how results are measured",
    explanation="""
        A single quality criterion makes the award hinge on one judgement, and
        none at all makes it an award on price. Several criteria (the approach
        to the first iterations, involving users, measuring the outcomes, the
        team) spread the assessment over what matters for a short-cycle
        contract and make the scoring easier to explain to losing bidders.
        procure asks for at least {policy.fewest_quality_criteria}
        (procure/data/check_policy.yaml).
    """,
    sources=(*_SOURCES_AWARD, "{policy_source[fewest_quality_criteria]}"),
)
def too_few_quality_criteria(ctx: Context) -> Iterator[Hit]:
    evaluation = _evaluation(ctx)
    minimum = ctx.policy.fewest_quality_criteria
    if evaluation is not None and len(evaluation.criteria) < minimum:
        yield Hit((*_PATH, "criteria"), {"count": len(evaluation.criteria), "minimum": minimum})


@rule(
    code="PRC603",
    name="dominant-criterion",
    severity="warning",
    title="One quality criterion weighs more than {policy.highest_single_criterion_weight}",
    message="{field} is {weight}: one criterion above {limit} decides the award on its own; "
            "spread the weight over more criteria",
    explanation="""
        procure warns when one quality criterion weighs more than
        {policy.highest_single_criterion_weight}
        (procure/data/check_policy.yaml, after the UK Digital Outcomes brief's
        bound on the technical weighting). When one criterion carries more, the
        rest of the evaluation is decoration, and a single assessor's judgement
        on one question decides the contract. Split the criterion into the
        aspects it covers.
    """,
    sources=_SOURCES_AWARD,
)
def dominant_criterion(ctx: Context) -> Iterator[Hit]:
    evaluation = _evaluation(ctx)
    limit = ctx.policy.highest_single_criterion_weight
    for index, criterion in enumerate(evaluation.criteria if evaluation else ()):
        if criterion.weight > limit:
            yield Hit((*_PATH, "criteria", index, "weight"), {"weight": criterion.weight, "limit": limit})


@rule(
    code="PRC604",
    name="token-price-weight",
    severity="info",
    title="Price counts, but for less than {policy.lowest_telling_price_weight}",
    message="{field} is {price}: price counts for little; either compete on quality alone at a fixed "
            "price (weight 0) or give price at least {limit}",
    explanation="""
        A price weight above 0 but below {policy.lowest_telling_price_weight}
        asks bidders to compete on price while hardly rewarding it; most will
        bid the maximum per iteration. Decide: either fix the price per
        iteration and let bidders compete on quality only (price weight 0,
        which the directive allows with a fixed price), or give price a weight
        that matters: at least {policy.lowest_telling_price_weight}
        (procure/data/check_policy.yaml, after the UK Digital Outcomes brief).
    """,
    sources=_SOURCES_AWARD,
)
def token_price_weight(ctx: Context) -> Iterator[Hit]:
    evaluation = _evaluation(ctx)
    limit = ctx.policy.lowest_telling_price_weight
    if evaluation is not None and 0 < evaluation.price_weight < limit:
        yield Hit((*_PATH, "price_weight"), {"price": evaluation.price_weight, "limit": limit})


@rule(
    code="PRC605",
    name="unpriced-time-and-materials",
    severity="warning",
    title="Price weight 0 with capped time and materials",
    message="{field} is 0 while payment is capped_time_and_materials: rates then never compete; "
            "pay a fixed price per iteration, or give price a weight",
    explanation="""
        Competing on quality alone is lawful when the price is fixed in advance.
        Under capped time and materials the supplier's rates decide what an
        iteration costs, up to the cap, so with price weight 0 nobody competes on
        those rates. Either pay a fixed price per iteration (payment:
        fixed_per_iteration) or let price count in the award.
    """,
    sources=("Directive 2014/24/EU, article 67(2), last subparagraph (fixed price, competition on quality)",
             "Aanbestedingswet 2012, article 2.114"),
)
def unpriced_time_and_materials(ctx: Context) -> Iterator[Hit]:
    evaluation = _evaluation(ctx)
    payment = ctx.problem.iteration_budget.payment
    if evaluation is not None and evaluation.price_weight == 0 and payment == "capped_time_and_materials":
        yield Hit((*_PATH, "price_weight"))
