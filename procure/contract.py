"""The contract mechanics every document of the pack states the same way.

The draft agreement, the tender document's contract chapters, the budget table and the
price form all read their amounts, periods and the order of precedence from
:func:`contract_terms`, so they cannot drift apart. The general purchasing terms come
from ``data/legal.yaml`` (name, version and source): ARBIT-2022 for central government,
GIBIT 2023 for a municipality, and the buyer's own terms otherwise; procure never picks
terms for a buyer silently.
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


def _data_file(name: str) -> Any:
    """One of procure's data files, parsed by libyaml (PyYAML's pure-Python parser took ten times as long)."""
    import yaml

    from procure.errors import yaml_loader

    text = resources.files("procure").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=yaml_loader())


def general_terms(problem: Problem) -> dict[str, Any] | None:
    """The general terms the agreement builds on, or None when the input does not settle them.

    Which terms apply is decided in one place, :func:`procure.legal.general_terms_for`, from
    verified facts in ``legal.yaml``: the buyer's own ``tender.general_terms``, else ARBIT-2022
    for central government, else GIBIT 2023 for a municipality (``buyer.authority_type``); anyone
    else must name its terms (a water board or province is not a municipality). Terms the buyer names with a version procure knows ('GIBIT 2023') are printed
    with their full name; any other text (another version, its own terms) is printed as written.
    """
    from procure.legal import general_terms_for, legal_data, verified_fact

    chosen = general_terms_for(problem)
    if chosen is None:
        return None
    language = problem.language
    named = problem.tender.general_terms if problem.tender else None
    if named:
        known = legal_data().general_terms
        key = next((k for k, terms in known.items() if terms.named_in(named)), None)
        if key is None:
            return {"name": named, "proposed": False}
        verified_fact(f"general_terms.{key}")
        chosen = known[key]
    # Chosen by procure from the kind of buyer, not named by the buyer: the documents show it as a proposal.
    return {"name": chosen.title(language), "proposed": not named}


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
        # Absent from the input, the minimum commitment is the whole initial term: shown as procure's proposal.
        "minimum_proposed": chosen is None or chosen.minimum_iterations is None,
        "initial_iterations": budget.iterations,
        "initial_value": budget.iterations * per,
        "initial_weeks": problem.initial_duration_weeks,
        "option_iterations": budget.option_iterations,
        "options_value": problem.options_value,
        "iterations_total": iterations_total,
        "iterations_value": iterations_total * per,
        "scale_up": [{"covers": s.covers, "maximum": s.maximum, "description": s.description,
                      "months": s.months, "period": s.covers != "rollout"} for s in scale_up],
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
        "generic_constraints": generic_constraints(problem),
        "per_iteration": per,
        "payment": budget.payment,
    }


@cache
def crosscheck_policy() -> dict[str, Any]:
    """``crosscheck_policy.yaml``: the limits and word lists of the cross-checks and the generic constraints."""
    return _data_file("crosscheck_policy.yaml")


def _mentions(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a word (or phrase), case aside: 'bio' is not 'biologie'.

    A string search rather than a regular expression per word (compiling one for each of the
    policy's words cost more than all the searching): an occurrence counts when no word
    character (what ``\\w`` matches: a letter, digit or underscore) touches it on either side.
    """
    lowered = text.lower()
    start = lowered.find(word)
    while start != -1:
        end = start + len(word)
        if not (start and _word_character(lowered[start - 1])) and not (end < len(lowered)
                                                                        and _word_character(lowered[end])):
            return True
        start = lowered.find(word, start + 1)
    return False


def _word_character(char: str) -> bool:
    """Whether ``char`` is one that ``\\w`` matches in a regular expression: alphanumeric or ``_``."""
    return char.isalnum() or char == "_"


def constraints_covering(problem: Problem) -> dict[str, list[int]]:
    """For each generic constraint subject, the indexes of the buyer's constraints that cover it."""
    covered: dict[str, list[int]] = {}
    for subject, words in crosscheck_policy()["generic_constraints"].items():
        hits = [index for index, text in enumerate(problem.problem.constraints)
                if any(_mentions(text, word) for word in words)]
        if hits:
            covered[subject] = hits
    return covered


def generic_constraints(problem: Problem) -> list[str]:
    """The generic constraint subjects the documents still state: those no constraint of the buyer covers."""
    covered = constraints_covering(problem)
    return [subject for subject in crosscheck_policy()["generic_constraints"] if subject not in covered]


def measurement_weeks(measured_by: str | None) -> int | None:
    """How many weeks a measurement described as ``measured_by`` takes to show a value (None: not said)."""
    if not measured_by:
        return None
    found = [int(period["weeks"]) for period in crosscheck_policy()["measurement_periods"]
             if any(_mentions(measured_by, word) for word in period["words"])]
    return min(found, default=None)
