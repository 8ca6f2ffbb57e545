"""The legal data and the choice of procedure: thresholds by date and buyer kind, bands, limits."""

from __future__ import annotations

import copy
import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from procure.legal import (
    Band,
    additional_information_basis,
    auto_procedure,
    bands_in_use,
    consultation_basis,
    decide_procedure,
    legal_data,
    parse_legal_data,
    prior_involvement_basis,
    reference_date,
    standstill_basis,
)
from procure.model import Problem, ProcedureCode

BASE: dict[str, Any] = {
    "language": "nl",
    "reference": "T-1",
    "title": "Sneller besluiten",
    "buyer": {"organisation": "Gemeente", "contact": {"name": "A", "email": "a@example.nl"}},
    "problem": {"statement": "Wachten.", "affected_users": ["inwoners"]},
    "outcomes": [{"title": "Snel", "indicator": "doorlooptijd", "baseline": "8 weken", "target": "2 weken"}],
    "iteration_budget": {"iteration_weeks": 6, "iterations": 2, "per_iteration": 20000},
}


def problem(
    *,
    per_iteration: int = 20000,
    iterations: int = 2,
    options: int = 0,
    kind: str | None = None,
    published: date | None = None,
    procedure: str | None = None,
    language: str = "nl",
    **extra: Any,
) -> Problem:
    data = copy.deepcopy(BASE)
    data["language"] = language
    data["iteration_budget"].update(per_iteration=per_iteration, iterations=iterations, option_iterations=options)
    if kind:
        data["buyer"]["kind"] = kind
    tender: dict[str, Any] = {}
    if published:
        tender["published"] = published
    if procedure:
        tender["procedure"] = procedure
    if tender:
        data["tender"] = tender
    for key, value in extra.items():  # mappings merge into what is there (tender, buyer)
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return Problem.model_validate(data)


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("published", "kind", "threshold", "source"),
    [
        (date(2023, 6, 1), "central", 140000, "2021/1952"),
        (date(2023, 6, 1), "sub_central", 215000, "2021/1952"),
        (date(2024, 1, 1), "central", 143000, "2023/2495"),
        (date(2025, 12, 31), "sub_central", 221000, "2023/2495"),
        (date(2026, 1, 1), "central", 140000, "2025/2152"),
        (date(2027, 12, 31), "sub_central", 216000, "2025/2152"),
    ],
)
def test_thresholds_by_date_and_kind(published: date, kind: str, threshold: int, source: str) -> None:
    decision = decide_procedure(problem(kind=kind, published=published))
    assert decision.threshold == Decimal(threshold)
    assert decision.threshold_kind == kind
    assert decision.kind_assumed is False
    assert decision.threshold_source == f"Gedelegeerde Verordening (EU) {source}"
    assert decision.threshold_valid_from <= published <= decision.threshold_valid_to
    assert decision.threshold_in_force is True


def test_threshold_source_in_english() -> None:
    decision = decide_procedure(problem(language="en", published=date(2026, 3, 1)))
    assert decision.threshold_source == "Commission Delegated Regulation (EU) 2025/2152"


def test_absent_kind_assumes_the_lower_central_threshold() -> None:
    decision = decide_procedure(problem(published=date(2026, 3, 1)))
    assert (decision.threshold_kind, decision.kind_assumed, decision.threshold) == ("central", True, Decimal(140000))


def test_dates_outside_every_set_use_the_nearest_set() -> None:
    later = decide_procedure(problem(published=date(2031, 1, 1)))
    assert later.threshold_valid_from == date(2026, 1, 1)
    assert later.threshold_in_force is False
    earlier = decide_procedure(problem(published=date(2019, 1, 1)))
    assert earlier.threshold_valid_from == date(2022, 1, 1)
    assert earlier.threshold_in_force is False


def test_works_and_social_services_values_are_kept() -> None:
    newest = legal_data().newest
    assert (newest.works, newest.social_services) == (Decimal(5404000), Decimal(750000))
    previous = legal_data().thresholds_on(date(2025, 6, 1))
    assert (previous.works, previous.social_services) == (Decimal(5538000), Decimal(750000))


