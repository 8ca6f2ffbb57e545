"""What the tender, the consultation invitation and the request for a quotation say, read as a lawyer reads them.

Each test renders a document from test data (``FULL`` and ``MINIMAL`` of test_templates) and looks at
the visible text: no fact the input does not give, placeholders where it is silent, proposals where
procure chose for the buyer, and the wording a Dutch procurement lawyer expects.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from pydantic import ValidationError

from procure.markdown import parse, placeholders, proposals
from procure.model import Problem
from tests.test_templates import FULL, LANGUAGES, MINIMAL, headings, plain, problem, render, texts

TWO_STAGE = ("restricted", "competitive_dialogue", "competitive_with_negotiation", "innovation_partnership")


def two_stage(p: Problem, code: str, kind: str = "tender") -> str:
    return render(p, kind, code=code, two_stage=True, european=True, min_request_days=30, min_submission_days=25,
                  announced_on_tenderned=True, chosen=True)


def with_tender(language: str, **changes: Any) -> Problem:
    tender = {k: v for k, v in (FULL["tender"] | changes).items() if v is not None}
    return problem(FULL, language, tender=tender)


def with_consultation(language: str, **changes: Any) -> Problem:
    consultation = {k: v for k, v in (FULL["consultation"] | changes).items() if v is not None}
    return problem(FULL, language, consultation=consultation)


# --------------------------------------------------------------------------- no fact without input


@pytest.mark.parametrize("language", LANGUAGES)
def test_prior_work_and_the_consultations_effect_come_from_the_input(language: str) -> None:
    text = plain(render(problem(FULL, language), "tender"))
    assert "Gesprekken met 14 inwoners in 2026." in text
    assert "Acht ondernemers reageerden." in text
    assert "De iteraties duren zes weken." in text
    for claim in ("meegewogen", "taken into account", "hoofdstukken 1 tot en met 3", "sections 1 to 3",
                  "als bijlage bij", "attached to this invitation"):
        assert claim not in text, claim
    silent = FULL["consultation"] | {"outcome": None, "changes": []}
    gaps = placeholders(parse(render(problem(FULL, language, consultation=silent), "tender")))
    assert any("consultation.outcome" in gap for gap in gaps)
    assert any("consultation.changes" in gap for gap in gaps)
    gaps = placeholders(parse(render(problem(MINIMAL, language), "tender")))
    assert any("problem.prior_work" in gap for gap in gaps)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_platform_is_never_assumed_and_never_email(language: str) -> None:
    markdown = render(with_tender(language, platform=None), "tender")
    gaps = [gap for gap in placeholders(parse(markdown)) if "tender.platform" in gap]
    assert len(gaps) >= 3  # summary, questions, communication, submission
    text = plain(markdown)
    assert "e-mail aan de contactpersoon" not in text and "email to the contact person" not in text
    own = plain(render(with_tender(language, platform="Negometrix"), "tender"))
    assert own.count("Negometrix") >= 3


# --------------------------------------------------------------------------- two-stage procedures


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", TWO_STAGE)
def test_two_stage_procedures_state_selection_and_ask_for_its_inputs(language: str, code: str) -> None:
    markdown = two_stage(problem(FULL, language), code)
    titles = headings(markdown, 2)
    assert {"nl": "Selectie van gegadigden", "en": "Selection of candidates"}[language] in titles
    assert {"nl": "Verzoek tot deelneming", "en": "Request to participate"}[language] in titles
    gaps = placeholders(parse(markdown))
    assert any("tender.min_candidates" in gap for gap in gaps)
    negotiated = code in ("competitive_with_negotiation", "innovation_partnership")
    assert any("tender.minimum_requirements" in gap for gap in gaps) is negotiated
    assert any("tender.innovation_need" in gap for gap in gaps) is (code == "innovation_partnership")
    assert any("tender.phase_end_conditions" in gap for gap in gaps) is (code == "innovation_partnership")


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_stage_inputs_fill_the_selection_and_the_partnership(language: str) -> None:
    p = with_tender(language, min_candidates=3, max_candidates=5, selection_criteria=["Meest relevante referentie"],
                    minimum_requirements=["Werkt met open standaarden"], innovation_need="Niets op de markt doet dit.",
                    phase_end_conditions=["Het prototype haalt de tussentijdse doelen niet"])
    markdown = two_stage(p, "innovation_partnership")
    fields = ("min_candidates", "selection_criteria", "minimum_requirements", "innovation_need", "phase_end_conditions")
    assert not [gap for gap in placeholders(parse(markdown)) if any(field in gap for field in fields)]
    text = plain(markdown)
    for value in ("Meest relevante referentie", "Werkt met open standaarden", "Niets op de markt doet dit.",
                  "Het prototype haalt de tussentijdse doelen niet"):
        assert value in text
    assert {"nl": "ten minste drie en ten hoogste vijf", "en": "at least three and at most five"}[language] in text


def test_a_maximum_below_the_minimum_number_of_candidates_is_refused() -> None:
    data = copy.deepcopy(FULL) | {"language": "nl"}
    data["tender"] = data["tender"] | {"min_candidates": 5, "max_candidates": 3}
    with pytest.raises(ValidationError, match="min_candidates"):
        Problem.model_validate(data)


# --------------------------------------------------------------------------- the consultation invitation


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_consultation_does_not_anchor_the_price_unless_the_buyer_chooses(language: str) -> None:
    amount = {"nl": "45.000", "en": "45,000"}[language]
    assert amount not in plain(render(problem(FULL, language), "consultation"))
    assert amount in plain(render(with_consultation(language, disclose_budget=True), "consultation"))
    with pytest.raises(ValidationError):
        with_consultation(language, disclose_budget="yes")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_consultation_basis_applies_by_analogy_below_the_thresholds(language: str) -> None:
    phrase = {"nl": "naar analogie", "en": "by analogy"}[language]
    european = plain(render(problem(FULL, language), "consultation"))
    small = FULL["iteration_budget"] | {"option_iterations": 0, "ceiling": None}
    small = {k: v for k, v in small.items() if v is not None}
    national = plain(render(problem(FULL, language, iteration_budget=small), "consultation"))
    assert phrase not in european and phrase in national


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", TWO_STAGE)
def test_a_consultation_before_a_two_stage_procedure_promises_no_tender_to_all(language: str, code: str) -> None:
    text = plain(two_stage(problem(FULL, language), code, "consultation"))
    assert {"nl": "Iedere ondernemer kan dan inschrijven", "en": "Any company may then tender"}[language] not in text
    assert {"nl": "verzoeken om deel te nemen", "en": "request to take part"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_consultation_registration_deadline_and_confidential_ideas(language: str) -> None:
    text = plain(render(problem(FULL, language), "consultation"))
    assert {"nl": "13 januari 2027, 12:00", "en": "13 January 2027, 12:00"}[language] in text
    assert {"nl": "intellectuele eigendomsrechten", "en": "intellectual property rights"}[language] in text
    assert {"nl": "tenzij u vooraf schriftelijk instemt", "en": "unless you agree in advance, in writing"}[language] in text


def test_registration_after_the_meeting_is_refused() -> None:
    data = copy.deepcopy(FULL) | {"language": "en"}
    data["consultation"]["session"]["registration_due"] = "2027-01-16"
    with pytest.raises(ValidationError, match="register before the meeting"):
        Problem.model_validate(data)


# --------------------------------------------------------------------------- the request for a quotation


SINGLE_FORBIDDEN = {
    "nl": ("opschortende termijn", "loting", "alle inschrijvers", "laagste prijs gedeeld", "inschrijvers"),
    "en": ("standstill", "lots", "all tenderers", "lowest price divided", "tenderers"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_single_supplier_request_is_short_and_has_no_competition_clauses(language: str) -> None:
    p = problem(FULL, language)
    markdown = render(p, "request_single", code="single_private", european=False, announced_on_tenderned=False,
                      several_bidders=False)
    assert placeholders(parse(markdown)) == []
    assert proposals(parse(markdown)) == []
    text = plain(markdown).lower()
    for word in SINGLE_FORBIDDEN[language]:
        assert word not in text, word
    assert headings(markdown, 1)[-2:] == {"nl": ["Begrippenlijst", "Bijlagen"], "en": ["Glossary", "Annexes"]}[language]
    default = render(with_tender(language, evaluation=None), "request_single", code="single_private")
    assert len(proposals(parse(default))) == 1


# --------------------------------------------------------------------------- language, terms and scoring


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_glossary_defines_the_terms_and_options_only_when_there_are_options(language: str) -> None:
    markdown = render(problem(FULL, language), "tender")
    rows = {texts(tr.children[0]) for tr in parse(markdown).walk() if tr.type == "tr"}
    terms = {"nl": ["Backlog", "Definition of done", "Iteratie", "Optie", "Product owner", "Review",
                    "Stop/go-beslissing"],
             "en": ["Backlog", "Definition of done", "Iteration", "Option", "Product owner", "Review",
                    "Stop/go decision"]}[language]
    assert set(terms) <= rows
    budget = {k: v for k, v in (FULL["iteration_budget"] | {"option_iterations": 0}).items() if k != "ceiling"}
    rows = {texts(tr.children[0]) for tr in parse(render(problem(FULL, language, iteration_budget=budget),
                                                              "tender")).walk() if tr.type == "tr"}
    assert terms[3] not in rows


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["tender", "consultation"])
def test_one_term_for_the_stop_go_decision_and_no_jargon(language: str, kind: str) -> None:
    text = plain(render(problem(FULL, language), kind))
    if language == "nl":
        assert "stop/go-beslissing" in text
        for phrase in ("beslissing om door te gaan", "koopt resultaat", "Waardegebied"):
            assert phrase not in text
        assert not re.search(r"\b\d+ van \d+ weken\b", text)
    else:
        assert "stop/go decision" in text
        for phrase in ("decision to continue or stop", "buys results", "boundary condition", "Value area"):
            assert phrase.lower() not in text.lower()


def test_english_counts_iterations_as_uk_public_sector_english() -> None:
    budget = {"iteration_weeks": 2, "iterations": 6, "per_iteration": 40000, "option_iterations": 18}
    text = plain(render(problem(FULL, "en", iteration_budget=budget), "tender"))
    assert "Six two-week iterations, with an option to call off up to 18 more" in text


def test_dutch_uses_the_lawyers_terms() -> None:
    text = plain(render(problem(FULL, "nl"), "tender"))
    assert "gestanddoeningstermijn" in text
    assert "Te laat ingediende inschrijvingen worden niet in behandeling genomen." in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_scoring_scale_describes_every_level(language: str) -> None:
    markdown = render(problem(FULL, language), "tender")
    rows = [[texts(cell) for cell in tr.children] for tr in parse(markdown).walk() if tr.type == "tr"]
    levels = [row[0] for row in rows if row and row[0] in {"0", "25", "50", "75", "100"}]
    assert levels == ["100", "75", "50", "25", "0"]
    assert all(len(row[2]) > 40 for row in rows if row and row[0] in levels)
    text = plain(markdown)
    assert {"nl": "niet afzonderlijk gescoord", "en": "not scored separately"}[language] in text
    capped = FULL["iteration_budget"] | {"payment": "capped_time_and_materials"}
    text = plain(render(problem(FULL, language, iteration_budget=capped), "tender"))
    assert {"nl": "uurtarief maal uren", "en": "hourly rate times hours"}[language] in text
    assert {"nl": "bindend maximum", "en": "binding maximum"}[language] in text


def test_the_single_supplier_pack_holds_the_request_instead_of_the_tender(tmp_path) -> None:
    from procure.build import pack_kinds
    from procure.loader import load_problem_text

    data = copy.deepcopy(FULL) | {"language": "nl"}
    data["tender"] = data["tender"] | {"procedure": "single_private"}
    data["iteration_budget"] = {"iteration_weeks": 4, "iterations": 2, "per_iteration": 15000}
    import yaml

    single = load_problem_text(yaml.safe_dump(data, allow_unicode=True), "single.yaml")
    kinds = pack_kinds(single)
    assert "request_single" in kinds and "tender" not in kinds
    assert "request_single" not in pack_kinds(load_problem_text(yaml.safe_dump(copy.deepcopy(FULL) | {"language": "nl"},
                                                                              allow_unicode=True), "full.yaml"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_undecided_threshold_is_not_guessed_in_the_consultation(language: str) -> None:
    """No buyer.kind and EUR 150,000: between the thresholds, so nothing is said about which applies."""
    buyer = {k: v for k, v in FULL["buyer"].items() if k != "kind"}
    budget = {"iteration_weeks": 6, "iterations": 2, "per_iteration": 50000, "option_iterations": 1}
    p = problem(FULL, language, buyer=buyer, iteration_budget=budget)
    markdown = render(p, "consultation")
    text = plain(markdown)
    for guess in ("onder de Europese drempelwaarde", "op of boven", "below the EU threshold", "at or above",
                  "berust op", "held under"):
        assert guess not in text, guess
    assert any("buyer.kind" in gap for gap in placeholders(parse(markdown)))
    assert {"nl": "naar analogie", "en": "by analogy"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_example_bands_are_a_proposal_and_the_buyers_own_policy_is_not(language: str) -> None:
    budget = {"iteration_weeks": 6, "iterations": 2, "per_iteration": 40000}
    bands = {"bands": [{"procedure": "single_private", "below": 50000}, {"procedure": "multiple_private"}]}
    example = proposals(parse(render(problem(FULL, language, iteration_budget=budget), "tender")))
    assert any("procurement_policy" in mark for mark in example)
    own = proposals(parse(render(problem(FULL, language, iteration_budget=budget, procurement_policy=bands), "tender")))
    assert own == []
