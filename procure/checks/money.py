"""PRC4xx: money and procedure.

The maximum value, options included, against the EU thresholds in force on
the tender's reference date decides whether a European procedure is
required. Every fact (thresholds, their source and validity, procedure
names, below-threshold bands) comes from ``procure.legal``; this module only
compares.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from procure.checks.core import Context, FieldPath, Hit, rule

_SOURCES_VALUE = (
    "Directive 2014/24/EU, articles 4 (thresholds) and 5 (estimated value, options included)",
    "The EU thresholds, as procure/data/legal.yaml lists them: {threshold_sets}",
)


def money(amount: Decimal, currency: str) -> str:
    """An amount for a message, written as the user's language writes it: 'EUR 180,000' and
    'EUR 1,250.50' in English, 'EUR 180.000' and 'EUR 1.250,50' in Dutch."""
    from procure.i18n import language

    text = f"{int(amount):,}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    if language() == "nl":
        text = text.translate(str.maketrans(",.", ".,"))
    return f"{currency} {text}"


def _procedure_path(ctx: Context) -> FieldPath:
    """Where procedure findings point: the chosen procedure, else the budget that decided it."""
    return ("tender", "procedure") if ctx.problem.tender is not None else ("iteration_budget",)


def procedure_name(ctx: Context, code: str) -> str:
    """A procedure's name for a message: in Dutch for a Dutch user; in English for others, with the
    name the documents use when they are not English."""
    from procure.i18n import language

    name = ctx.legal.procedures[code].name
    if language() == "nl":
        return name.nl
    return name.en if ctx.language == "en" else f"{name.en} ({name.get(ctx.language)})"


@rule(
    code="PRC401",
    name="procedure-follows",
    severity="info",
    title="The procedure that follows from the value",
    message="{field}: maximum value {value} (options included) is {relation} the EU threshold of "
            "{threshold} for {kind} authorities ({source}, in force on {date}): {procedure}, {how}",
    explanation="""
        Whether a contract must be tendered across the EU depends on its
        estimated value, and that value includes every option the buyer may call
        off. procure takes the maximum value (the ceiling, or all iterations and
        option iterations at the per-iteration price) and compares it with the
        threshold in force on the tender's reference date (publication, else the
        consultation dates) for the buyer's kind: central government or
        sub-central authorities. At or above it, a European procedure announced
        on TenderNed applies; below it, a national procedure chosen by the
        buyer's own policy. This finding states the result so that the reader
        can check it; the tender document names the same procedure.
    """,
    sources=_SOURCES_VALUE,
)
def procedure_follows(ctx: Context) -> Iterator[Hit]:
    from procure.i18n import _, language

    d = ctx.decision
    currency = ctx.problem.iteration_budget.currency
    yield Hit(_procedure_path(ctx), {
        "value": money(d.maximum_value, currency),
        "relation": _("at or above") if d.european else _("below"),
        "threshold": money(d.threshold, d.threshold_currency),
        "kind": _("central government") if d.threshold_kind == "central" else _("sub-central"),
        "source": ctx.legal.thresholds_on(d.reference_date).source.get(language()),
        "date": d.reference_date.isoformat(),
        "procedure": procedure_name(ctx, d.code),
        "how": _("as chosen") if d.chosen else _derived(ctx),
    })


def _derived(ctx: Context) -> str:
    """How the procedure was derived: from the value alone (above the threshold), with the file's own
    bands, or with procure's example bands."""
    from procure.i18n import _

    if ctx.decision.european:
        return _("derived from the value")
    if ctx.problem.procurement_policy is not None and tuple(ctx.bands) == _file_bands(ctx):
        return _("derived from the value and procurement_policy.bands")
    return _("derived from the value and procure's example bands (set your own in procurement_policy.bands)")


def _file_bands(ctx: Context) -> tuple[object, ...]:
    from procure.legal import policy_bands

    return policy_bands(ctx.problem) or ()