# ---------------------------------------------------------------- reference date


def test_reference_date_prefers_publication_then_consultation_dates() -> None:
    session = {"when": datetime(2026, 11, 5, 14)}
    consultation = {"questions": ["Q?"], "session": session, "responses_due": date(2026, 11, 20)}
    assert reference_date(problem(published=date(2027, 2, 1), consultation=consultation)) == date(2027, 2, 1)
    assert reference_date(problem(consultation=consultation)) == date(2026, 11, 20)
    session_only = {"questions": ["Q?"], "session": {"when": datetime(2026, 11, 5, 14)}}
    assert reference_date(problem(consultation=session_only)) == date(2026, 11, 5)


def test_reference_date_without_dates_is_the_newest_set_not_today() -> None:
    decision = decide_procedure(problem())
    assert decision.reference_date == legal_data().newest.valid_from == date(2026, 1, 1)


# ---------------------------------------------------------------- auto procedure


def test_auto_above_threshold_is_open_and_european() -> None:
    decision = decide_procedure(problem(per_iteration=80000, published=date(2026, 3, 1)))
    assert decision.code == "open"
    assert decision.chosen is False
    assert decision.european is True
    assert decision.allowed is True
    assert decision.name == "openbare procedure"
    # artikel 2.26 is not verified in legal.yaml: the fallback says less, correctly.
    assert decision.legal_basis == "deel 2 van de Aanbestedingswet 2012"
    assert decision.min_submission_days == 40  # Aw 2.71: 45, less 5 (2.74a): submission is electronic
    assert decision.min_request_days is None
    assert decision.standstill_days == 20
    assert decision.announced_on_tenderned is True


def test_value_exactly_at_threshold_is_european() -> None:
    decision = decide_procedure(problem(per_iteration=70000, iterations=2, published=date(2026, 3, 1)))
    assert decision.maximum_value == decision.threshold == Decimal(140000)
    assert decision.european is True


def test_options_count_towards_the_value() -> None:
    without = decide_procedure(problem(per_iteration=30000, iterations=2, published=date(2026, 3, 1)))
    assert (without.code, without.european) == ("multiple_private", False)
    with_options = decide_procedure(problem(per_iteration=30000, iterations=2, options=3, published=date(2026, 3, 1)))
    assert with_options.maximum_value == Decimal(150000)
    assert (with_options.code, with_options.european) == ("open", True)


def test_auto_below_threshold_uses_the_default_bands() -> None:
    small = decide_procedure(problem(per_iteration=20000, iterations=2))
    assert (small.code, small.european, small.announced_on_tenderned) == ("single_private", False, False)
    assert small.name == "enkelvoudig onderhandse procedure"
    assert small.min_submission_days is None
    middle = decide_procedure(problem(per_iteration=25000, iterations=2))
    assert middle.code == "multiple_private"  # 50000 is not below 50000
    assert middle.name == "meervoudig onderhandse procedure"


def test_buyer_bands_replace_the_defaults() -> None:
    policy = [Band("single_private", Decimal(30000)), Band("multiple_private", Decimal(100000))]
    assert decide_procedure(problem(per_iteration=20000), bands=policy).code == "multiple_private"
    assert decide_procedure(problem(per_iteration=60000), bands=policy).code == "national_open"
    national = decide_procedure(problem(per_iteration=60000), bands=policy)
    assert national.announced_on_tenderned is True
    assert national.legal_basis == "artikel 1.4 Aanbestedingswet 2012 en het inkoopbeleid van de aanbestedende dienst"
    up_to_threshold = [Band("national_open", None)]
    assert decide_procedure(problem(per_iteration=10000), bands=up_to_threshold).code == "national_open"


def test_english_names_and_bases() -> None:
    decision = decide_procedure(problem(per_iteration=80000, language="en"))
    assert decision.name == "open procedure"
    assert decision.legal_basis == "Part 2 of the Dutch Public Procurement Act 2012 (Aanbestedingswet 2012)"


# ---------------------------------------------------------------- chosen procedure


