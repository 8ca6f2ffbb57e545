"""The contract mechanics every document of the pack states the same way.

The draft agreement, the tender document's contract chapters, the budget table and the
price form all read their amounts, periods and the order of precedence from
:func:`contract_terms`, so they cannot drift apart. The general purchasing terms come
from ``data/general_terms.yaml`` (name, version and source): ARBIT-2022 with its agile
model agreement for central government, GIBIT 2023 for a municipality that names it,
and the buyer's own terms otherwise; procure never picks terms for a buyer silently.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procure.model import Problem

#: A contract that may run longer than this many weeks gets the buyer's price-indexation option.
YEAR_WEEKS = 52


@cache
def general_terms_data() -> dict[str, Any]:
    """``general_terms.yaml``, parsed once per process."""
    import yaml

    text = resources.files("procure").joinpath("data", "general_terms.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def general_terms(problem: Problem) -> dict[str, Any] | None:
    """The general terms the agreement builds on, or None when the input does not settle them.

    ``tender.general_terms`` names them (a name holding ARBIT or GIBIT is recognised and printed
    with its full name and version); without it a central government buyer gets ARBIT-2022
    with the Modelovereenkomst Agile. Anyone else must name its terms: a water board or province
    is not a municipality, and the input cannot tell a municipality apart, so nothing is guessed.
    """
    language = problem.language
    named = problem.tender.general_terms if problem.tender else None
    known = general_terms_data()["terms"]
    key = None
    if named:
        upper = named.upper()
        key = next((k for k in known if k.split("_")[0].upper() in upper), None)
        if key is None:
            return {"key": "own", "name": named, "model_agreement": None}
    elif problem.buyer.kind == "central":
        key = "arbit_2022"
    if key is None:
        return None
    entry = known[key]
    model = entry.get("model_agreement")
    return {"key": key, "name": entry["name"][language], "model_agreement": model[language] if model else None}


def _add_weeks(start: date, weeks: int) -> date:
    day = start.date() if isinstance(start, datetime) else start
    return day + timedelta(weeks=weeks) - timedelta(days=1)


def contract_terms(problem: Problem) -> dict[str, Any]:
    """Every amount, period and choice of the contract, computed once for all documents."""
    budget = problem.iteration_budget
    chosen = problem.contract
    start = problem.tender.contract_start if problem.tender else None
    per = budget.per_iteration
    scale_up = list(chosen.scale_up) if chosen else []
    exit_support = chosen.exit_support if chosen else None
    iterations_total = budget.iterations + budget.option_iterations
    maximum_weeks = problem.maximum_duration_weeks
    return {
        "minimum_iterations": problem.minimum_iterations,
        "minimum_commitment": problem.minimum_commitment,
        "minimum_is_initial": problem.minimum_iterations == budget.iterations,
        "initial_iterations": budget.iterations,
        "initial_value": budget.iterations * per,
        "initial_weeks": problem.initial_duration_weeks,
        "option_iterations": budget.option_iterations,
        "options_value": problem.options_value,
        "iterations_total": iterations_total,
        "iterations_value": iterations_total * per,
        "scale_up": [{"covers": s.covers, "maximum": s.maximum, "description": s.description} for s in scale_up],
        "scale_up_total": problem.scale_up_total,
        "exit_hours": exit_support.hours if exit_support else None,
        "exit_max_rate": exit_support.max_rate if exit_support else None,
        "exit_budget": exit_support.budget if exit_support else None,
        "components_value": problem.components_value,
        "maximum_value": problem.maximum_value,
        "ceiling_binds": budget.ceiling is not None and budget.ceiling < problem.components_value,
        "has_options": bool(budget.option_iterations or scale_up),
        "maximum_weeks": maximum_weeks,
        "longer_than_a_year": maximum_weeks > YEAR_WEEKS,
        "initial_end": _add_weeks(start, problem.initial_duration_weeks) if start else None,
        "decision_days": chosen.decision_days if chosen else None,
        "repair_days": chosen.repair_days if chosen else None,
        "price_index": chosen.price_index if chosen else None,
        "court": chosen.court if chosen else None,
        "general_terms": general_terms(problem),
        "per_iteration": per,
        "payment": budget.payment,
    }