@rule(
    code="PRC402",
    name="procedure-not-allowed",
    severity="error",
    title="The chosen procedure is not allowed for this value",
    message="{field} is {procedure}, but the maximum value {value} is at or above the EU threshold of "
            "{threshold}: use a European procedure ({european}), or auto",
    explanation="""
        Above the EU threshold the buyer must use one of the procedures of the
        directive and announce the contract EU-wide. A national or private
        procedure (national_open, multiple_private, single_private) for such a
        value is unlawful: the contract can be annulled and the buyer fined.
        Splitting or under-estimating a contract to stay below the threshold is
        forbidden as well. Lower the value (fewer options, a lower ceiling) or
        choose a European procedure; procedure: auto picks the default European
        procedure of procure's legal data (the open procedure).
    """,
    sources=(*_SOURCES_VALUE, "Directive 2014/24/EU, article 5(3) (no splitting to avoid the rules)"),
)
def procedure_not_allowed(ctx: Context) -> Iterator[Hit]:
    d = ctx.decision
    if d.chosen and not d.allowed:
        currency = ctx.problem.iteration_budget.currency
        yield Hit(("tender", "procedure"), {
            "procedure": d.code, "value": money(d.maximum_value, currency),
            "threshold": money(d.threshold, d.threshold_currency), "european": ", ".join(_european_codes(ctx)),
        })


def _european_codes(ctx: Context) -> list[str]:
    return [code for code, procedure in ctx.legal.procedures.items() if procedure.european]


@rule(
    code="PRC404",
    name="buyer-kind-decides",
    severity="warning",
    title="buyer.kind is absent and the value lies between the two thresholds",
    message="{field} is not set and the maximum value {value} lies between the threshold for central "
            "government ({central}) and the one for sub-central authorities ({sub_central}): whether the "
            "contract is European depends on it; the documents show a placeholder for the procedure; "
            "set kind: central or kind: sub_central (or buyer.authority_type)",
    explanation="""
        The EU threshold for services depends on who buys: central government
        authorities have a lower one than sub-central authorities
        (municipalities, provinces, water boards and most other public bodies).
        When buyer.kind is absent and the value lies at or above the central
        threshold but below the sub-central one, the answer to "is this a
        European tender?" depends on the kind. procure decides nothing silently
        there: the documents show a placeholder where the procedure, its legal
        basis and its reasons stand, and this rule reports it (an error under
        --strict). Where the value decides the question whatever the kind
        (below both thresholds, or at or above both), nothing is reported and
        the documents say nothing about the kind. buyer.authority_type
        (municipality, province, water_board: sub-central; central_government:
        central) settles the kind as well.
    """,
    sources=_SOURCES_VALUE,
)
def buyer_kind_decides(ctx: Context) -> Iterator[Hit]:
    d = ctx.decision
    if d.undecided:
        currency = ctx.problem.iteration_budget.currency
        yield Hit(("buyer", "kind"), {
            "value": money(d.maximum_value, currency),
            "central": money(d.threshold_central, d.threshold_currency),
            "sub_central": money(d.threshold_sub_central, d.threshold_currency),
        })


