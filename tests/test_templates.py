"""The built-in templates: every section a document must have, placeholders only where input is missing,
user values that stay text, and Markdown the Word renderer can lay out."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec.structs import replace
import pytest

from procure.build import declared_kinds
from procure.contract import contract_terms

from procure.legal import consultation_basis, decide_procedure, prior_involvement_basis
from procure.loader import load_problem
from procure.markdown import parse, placeholders, proposals, unknown_node_types
from procure.model import Problem
from procure.templating import format_date, load_strings, render_markdown

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "en")
from procure.build import KINDS  # every declared document of the pack

MINIMAL: dict[str, Any] = {
    "reference": "MIN-1",
    "title": "Sneller duidelijkheid",
    "buyer": {"organisation": "Gemeente Proefdorp", "contact": {"name": "J. de Vries", "email": "inkoop@example.nl"}},
    "problem": {"statement": "Aanvragers wachten te lang.\n", "affected_users": ["aanvragers"]},
    "outcomes": [{"title": "Sneller besluit", "indicator": "doorlooptijd", "baseline": "8 weken", "target": "2 weken"}],
    "iteration_budget": {"iteration_weeks": 6, "iterations": 2, "per_iteration": 40000},
}

FULL: dict[str, Any] = {
    "reference": "ZV-2027-004",
    "title": "Sneller duidelijkheid over bijstand",
    "buyer": {
        "organisation": "Gemeente Zuiderveld",
        "department": "Werk en Inkomen",
        "kind": "sub_central",
        "contact": {"name": "J. de Vries", "email": "inkoop@example.nl", "phone": "+31 30 000 0000"},
    },
    "problem": {
        "statement": "Inwoners wachten acht weken op een besluit.\nZe bellen vaak.\n\nWe weten nog niet wat werkt.\n",
        "affected_users": ["inwoners die bijstand aanvragen", "consulenten"],
        "current_situation": "58% van de aanvragen is onvolledig.\n",
        "evidence": ["Klanttevredenheid 5,4 (2026)"],
        "constraints": ["Besluiten neemt altijd een consulent."],
        "out_of_scope": ["De hoogte van de uitkering."],
        "prior_work": "Gesprekken met 14 inwoners in 2026.\n",
    },
    "outcomes": [
        {"title": "Besluit binnen twee weken", "indicator": "mediane doorlooptijd", "baseline": "8 weken (2026)",
         "target": "2 weken", "measured_by": "maandrapportage", "value_area": "time_to_market"},
        {"title": "Aanvraag in één keer compleet", "indicator": "aandeel volledige aanvragen", "baseline": "42%",
         "target": "80%", "measured_by": "steekproef", "value_area": "current_value"},
    ],
    "iteration_budget": {"currency": "EUR", "iteration_weeks": 6, "iterations": 4, "per_iteration": 45000,
                         "option_iterations": 6, "ceiling": 450000, "payment": "fixed_per_iteration"},
    "consultation": {
        "questions": ["Welke aanpak kiest u in de eerste iteratie?", "Welk bedrag per iteratie is realistisch?"],
        "session": {"when": "2027-01-15T14:00", "where": "Online", "registration_due": "2027-01-13T12:00"},
        "responses_due": "2027-01-29T17:00",
        "max_pages": 5,
        "outcome": "Acht ondernemers reageerden.\n",
        "changes": ["De iteraties duren zes weken."],
    },
    "tender": {
        "procedure": "auto", "published": "2027-02-10", "questions_due": "2027-02-20",
        "submission_deadline": "2027-03-20T12:00", "award_decision": "2027-04-10", "contract_start": "2027-05-01",
        "platform": "TenderNed",
        "court": "de voorzieningenrechter van de rechtbank Den Haag",
        "complaints_desk": "klachtenmeldpunt@example.nl",
        "general_terms": "GIBIT 2023",
        "evaluation": {"price_weight": 20, "criteria": [
            {"name": "Aanpak van de eerste iteratie", "weight": 50, "description": "Hoe de inschrijver begint."},
            {"name": "Samenwerking met gebruikers", "weight": 30, "description": "Hoe gebruikers meedoen."},
        ]},
    },
    "contract": {"minimum_iterations": 2, "decision_days": 5, "repair_days": 10,
                 "exit_support": {"hours": 40, "max_rate": 120}, "court": "de Rechtbank Midden-Nederland",
                 "price_index": "CBS cao-lonen per uur, sector informatie en communicatie"},
    "cpv_codes": ["72000000-5"],
}

#: Every section DOMAIN.md requires, as the level-1 headings of each document, in order.
H1 = {
    ("nl", "tender"): [
        "Inleiding", "Het probleem", "Gebruikers en hun behoeften", "Eerder werk en huidige fase",
        "Beoogde uitkomsten", "Scope en randvoorwaarden", "Werken in iteraties", "Budget en betaling",
        "Looptijd", "Kwaliteit en levering", "Intellectueel eigendom, licenties, gegevens en exit",
        "Toepasselijke voorwaarden", "Procedure en planning", "Inschrijving", "Selectie en gunning",
        "Begrippenlijst", "Bijlagen",
    ],
    ("en", "tender"): [
        "Introduction", "The problem", "Users and their needs", "Work so far and current phase",
        "Intended outcomes", "Scope and constraints", "Working in iterations",
        "Budget and payment", "Duration", "Quality and delivery", "Intellectual property, licences, data and exit",
        "Applicable terms", "Procedure and timetable", "Submission", "Selection and award",
        "Glossary", "Annexes",
    ],
    ("nl", "consultation"): [
        "Doel van deze marktconsultatie", "Het probleem en de beoogde uitkomsten", "Voorlopige opzet van de opdracht",
        "Vrijblijvende deelname", "Gelijke behandeling", "Vertrouwelijkheid", "Vragen aan de markt",
        "Wijze van reageren", "Planning", "Bijeenkomst", "Contactpersoon", "Publicatie van de resultaten", "Vervolg",
    ],
    ("nl", "request_single"): ["Inleiding", "Het probleem", "Beoogde uitkomsten", "Opzet van de opdracht", "Uw offerte",
                               "Beoordeling", "Vertrouwelijkheid", "Begrippenlijst", "Bijlagen"],
    ("en", "request_single"): ["Introduction", "The problem", "Intended outcomes", "Outline of the contract",
                               "Your quotation", "Assessment", "Confidentiality", "Glossary", "Annexes"],
    ("nl", "agreement"): [
        "Begrippen", "Voorwerp van de overeenkomst",
        "Rangorde en toepasselijke voorwaarden", "Looptijd en minimale afname",
        "Werken in iteraties", "Acceptatie, betaling en herstel",
        "De stop/go-beslissing", "Opties", "Prijzen en indexering",
        "Beoogde uitkomsten", "Intellectueel eigendom en licenties", "Gegevens",
        "Exit en overdracht", "Beëindiging", "Toepasselijk recht en geschillen",
        "Ondertekening",
    ],
    ("en", "agreement"): [
        "Definitions", "Subject matter",
        "Order of precedence and applicable terms", "Term and minimum commitment",
        "Working in iterations", "Acceptance, payment and remedy",
        "The stop/go decision", "Options", "Prices and indexation",
        "Intended outcomes", "Intellectual property and licences", "Data",
        "Exit and handover", "Termination", "Governing law and disputes",
        "Signatures",
    ],
    ("nl", "price_form"): ["Invullen en indienen", "Gegevens van de inschrijver", "Verklaringen", "Prijzen",
                           "Beoordeling van de prijs", "Ondertekening"],
    ("en", "price_form"): ["Completing and submitting this form", "Tenderer's details", "Declarations", "Prices",
                           "Evaluation of price", "Signature"],
    ("nl", "consultation_report"): ["Over dit verslag", "Deelname", "Vragen en reacties",
                                    "Wat de aanbestedende dienst met de reacties doet"],
    ("en", "consultation_report"): ["About this report", "Participation", "Questions and responses",
                                    "What the contracting authority does with the responses"],
    ("en", "consultation"): [
        "Purpose of this market consultation", "The problem and the intended outcomes",
        "Provisional outline of the contract", "Non-binding participation", "Equal treatment",
        "Confidentiality", "Questions to the market", "How to respond", "Timeline", "Meeting", "Contact person",
        "Publication of the results", "Next steps",
    ],
}

#: Subsections DOMAIN.md asks for by name (why now, iteration model, timetable, standstill, criteria, ...).
H2 = {
    ("nl", "request_single"): {"Randvoorwaarden"},
    ("en", "request_single"): {"Constraints"},
    ("nl", "tender"): {"In het kort", "Waarom nu", "Huidige situatie", "Marktconsultatie", "Productvisie", "Randvoorwaarden", "Betaling",
                       "Waarom deze procedure", "Planning",
                       "Vragen en nota van inlichtingen", "Gunningsbeslissing en opschortende termijn",
                       "Communicatie", "Vertrouwelijkheid", "Uitsluitingsgronden", "Geschiktheid",
                       "Gunningscriteria", "Beoordeling van de kwaliteit", "Beoordeling van de prijs"},
    ("en", "tender"): {"In brief", "Why now", "Current situation", "Market consultation", "Product vision", "Constraints",
                       "Payment", "Why this procedure", "Timetable", "Questions and clarification notices",
                       "Award decision and standstill period", "Communication", "Confidentiality",
                       "Grounds for exclusion", "Suitability", "Award criteria", "Assessment of quality",
                       "Assessment of price"},
    ("nl", "consultation"): {"Beoogde uitkomsten", "Voorbetrokkenheid"},
    ("en", "consultation"): {"Intended outcomes", "Prior involvement"},
}


# --------------------------------------------------------------------------- helpers


def problem(data: dict[str, Any], language: str, **changes: Any) -> Problem:
    """A Problem from test data in a language; ``changes`` replace top-level blocks (None removes one)."""
    values = copy.deepcopy(data)
    values["language"] = language
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return Problem.model_validate(values)


def context(p: Problem, kind: str, **procedure_changes: Any) -> dict[str, Any]:
    """What build.py passes to a template; ``procedure_changes`` alter the procedure decision."""
    decision = decide_procedure(p)
    if procedure_changes:
        decision = replace(decision, **procedure_changes)
    from procure.legal import law_for

    strings = load_strings(p.language)
    return {"p": p, "lang": p.language, "procedure": decision, "consultation_basis": decision.consultation_basis,
            "prior_involvement_basis": decision.prior_involvement_basis, "s": strings,
            "doc_kind": kind, "law": law_for(p, decision), "ct": contract_terms(p),
            "docs": {name: k.title_in(p.language, strings) for name, k in declared_kinds().items()}}


def render(p: Problem, kind: str, **procedure_changes: Any) -> str:
    return render_markdown(kind, context(p, kind, **procedure_changes))


def texts(node) -> str:
    """The visible text under a node: text and placeholders, line breaks as newlines."""
    parts = []
    for child in node.walk():
        if child.type in ("text", "placeholder"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def headings(markdown: str, level: int) -> list[str]:
    tag = f"h{level}"
    from procure.xref import split_heading

    return [split_heading(texts(node))[0] for node in parse(markdown).walk() if node.type == "heading" and node.tag == tag]


def plain(markdown: str) -> str:
    """The visible text of a whole document, paragraphs and cells separated by newlines."""
    tree = parse(markdown)
    return "\n".join(texts(node) for node in tree.walk() if node.type in ("paragraph", "heading", "th", "td"))


def shape(markdown: str) -> list[str]:
    """The structure of a document: node types in order, without the text inside them."""
    skip = {"text", "softbreak", "hardbreak"}
    return [node.type for node in parse(markdown).walk() if node.type not in skip]


def each_document() -> Iterator[tuple[str, str]]:
    for language in LANGUAGES:
        for kind in KINDS:
            yield language, kind


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize(("language", "kind"), list(each_document()))
@pytest.mark.parametrize("data", [MINIMAL, FULL], ids=["minimal", "full"])
def test_every_required_section_is_present_and_renderable(language: str, kind: str, data: dict[str, Any]) -> None:
    markdown = render(problem(data, language), kind)
    tree = parse(markdown)
    assert unknown_node_types(tree) == set()
    assert headings(markdown, 1) == H1[(language, kind)]
    assert H2.get((language, kind), set()) <= set(headings(markdown, 2))
    assert "\n\n\n" not in markdown


@pytest.mark.parametrize(("language", "kind"), list(each_document()))
def test_full_problem_renders_without_placeholders(language: str, kind: str) -> None:
    assert placeholders(parse(render(problem(FULL, language), kind))) == []


@pytest.mark.parametrize(("language", "kind"), list(each_document()))
def test_examples_render_without_placeholders(language: str, kind: str) -> None:
    examples = [ex for ex in sorted((ROOT / "examples").glob("*.yaml")) if load_problem(ex).problem.language == language]
    for path in examples:
        markdown = render(load_problem(path).problem, kind)
        assert placeholders(parse(markdown)) == [], path.name
        assert unknown_node_types(parse(markdown)) == set()


MINIMAL_GAPS = {
    ("nl", "request_single"): ["outcomes.measured_by", "tender.submission_deadline", "tender.contract_start", "tender.platform", "tender.questions_due"],
    ("en", "request_single"): ["outcomes.measured_by", "tender.submission_deadline", "tender.contract_start", "tender.platform", "tender.questions_due"],
    ("nl", "agreement"): ["tender.contract_start", "tender.general_terms", "contract.exit_support.hours", "contract.court"],
    ("en", "agreement"): ["tender.contract_start", "tender.general_terms", "contract.exit_support.hours", "contract.court"],
    ("nl", "price_form"): ["tender.submission_deadline", "contract.exit_support"],
    ("en", "price_form"): ["tender.submission_deadline", "contract.exit_support"],
    ("nl", "consultation_report"): [],
    ("en", "consultation_report"): [],
    ("nl", "tender"): ["problem.evidence", "problem.current_situation", "outcomes.measured_by",
                       "tender.contract_start", "tender.published", "tender.questions_due",
                       "tender.submission_deadline", "tender.award_decision", "tender.general_terms", "contract.exit_support",
                       "geen marktconsultatie"],
    ("en", "tender"): ["problem.evidence", "problem.current_situation", "outcomes.measured_by",
                       "tender.contract_start", "tender.published", "tender.questions_due",
                       "tender.submission_deadline", "tender.award_decision", "tender.general_terms", "contract.exit_support",
                       "no market consultation"],
    ("nl", "consultation"): ["outcomes.measured_by", "consultation.questions", "consultation.responses_due",
                             "consultation.max_pages"],
    ("en", "consultation"): ["outcomes.measured_by", "consultation.questions", "consultation.responses_due",
                             "consultation.max_pages"],
}


@pytest.mark.parametrize(("language", "kind"), list(each_document()))
def test_minimal_problem_shows_every_missing_item_as_a_placeholder(language: str, kind: str) -> None:
    found = placeholders(parse(render(problem(MINIMAL, language), kind)))
    prefix = load_strings(language)["placeholder_prefix"]
    assert all(gap.startswith(f"[{prefix}: ") and gap.endswith("]") for gap in found)
    for label in MINIMAL_GAPS[(language, kind)]:
        assert any(label in gap for gap in found), label


# --------------------------------------------------------------------------- user values stay text

ATTACK = "# kop\n1. lijst | cel *nadruk* _x_ <b>vet</b> &amp; {{ p.title }} [[in te vullen: x]] \\ `code`\n\n- tweede | alinea"
#: Plain text with the same lines and paragraphs as ATTACK, so both render to the same structure.
PLAIN = "kop\nlijst\n\ntweede alinea"
#: Fields whose value is a closed vocabulary or a checked format, so they cannot hold free text.
NOT_FREE_TEXT = {"language", "reference", "email", "kind", "value_area", "currency", "payment", "procedure", "when",
                 "registration_due", "platform",
                 "responses_due", "published", "questions_due", "submission_deadline", "award_decision",
                 "contract_start"}


def _replaced(value: Any, text: str, key: str | None = None) -> Any:
    """The test data with every free-text string replaced by ``text``."""
    if isinstance(value, dict):
        return {k: _replaced(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return value if key == "cpv_codes" else [_replaced(v, text, key) for v in value]
    if isinstance(value, str) and key not in NOT_FREE_TEXT:
        return text
    return value


@pytest.mark.parametrize(("language", "kind"), list(each_document()))
def test_markdown_in_user_values_never_becomes_structure(language: str, kind: str) -> None:
    reference = render(problem(_replaced(FULL, PLAIN), language), kind)
    attacked = render(problem(_replaced(FULL, ATTACK), language), kind)
    assert shape(attacked) == shape(reference)
    assert placeholders(parse(attacked)) == []
    text = plain(attacked)
    if kind not in ("tender", "consultation"):  # the other documents print no multi-line value of the buyer's
        return
    line = "1. lijst | cel *nadruk* _x_ <b>vet</b> &amp; {{ p.title }} [[in te vullen: x]] \\ `code`"
    assert f"# kop\n{line}\n\n- tweede | alinea" in text  # a value printed as it is: line breaks kept
    assert f"# kop {line} - tweede | alinea" in text  # a table cell: the value's lines joined by spaces


# --------------------------------------------------------------------------- content that depends on the input


def test_terms_follow_the_kind_of_buyer() -> None:
    central = FULL["buyer"] | {"kind": "central"}
    own = {k: v for k, v in FULL["tender"].items() if k != "general_terms"}
    for language in LANGUAGES:
        for kind in ("tender", "agreement"):
            arbit = plain(render(problem(FULL, language, buyer=central, tender=own), kind))
            assert "ARBIT-2022" in arbit and "Modelovereenkomst" not in arbit  # procure's own conditions
            assert "GIBIT 2023" in plain(render(problem(FULL, language), kind))
            # a sub-central buyer that names no terms gets none picked for it: GIBIT is a municipality's
            gaps = placeholders(parse(render(problem(FULL, language, tender=own), kind)))
            assert any("GIBIT 2023" in gap and "tender.general_terms" in gap for gap in gaps)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_buyers_own_general_terms_replace_the_default(language: str) -> None:
    terms = "Algemene Inkoopvoorwaarden Waterschap Lage Landen 2025"
    text = plain(render(problem(FULL, language, tender=FULL["tender"] | {"general_terms": terms}), "tender"))
    assert terms in text and "GIBIT" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_clarification_notice_date_follows_the_law_only_where_it_applies(language: str) -> None:
    small = FULL["iteration_budget"] | {"option_iterations": 0, "ceiling": None}
    national = plain(render(problem(FULL, language, iteration_budget=small), "tender"))
    european = plain(render(problem(FULL, language), "tender"))
    deadline = date.fromisoformat(str(FULL["tender"]["submission_deadline"])[:10])
    ten_days_before = format_date(deadline - timedelta(days=10), language)  # Aw 2012, artikel 2.54
    assert ten_days_before in european
    assert ten_days_before not in national


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_buyer_kind_is_never_guessed_in_the_document(language: str) -> None:
    unknown = {k: v for k, v in FULL["buyer"].items() if k != "kind"}
    p = problem(FULL, language, buyer=unknown)
    decision = decide_procedure(p)
    assert decision.kind_assumed
    markdown = render(p, "tender")
    text = plain(markdown)
    # procure's own fallback is never explained in a document; the tool's reasoning belongs in check.
    assert "probleemstelling vermeldt niet" not in text and "does not say whether" not in text
    if decision.undecided:
        assert any("buyer.kind" in gap for gap in placeholders(parse(markdown)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_tender_states_the_procedure_and_its_facts(language: str) -> None:
    p = problem(FULL, language)
    decision = decide_procedure(p)
    text = plain(render(p, "tender"))
    assert decision.name in text
    assert decision.legal_basis in text
    assert decision.threshold_source in text
    assert str(decision.standstill_days) in text
    assert decision.standstill_basis and decision.standstill_basis in text
    assert ("TenderNed" in text) == decision.announced_on_tenderned


@pytest.mark.parametrize("language", LANGUAGES)
def test_european_procedure_asks_for_the_espd_and_states_minimum_periods(language: str) -> None:
    p = problem(FULL, language)
    text = plain(render(p, "tender", european=True, announced_on_tenderned=True, min_submission_days=30,
                        code="open", min_request_days=None))
    assert "UEA" in text
    assert "30" in text
    national = plain(render(p, "tender", european=False, code="multiple_private", announced_on_tenderned=False,
                            min_submission_days=None, min_request_days=None))
    # Below the thresholds too the UEA is the model eigen verklaring (since 1 July 2016).
    assert "UEA" in national
    assert "2.86" not in national and "2.87" not in national


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", ["restricted", "competitive_dialogue", "competitive_with_negotiation",
                                  "innovation_partnership"])
def test_two_stage_procedures_render(language: str, code: str) -> None:
    markdown = render(problem(FULL, language), "tender", code=code, two_stage=True, european=True, min_request_days=30,
                      min_submission_days=25, announced_on_tenderned=True, chosen=True)
    assert unknown_node_types(parse(markdown)) == set()
    assert headings(markdown, 1) == H1[(language, "tender")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_procedure_not_allowed_for_the_value_is_a_placeholder(language: str) -> None:
    gaps = placeholders(parse(render(problem(FULL, language), "tender", allowed=False)))
    assert any("tender.procedure" in gap for gap in gaps)


@pytest.mark.parametrize("language", LANGUAGES)
def test_missing_evaluation_uses_the_documented_default(language: str) -> None:
    tender = {k: v for k, v in FULL["tender"].items() if k != "evaluation"}
    markdown = render(problem(FULL, language, tender=tender), "tender")
    assert placeholders(parse(markdown)) == []
    (mark,) = proposals(parse(markdown))  # a choice procure made for the buyer, to be confirmed
    assert "tender.evaluation" in mark
    assert proposals(parse(render(problem(FULL, language), "tender"))) == []
    default = load_strings(language)["default_evaluation"]
    text = plain(markdown)
    assert f"{default['price_weight']}%" in text
    for criterion in default["criteria"]:
        assert criterion["name"] in text
        assert criterion["description"] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_award_table_lists_the_users_criteria_and_weights(language: str) -> None:
    markdown = render(problem(FULL, language), "tender")
    rows = [[texts(cell) for cell in tr.children] for tr in parse(markdown).walk() if tr.type == "tr"]
    assert ["Aanpak van de eerste iteratie", "50%", "Hoe de inschrijver begint."] in rows
    assert ["Samenwerking met gebruikers", "30%", "Hoe gebruikers meedoen."] in rows
    assert any(row[1:2] == ["20%"] for row in rows)


@pytest.mark.parametrize("language", LANGUAGES)
def test_price_weight_zero_competes_on_quality_alone(language: str) -> None:
    evaluation = {"price_weight": 0, "criteria": [{"name": "Aanpak", "weight": 100, "description": "Hoe."}]}
    tender = FULL["tender"] | {"evaluation": evaluation}
    text = plain(render(problem(FULL, language, tender=tender), "tender"))
    assert {"nl": "alleen op kwaliteit", "en": "on quality alone"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_budget_table_and_payment_follow_the_iteration_budget(language: str) -> None:
    budget = FULL["iteration_budget"] | {"payment": "capped_time_and_materials", "option_iterations": 0,
                                         "ceiling": None}
    budget = {k: v for k, v in budget.items() if v is not None}
    markdown = render(problem(FULL, language, iteration_budget=budget), "tender")
    text = plain(markdown)
    money = {"nl": ["€\xa045.000", "€\xa0180.000"], "en": ["€45,000", "€180,000"]}[language]
    assert all(amount in text for amount in money)
    assert load_strings(language)["payment"]["capped_time_and_materials"] in text
    assert {"nl": "6 weken", "en": "6 weeks"}[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_consultation_questions_are_the_users_numbered_list(language: str) -> None:
    markdown = render(problem(FULL, language), "consultation")
    lists = [node for node in parse(markdown).walk() if node.type == "ordered_list"]
    questions = [[texts(item) for item in ordered.children] for ordered in lists]
    assert FULL["consultation"]["questions"] in questions


@pytest.mark.parametrize("language", LANGUAGES)
def test_consultation_states_basis_limits_and_session(language: str) -> None:
    p = problem(FULL, language)
    text = plain(render(p, "consultation"))
    assert consultation_basis(language) in text
    assert {"nl": "5 pagina's", "en": "5 pages"}[language] in text
    assert {"nl": "15 januari 2027, 14:00", "en": "15 January 2027, 14:00"}[language] in text
    assert "Online" in text
    assert p.maximum_value >= decide_procedure(p).threshold
    assert "2.51 " in text  # the Dutch article on prior involvement, above the threshold


@pytest.mark.parametrize("language", LANGUAGES)
def test_session_without_a_place_asks_for_one(language: str) -> None:
    consultation = FULL["consultation"] | {"session": {"when": "2027-01-15T14:00"}}
    gaps = placeholders(parse(render(problem(FULL, language, consultation=consultation), "consultation")))
    assert len([gap for gap in gaps if "consultation.session.where" in gap]) == 1
    assert gaps and all("consultation.session.where" in gap or "consultation.session.registration_due" in gap
                        for gap in gaps)


@pytest.mark.parametrize("language", LANGUAGES)
def test_consultation_without_session_is_held_in_writing(language: str) -> None:
    consultation = {k: v for k, v in FULL["consultation"].items() if k != "session"}
    markdown = render(problem(FULL, language, consultation=consultation), "consultation")
    assert placeholders(parse(markdown)) == []
    assert headings(markdown, 1) == H1[(language, "consultation")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_threshold_not_in_force_on_the_reference_date_is_a_placeholder(language: str) -> None:
    gaps = placeholders(parse(render(problem(FULL, language), "tender", threshold_in_force=False)))
    assert len(gaps) == 1
    assert {"nl": "datum van publicatie", "en": "date of publication"}[language] in gaps[0]


# --------------------------------------------------------------------------- cross-references and naming

#: How a template refers to a numbered top-level section: "section 5 (Intended outcomes)" or just "section 5".
SECTION_WORD = {"nl": "hoofdstuk", "en": "section"}


def _all_variants(language: str) -> Iterator[tuple[str, str]]:
    """Every document of the test data and the examples in a language, as (label, markdown)."""
    variants = [problem(FULL, language), problem(MINIMAL, language)]
    variants += [load_problem(ex).problem for ex in sorted((ROOT / "examples").glob("*.yaml"))
                 if load_problem(ex).problem.language == language]
    for index, p in enumerate(variants):
        for kind in KINDS:
            yield f"{kind}-{index}", render(p, kind)


@pytest.mark.parametrize("language", LANGUAGES)
def test_section_references_name_the_section_they_point_to(language: str) -> None:
    """The renderer numbers headings itself, so a template's "section 5 (Intended outcomes)" is checked here."""
    import re

    word = SECTION_WORD[language]
    pattern = re.compile(rf"{word}(?:en)? (\d+)(?: \(([^)]+)\))?")
    for label, markdown in _all_variants(language):
        titles = headings(markdown, 1)
        found = pattern.findall(plain(markdown))
        for number, title in found:
            assert 1 <= int(number) <= len(titles), (label, number)
            if title:
                assert titles[int(number) - 1] == title, (label, number, title)
        if label.startswith("tender"):
            assert found, label


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_buyer_is_named_once_then_called_the_contracting_authority(language: str, kind: str) -> None:
    """Any name reads well: no "for National Permits Agency", no "zij" after "het Waterschap"."""
    p = problem(FULL, language)
    text = plain(render(p, kind))
    assert text.count(p.buyer.organisation) == 1
    authority = {"nl": "de aanbestedende dienst", "en": "the contracting authority"}[language]
    if (language, kind) == ("nl", "agreement"):
        authority = "de opdrachtgever"  # a Dutch contract names its parties opdrachtgever and opdrachtnemer
    assert authority in text.lower()