def test_chosen_below_threshold_procedure_is_not_allowed_above_threshold() -> None:
    decision = decide_procedure(problem(per_iteration=80000, procedure="multiple_private"))
    assert (decision.code, decision.chosen, decision.european, decision.allowed) == (
        "multiple_private",
        True,
        True,
        False,
    )


def test_chosen_european_procedure_is_allowed_below_threshold() -> None:
    decision = decide_procedure(problem(per_iteration=10000, procedure="restricted"))
    assert (decision.code, decision.chosen, decision.european, decision.allowed) == ("restricted", True, False, True)
    # Below the threshold Part 2 does not apply: no statutory periods, no Part 2 article cited.
    assert (decision.min_request_days, decision.min_submission_days) == (None, None)
    assert decision.legal_basis == "artikel 1.4 Aanbestedingswet 2012 en het inkoopbeleid van de aanbestedende dienst"
    assert decision.standstill_basis == "" and decision.standstill_statutory is False
    assert decision.two_stage is True


@pytest.mark.parametrize(
    ("code", "request_days", "submission_days"),
    [
        ("open", None, 40),
        ("restricted", 30, 35),
        ("competitive_with_negotiation", 30, 35),
        ("competitive_dialogue", 30, None),
        ("innovation_partnership", 30, None),
        ("national_open", None, None),
    ],
)
def test_minimum_periods_per_procedure(code: str, request_days: int | None, submission_days: int | None) -> None:
    decision = decide_procedure(problem(per_iteration=80000, procedure=code))
    assert (decision.min_request_days, decision.min_submission_days) == (request_days, submission_days)


def test_innovation_partnership_basis() -> None:
    decision = decide_procedure(problem(per_iteration=80000, procedure="innovation_partnership"))
    assert decision.legal_basis == "deel 2 van de Aanbestedingswet 2012"  # 2.31a/b unverified
    assert decision.name == "innovatiepartnerschap"


# ---------------------------------------------------------------- other bases and the data file


def test_consultation_and_other_bases_are_localised() -> None:
    assert consultation_basis("nl").startswith("artikel 40 van Richtlijn 2014/24/EU")
    assert consultation_basis("en").startswith("Article 40 of Directive 2014/24/EU")
    assert prior_involvement_basis("en").startswith("Article 2.51 of the Dutch Public Procurement Act 2012")
    assert standstill_basis("nl") == "artikel 2.127 Aanbestedingswet 2012"


def test_legal_data_is_parsed_once() -> None:
    assert legal_data() is legal_data()


def test_every_procedure_code_of_the_model_has_data() -> None:
    assert set(typing.get_args(ProcedureCode)) - {"auto"} == set(legal_data().procedures)


def _raw() -> dict[str, Any]:
    import yaml
    from importlib import resources

    return yaml.safe_load(resources.files("procure").joinpath("data", "legal.yaml").read_text(encoding="utf-8"))


def test_overlapping_threshold_periods_are_refused() -> None:
    raw = _raw()
    raw["thresholds"][1]["valid_from"] = date(2023, 6, 1)
    with pytest.raises(ValueError, match="overlap"):
        parse_legal_data(raw)


def test_unknown_band_procedure_is_refused() -> None:
    raw = _raw()
    raw["below_threshold"]["bands"][0]["procedure"] = "handshake"
    with pytest.raises(ValueError, match="unknown procedure"):
        parse_legal_data(raw)


def test_band_order_must_list_every_national_procedure() -> None:
    raw = _raw()
    raw["below_threshold"]["order"] = ["single_private", "national_open"]
    with pytest.raises(ValueError, match="order must list every national procedure"):
        parse_legal_data(raw)


def test_auto_european_must_be_european() -> None:
    raw = _raw()
    raw["auto_european"] = "national_open"
    with pytest.raises(ValueError, match="not a European procedure"):
        parse_legal_data(raw)


def test_additional_information_applies_to_is_checked() -> None:
    raw = _raw()
    raw["additional_information"]["applies_to"] = "sometimes"
    with pytest.raises(ValueError, match="applies_to"):
        parse_legal_data(raw)