@rule(
    code="PRC405",
    name="ceiling-caps-options",
    severity="info",
    title="The ceiling is below all iterations and options at the full price",
    message="{field} ({ceiling}) is below all {iterations} iterations at {per_iteration} ({full}): "
            "at that price only {callable} of the {options} option iterations can be called off; "
            "raise the ceiling or lower option_iterations so the two agree",
    explanation="""
        The ceiling is the maximum value of the whole contract, options
        included, and it is the value the procedure is based on. When it is
        lower than all iterations and option iterations at the per-iteration
        price, the options cannot all be used at that price. That can be
        deliberate (iterations expected to cost less than their cap), but the
        documents should not promise more options than the ceiling allows: make
        the two agree, or say in the tender why they differ.
    """,
    sources=("Directive 2014/24/EU, article 5(1) (the estimated value is the maximum total, options included)",),
)
def ceiling_caps_options(ctx: Context) -> Iterator[Hit]:
    budget = ctx.problem.iteration_budget
    total_iterations = budget.iterations + budget.option_iterations
    full = total_iterations * budget.per_iteration
    if budget.ceiling is None or budget.ceiling >= full:
        return
    room = budget.ceiling - budget.iterations * budget.per_iteration
    callable_options = int(room // budget.per_iteration)
    yield Hit(("iteration_budget", "ceiling"), {
        "ceiling": money(budget.ceiling, budget.currency), "iterations": total_iterations,
        "per_iteration": money(budget.per_iteration, budget.currency),
        "full": money(full, budget.currency), "callable": callable_options,
        "options": budget.option_iterations,
    })


@rule(
    code="PRC403",
    name="procedure-below-band",
    severity="warning",
    title="The chosen national procedure is lighter than the buyer's bands give for this value",
    message="{field} is {procedure}, lighter than {expected}, which {bands} give for a maximum value of "
            "{value}: choose {expected} or a more open procedure, or record the reason in checks.ignore",
    explanation="""
        Below the EU thresholds the law does not prescribe a procedure, but the
        buyer must choose one on objective grounds and explain the choice when
        asked, and most buyers fix that choice in their procurement policy as
        value bands: one invited supplier below a small amount, several invited
        suppliers up to a higher one, a national open procedure above that.
        Choosing a lighter procedure than the band gives for the value (for
        example a single invited supplier for a contract in the several-suppliers
        band) needs a reason the buyer can defend. A more open procedure than the
        band gives is always fine; which is lighter follows the order in
        procure/data/legal.yaml (below_threshold.order: single_private,
        multiple_private, national_open).

        The bands are policy, not law. procure's defaults are an example in
        procure/data/legal.yaml; a problem statement sets the buyer's own:

            procurement_policy:
              bands:
                - procedure: single_private
                  below: 30000
                - procedure: multiple_private
                  below: 150000
                # values from 150000 up to the EU threshold: national_open

        A band without `below` runs up to the EU threshold. The documents use
        the same bands when tender.procedure is auto.
    """,
    sources=(
        "Aanbestedingswet 2012, article 1.4 (objective choice of procedure, reasons on request)",
        "Gids Proportionaliteit, on choosing the procedure below the thresholds",
        "The buyer's own procurement policy (inkoopbeleid)",
    ),
)
def procedure_below_band(ctx: Context) -> Iterator[Hit]:
    d = ctx.decision
    if not d.chosen or d.european or ctx.legal.procedures[d.code].european:
        return
    order = ctx.legal.band_order
    if d.code not in order or ctx.band_procedure not in order:
        return
    if order.index(d.code) < order.index(ctx.band_procedure):
        currency = ctx.problem.iteration_budget.currency
        own = ctx.problem.procurement_policy is not None and tuple(ctx.bands) == _file_bands(ctx)
        yield Hit(("tender", "procedure"), {
            "procedure": d.code, "value": money(d.maximum_value, currency), "expected": ctx.band_procedure,
            "bands": "procurement_policy.bands" if own else "procure's example bands",
        })


@rule(
    code="PRC406",
    name="thresholds-out-of-date",
    severity="warning",
    title="No threshold set in procure's legal data covers the tender's date",
    message="{field}: no EU threshold set in procure's legal data covers {date}; the nearest one "
            "({period}) was used: update procure or check the thresholds in force on that date",
    explanation="""
        The EU thresholds change every two years by a Commission delegated
        regulation. procure keeps each set with its validity period and uses the
        one in force on the tender's reference date (publication, else the
        consultation dates). When that date lies outside every set it knows, it
        uses the nearest set, which may be wrong by a few thousand euros, enough
        to change the procedure for a value near the threshold. Update procure
        (or its legal data) when the new regulation is published.
    """,
    sources=_SOURCES_VALUE,
)
def thresholds_out_of_date(ctx: Context) -> Iterator[Hit]:
    d = ctx.decision
    if not d.threshold_in_force:
        path = ("tender", "published") if ctx.problem.tender is not None else ("iteration_budget",)
        period = ctx.legal.thresholds_on(d.reference_date).period
        yield Hit(path, {"date": d.reference_date.isoformat(), "period": period})


@rule(
    code="PRC407",
    name="currency-not-euro",
    severity="error",
    title="Amounts are not in euros: procure writes Dutch-law documents in euros",
    message="{field} is {currency}: procure writes Dutch-law tender documents, whose thresholds and "
            "amounts are in {threshold_currency}; convert the amounts and set currency: {threshold_currency} "
            "(render refuses this file)",
    explanation="""
        The documents procure writes state Dutch law, and the thresholds that
        decide the procedure are set in euros (Directive 2014/24/EU, article
        4). A problem statement whose amounts are in another currency cannot
        be compared with them without a conversion procure does not make, and
        a Dutch tender states its amounts in euros. So this is an error, and
        procure render refuses to write documents for the file: convert the
        amounts to euros and set iteration_budget.currency: EUR.
    """,
    sources=("Directive 2014/24/EU, article 6 (thresholds in national currencies)",),
)
def currency_not_euro(ctx: Context) -> Iterator[Hit]:
    currency = ctx.problem.iteration_budget.currency
    if currency != ctx.legal.threshold_currency:
        yield Hit(("iteration_budget", "currency"),
                  {"currency": currency, "threshold_currency": ctx.legal.threshold_currency})