@pytest.mark.parametrize("language", LANGUAGES)
def test_summary_table_shows_dates_not_yet_known_as_placeholders(language: str) -> None:
    """A row is never silently left out: a missing date stays in the table as a placeholder."""
    tender = {k: v for k, v in FULL["tender"].items() if k not in ("submission_deadline", "contract_start")}
    markdown = render(problem(FULL, language, tender=tender), "tender")
    rows = {texts(tr.children[0]): texts(tr.children[1]) for tr in parse(markdown).walk() if tr.type == "tr"}
    start = {"nl": "Beoogde start", "en": "Intended start"}[language]
    deadline = {"nl": "Uiterste datum en tijdstip van inschrijving", "en": "Deadline for tenders (date and time)"}[language]
    assert "tender.contract_start" in rows[start]
    assert "tender.submission_deadline" in rows[deadline]
    full = {texts(tr.children[0]): texts(tr.children[1])
            for tr in parse(render(problem(FULL, language), "tender")).walk() if tr.type == "tr"}
    assert full[deadline] == {"nl": "20 maart 2027, 12:00", "en": "20 March 2027, 12:00"}[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_deadline_without_a_time_shows_a_placeholder_for_the_time(language: str) -> None:
    tender = FULL["tender"] | {"submission_deadline": "2027-03-20"}
    markdown = render(problem(FULL, language, tender=tender), "tender")
    gaps = placeholders(parse(markdown))
    assert gaps and all("tender.submission_deadline" in gap for gap in gaps)
    day = {"nl": "20 maart 2027", "en": "20 March 2027"}[language]
    assert f"{day}, {gaps[0]}" in plain(markdown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_scaling_up_through_options_is_promised_only_when_there_are_options(language: str) -> None:
    phrase = {"nl": "met opties worden opgeschaald", "en": "scaled up through options"}[language]
    assert phrase in plain(render(problem(FULL, language), "tender"))
    budget = FULL["iteration_budget"] | {"option_iterations": 0}
    budget.pop("ceiling")
    assert phrase not in plain(render(problem(FULL, language, iteration_budget=budget), "tender"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_consultation_lists_constraints_and_exclusions_separately(language: str) -> None:
    markdown = render(problem(FULL, language), "consultation")
    titles = set(headings(markdown, 2))
    assert {"nl": {"Randvoorwaarden", "Buiten de opdracht"}, "en": {"Constraints", "Out of scope"}}[language] <= titles
    only = FULL["problem"] | {"out_of_scope": []}
    titles = set(headings(render(problem(FULL, language, problem=only), "consultation"), 2))
    assert {"nl": "Buiten de opdracht", "en": "Out of scope"}[language] not in titles


@pytest.mark.parametrize("language", LANGUAGES)
def test_consultation_meeting_details_are_a_table(language: str) -> None:
    markdown = render(problem(FULL, language), "consultation")
    rows = [[texts(cell) for cell in tr.children] for tr in parse(markdown).walk() if tr.type == "tr"]
    assert [{"nl": "Plaats", "en": "Place"}[language], "Online"] in rows


@pytest.mark.parametrize("language", LANGUAGES)
def test_page_limit_of_the_plan_follows_the_number_of_quality_criteria(language: str) -> None:
    text = plain(render(problem(FULL, language), "tender"))
    assert {"nl": "in totaal 4 pagina's", "en": "4 pages in all"}[language] in text