# ---------------------------------------------------------------- gaps closed as data


def test_threshold_currency_is_data() -> None:
    assert legal_data().threshold_currency == "EUR"
    assert decide_procedure(problem()).threshold_currency == "EUR"


def test_band_order_runs_from_lightest_to_most_open() -> None:
    assert legal_data().band_order == ("single_private", "multiple_private", "national_open")


@pytest.mark.parametrize(("code", "several"), [
    ("open", True), ("restricted", True), ("innovation_partnership", True),
    ("national_open", True), ("multiple_private", True), ("single_private", False),
])
def test_several_bidders_per_procedure(code: str, several: bool) -> None:
    assert legal_data().procedures[code].several_bidders is several
    assert decide_procedure(problem(per_iteration=5000, procedure=code)).several_bidders is several


def test_ten_days_for_answers_bind_only_where_the_law_applies() -> None:
    assert legal_data().additional_information_days == 10  # Aw 2012, artikel 2.54, not the directive's 6
    above = decide_procedure(problem(per_iteration=80000))
    assert above.additional_information_days == 10
    below = decide_procedure(problem(per_iteration=10000))
    assert below.additional_information_days is None
    chosen_european_below = decide_procedure(problem(per_iteration=10000, procedure="open"))
    assert chosen_european_below.additional_information_days is None
    assert additional_information_basis("nl") == "artikel 2.54 Aanbestedingswet 2012"


def test_auto_procedure_is_what_the_value_alone_gives() -> None:
    threshold = Decimal(140000)
    assert auto_procedure(Decimal(140000), threshold) == "open"
    assert auto_procedure(Decimal(49999), threshold) == "single_private"
    assert auto_procedure(Decimal(50000), threshold) == "multiple_private"
    policy = [Band("single_private", Decimal(30000)), Band("multiple_private", Decimal(100000))]
    assert auto_procedure(Decimal(100000), threshold, policy) == "national_open"
    assert auto_procedure(Decimal(200000), threshold, policy) == "open"


def test_auto_procedure_ignores_the_named_procedure() -> None:
    chosen = problem(per_iteration=30000, procedure="single_private")
    decision = decide_procedure(chosen)
    assert decision.code == "single_private"
    assert auto_procedure(decision.maximum_value, decision.threshold) == "multiple_private"


def test_the_problems_own_bands_are_used_unless_bands_are_passed() -> None:
    policy = {"bands": [{"procedure": "single_private", "below": 10000}, {"procedure": "multiple_private"}]}
    own = problem(per_iteration=30000, procurement_policy=policy)
    assert bands_in_use(own) == (Band("single_private", Decimal(10000)), Band("multiple_private", None))
    assert decide_procedure(own).code == "multiple_private"
    assert decide_procedure(problem(per_iteration=4000, procurement_policy=policy)).code == "single_private"
    assert decide_procedure(own, bands=[Band("national_open", None)]).code == "national_open"
    assert bands_in_use(problem()) == legal_data().bands


# ---------------------------------------------------------------- Dutch law: calendar, kind, facts


def test_public_holidays_follow_the_algemene_termijnenwet() -> None:
    from procure.legal import easter_sunday, public_holidays

    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    days = sorted(public_holidays(2026))
    assert days == [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 4, 27), date(2026, 5, 5),
                    date(2026, 5, 14), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)]
    # Koningsdag moves to 26 April when 27 April is a Sunday (2025); 5 May every year, lustrum or not.
    assert date(2025, 4, 26) in public_holidays(2025) and date(2025, 4, 27) not in public_holidays(2025)
    assert date(2027, 5, 5) in public_holidays(2027)


def test_standstill_ends_on_a_working_day() -> None:
    from procure.legal import standstill_end

    assert standstill_end(date(2027, 4, 10)) == date(2027, 4, 30)  # a Friday: no extension
    assert standstill_end(date(2026, 6, 7)) == date(2026, 6, 29)  # 27 June is a Saturday: Monday 29 June
    assert standstill_end(date(2026, 4, 7)) == date(2026, 4, 28)  # 27 April is Koningsdag: Tuesday 28 April
    decision = decide_procedure(problem(per_iteration=80000, published=date(2026, 3, 1),
                                        tender={"award_decision": date(2026, 6, 7)}))
    assert decision.standstill_end == date(2026, 6, 29)
    assert decision.earliest_contract_date == date(2026, 6, 30)


def test_kind_between_the_thresholds_is_undecided_without_buyer_kind() -> None:
    between = decide_procedure(problem(per_iteration=75000, published=date(2026, 3, 1)))
    assert between.maximum_value == Decimal(150000)
    assert (between.undecided, between.kind_known) == (True, False)
    above_both = decide_procedure(problem(per_iteration=120000, published=date(2026, 3, 1)))
    assert (above_both.undecided, above_both.european) == (False, True)
    below_both = decide_procedure(problem(per_iteration=60000, published=date(2026, 3, 1)))
    assert (below_both.undecided, below_both.european) == (False, False)
    known = decide_procedure(problem(per_iteration=75000, kind="sub_central", published=date(2026, 3, 1)))
    assert (known.undecided, known.european) == (False, False)


def test_authority_type_settles_the_kind_and_the_general_terms() -> None:
    from procure.legal import general_terms_for

    municipality = problem(per_iteration=75000, published=date(2026, 3, 1),
                           buyer={"authority_type": "municipality"})
    decision = decide_procedure(municipality)
    assert (decision.kind_known, decision.threshold_kind, decision.undecided) == (True, "sub_central", False)
    terms = general_terms_for(municipality)
    assert terms is not None and terms.version == "GIBIT 2023"
    assert general_terms_for(problem(buyer={"authority_type": "water_board"})) is None  # ask the buyer
    assert general_terms_for(problem(kind="sub_central")) is None  # GIBIT is not every sub-central buyer's
    central = general_terms_for(problem(kind="central"))
    assert central is not None and central.version == "ARBIT-2022"
    own = general_terms_for(problem(tender={"general_terms": "Inkoopvoorwaarden Waterschap X 2024"}))
    assert own is not None and own.title("nl") == "Inkoopvoorwaarden Waterschap X 2024"


def test_every_fact_record_has_a_source_and_a_quote_or_says_why_not() -> None:
    facts = legal_data().facts
    assert facts["additional_information"].verified
    assert "tien dagen" in facts["additional_information"].quote
    for fact in facts.values():
        if fact.verified:
            assert fact.source and fact.quote and fact.checked == date(2026, 12, 1)
        else:
            assert fact.note


def test_an_unverified_fact_is_refused() -> None:
    from procure.legal import UnverifiedFact, verified_fact

    assert verified_fact("standstill").verified
    with pytest.raises(UnverifiedFact, match="verified: false"):
        verified_fact("calendar.equated_days")


def test_a_checked_fact_without_a_quote_is_refused() -> None:
    raw = _raw()
    del raw["standstill"]["quote"]
    with pytest.raises(ValueError, match="lacks a source or a quote"):
        parse_legal_data(raw)


def test_an_unverified_legal_basis_needs_a_fallback() -> None:
    raw = _raw()
    del raw["procedures"]["open"]["legal_basis"]["fallback"]
    with pytest.raises(ValueError, match="no fallback"):
        parse_legal_data(raw)


def test_no_template_uses_an_unverified_fact() -> None:
    """Templates reach legal facts through ``law.<name>``; each must rest on a verified record."""
    import re
    from pathlib import Path

    from procure.legal import LAW_FACTS

    facts = legal_data().facts
    used = set()
    for path in Path(__file__).resolve().parent.parent.joinpath("templates").rglob("*.md"):
        for name in re.findall(r"\blaw\.([a-z_]+)", path.read_text(encoding="utf-8")):
            assert name in LAW_FACTS, f"{path}: law.{name} is not a known legal fact"
            used.add(name)
            assert facts[LAW_FACTS[name]].verified, f"{path}: law.{name} rests on an unverified fact"
    assert used, "no template reads a legal fact through law.*"
