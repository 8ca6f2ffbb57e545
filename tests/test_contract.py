"""The draft agreement, the tender document and the price form say the same thing: every amount, every
period and the order of precedence, for every example and for variants that switch the mechanics on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procure.build import render_markdown
from procure.contract import contract_terms
from procure.loader import Loaded, load_problem, load_problem_text
from procure.templating import format_money, load_strings
from tests.conftest import EXAMPLES
from tests.test_checks import variant

MONEY = re.compile(r"€ ?\d[\d.,\\]*\d|€ ?\d")


def amounts(markdown: str) -> set[str]:
    """Every euro amount a document prints, as printed (escapes removed, trailing punctuation dropped)."""
    return {m.group().replace("\\", "").rstrip(".,") for m in MONEY.finditer(markdown)}


def rendered(kind: str, language: str, changes: dict[str, object] | None = None) -> str:
    """The Markdown of one document for a variant of the base problem statement, escapes removed."""
    loaded = load_problem_text(variant({"language": language, **(changes or {})}), "p.yaml")
    return render_markdown(loaded, kind).replace("\\", "")


def documents(loaded: Loaded) -> dict[str, str]:
    return {kind: render_markdown(loaded, kind).replace("\\", "").replace("\u00a0", " ")
            for kind in ("agreement", "tender", "price_form")}


def _variants() -> list[tuple[str, Loaded]]:
    out = [(path.stem, load_problem(path)) for path in EXAMPLES]
    extra = {"contract": {"minimum_iterations": 1, "decision_days": 3, "repair_days": 7,
                          "exit_support": {"hours": 24, "max_rate": 110},
                          "scale_up": [{"covers": "hosting", "maximum": 12500}],
                          "price_index": "CBS cao-lonen", "court": "Rechtbank Amsterdam"},
             "iteration_budget.iterations": 4, "iteration_budget.option_iterations": 12,
             "iteration_budget.ceiling": 493140,
             "iteration_budget.payment": "capped_time_and_materials"}
    for language in ("nl", "en"):
        out.append((f"variant-{language}", load_problem_text(variant({**extra, "language": language}), "v.yaml")))
    return out


VARIANTS = _variants()


@pytest.mark.parametrize(("name", "loaded"), VARIANTS, ids=[n for n, _ in VARIANTS])
def test_agreement_leidraad_and_price_form_agree_on_every_amount(name: str, loaded: Loaded) -> None:
    docs = documents(loaded)
    problem = loaded.problem
    terms = contract_terms(problem)
    cur = problem.iteration_budget.currency

    def money(value: object) -> str:
        return format_money(value, cur, problem.language).replace("\u00a0", " ")

    found = {kind: {a.replace("\u00a0", " ") for a in amounts(text)} for kind, text in docs.items()}
    # the leidraad's budget table holds every amount the agreement and the price form print
    assert found["agreement"] <= found["tender"], found["agreement"] - found["tender"]
    assert found["price_form"] <= found["tender"], found["price_form"] - found["tender"]
    # and the amounts that bind the bidder are in all three
    binding = {money(problem.iteration_budget.per_iteration)}
    if terms["exit_max_rate"]:
        binding.add(money(terms["exit_max_rate"]))
    binding |= {money(item["maximum"]) for item in terms["scale_up"]}
    for kind in docs:
        assert binding <= found[kind], (kind, binding - found[kind])
    # the minimum commitment and the options' value: the agreement and the leidraad
    for value in (terms["minimum_commitment"], terms["options_value"]):
        if value:
            assert money(value) in found["agreement"] and money(value) in found["tender"]


@pytest.mark.parametrize(("name", "loaded"), VARIANTS, ids=[n for n, _ in VARIANTS])
def test_the_three_documents_agree_on_periods_and_precedence(name: str, loaded: Loaded) -> None:
    docs = documents(loaded)
    problem = loaded.problem
    terms = contract_terms(problem)
    strings = load_strings(problem.language)
    week = strings["units"]["week"][problem.iteration_budget.iteration_weeks != 1]
    iteration_length = f"{problem.iteration_budget.iteration_weeks} {week}"
    for kind in ("agreement", "tender"):
        assert iteration_length in docs[kind]
        if terms["decision_days"]:
            day = strings["units"]["working_day"][terms["decision_days"] != 1]
            assert f"{terms['decision_days']} {day}" in docs[kind]
        assert f"{terms['initial_weeks']} {strings['units']['week'][1]}" in docs[kind] or terms["initial_weeks"] == 1
    if terms["exit_hours"]:
        for kind in docs:
            assert str(terms["exit_hours"]) in docs[kind]
    # one order of precedence, item by item and in order, in all three
    for kind, text in docs.items():
        positions = [text.find(f"1. {item}") for item in strings["precedence"]]
        assert -1 not in positions and positions == sorted(positions), kind


def test_indexation_is_the_buyers_option_only_when_the_contract_may_outlast_a_year() -> None:
    short = documents(VARIANTS[0][1])  # agency: 24 two-week iterations, 48 weeks
    assert "index" not in short["price_form"].lower()
    long = documents(VARIANTS[-1][1])  # 16 four-week iterations: 64 weeks
    assert "CBS cao-lonen" in long["agreement"] and "not a right of the contractor" in long["agreement"]
    assert "Indexation" in long["price_form"]


def test_capped_time_and_materials_binds_the_hours_per_role() -> None:
    docs = documents(VARIANTS[-1][1])
    assert "binding maximum" in docs["price_form"] and "binding maximum" in docs["tender"]
    assert "no more hours than it stated in the price form" in docs["agreement"]


def test_the_examples_carry_no_placeholder_in_the_new_documents() -> None:
    from procure.markdown import parse, placeholders

    for path in EXAMPLES:
        for kind in ("agreement", "price_form", "consultation_report"):
            assert placeholders(parse(render_markdown(load_problem(path), kind))) == [], (path.name, kind)


def test_a_sub_central_buyer_without_terms_gets_no_terms_picked(tmp_path: Path) -> None:
    loaded = load_problem_text(variant({"language": "nl"}), "p.yaml")  # sub_central, no general_terms
    text = render_markdown(loaded, "agreement")
    assert "GIBIT" in text and "tender.general_terms" in text  # named only inside the placeholder
    assert "Gemeentelijke Inkoopvoorwaarden" not in text


def test_a_municipality_gets_gibit_and_a_water_board_is_asked() -> None:
    """buyer.authority_type tells a municipality apart: GIBIT 2023 is its instrument, nobody else's."""
    municipality = load_problem_text(variant({"language": "nl", "buyer.authority_type": "municipality"}), "p.yaml")
    text = render_markdown(municipality, "agreement")
    assert "Op deze overeenkomst zijn de Gemeentelijke Inkoopvoorwaarden bij IT 2023" in text and "GIBIT 2023" in text
    water_board = load_problem_text(variant({"language": "nl", "buyer.authority_type": "water_board"}), "p.yaml")
    text = render_markdown(water_board, "agreement")
    assert "Gemeentelijke Inkoopvoorwaarden" not in text and "tender.general_terms" in text


@pytest.mark.parametrize(("named", "printed"), [
    ("GIBIT 2023", "Gemeentelijke Inkoopvoorwaarden bij IT 2023 (GIBIT 2023)"),
    ("gibit-2023", "Gemeentelijke Inkoopvoorwaarden bij IT 2023 (GIBIT 2023)"),
    ("ARBIT 2022", "Algemene Rijksvoorwaarden bij IT-overeenkomsten 2022 (ARBIT-2022)"),
    ("GIBIT 2019", "GIBIT 2019"),  # another version: the buyer's words, never silently the current one
    ("Inkoopvoorwaarden Waterschap X 2024", "Inkoopvoorwaarden Waterschap X 2024"),
])
def test_terms_the_buyer_names_are_printed_in_full_only_in_the_version_named(named: str, printed: str) -> None:
    loaded = load_problem_text(variant({"language": "nl", "buyer.authority_type": "municipality",
                                        "tender.general_terms": named}), "p.yaml")
    terms = contract_terms(loaded.problem)["general_terms"]
    assert terms["name"] == printed and terms["proposed"] is False
    text = render_markdown(loaded, "agreement").replace("\\", "")
    assert f"Op deze overeenkomst zijn de {printed} van toepassing" in text


def test_no_document_claims_to_follow_a_model_agreement() -> None:
    """The special conditions are procure's own text: no pack says it was drawn up from the ARBIT or
    GIBIT model agreements (it was not)."""
    for language in ("nl", "en"):
        for kind in ("agreement", "tender"):
            text = rendered(kind, language, {"buyer.kind": "central"})
            assert "ARBIT-2022" in text and "Modelovereenkomst" not in text and "Model Agreement" not in text


def test_a_single_supplier_gets_no_relative_price_formula() -> None:
    single = load_problem_text(variant({"tender.procedure": "single_private", "iteration_budget.per_iteration": 8000}),
                               "p.yaml")
    text = render_markdown(single, "price_form")
    assert "single supplier" in text and "lowest evaluated price" not in text
    several = render_markdown(load_problem_text(variant({}), "p.yaml"), "price_form")
    assert "lowest evaluated price" in several


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"contract": {"minimum_iterations": 9}}, "contract.minimum_iterations", "at most iteration_budget.iterations"),
    ({"contract": {"exit_support": {"hours": 0, "max_rate": 10}}}, "contract.exit_support.hours", "1 to 10000"),
    ({"contract": {"scale_up": [{"covers": "cloud", "maximum": 5}]}}, "contract.scale_up[0].covers", "rollout"),
    ({"contract": {"decision_days": 99}}, "contract.decision_days", "1 to 30 working days"),
])
def test_a_wrong_contract_choice_is_located(changes: dict, field: str, words: str) -> None:
    from procure.errors import InputError

    with pytest.raises(InputError) as err:
        load_problem_text(variant(changes), "p.yaml")
    (issue,) = err.value.issues
    assert issue.location.field == field and words in issue.message and issue.location.line


def test_the_value_counts_scale_up_options_and_exit_support_without_a_ceiling() -> None:
    changes = {"contract": {"exit_support": {"hours": 10, "max_rate": 100},
                            "scale_up": [{"covers": "hosting", "maximum": 5000}]}}
    problem = load_problem_text(variant(changes), "p.yaml").problem
    assert problem.maximum_value == 6 * 30000 + 5000 + 1000
    assert problem.minimum_commitment == 2 * 30000  # no minimum_iterations: the whole initial term


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_single_suppliers_agreement_and_form_name_the_request_not_a_tender_document(language: str) -> None:
    single = load_problem_text(variant({"language": language, "tender.procedure": "single_private",
                                        "iteration_budget.per_iteration": 8000}), "p.yaml")
    title = load_strings(language)["documents"]["request_single"].lower()
    tender = load_strings(language)["documents"]["tender"].lower()
    for kind in ("agreement", "price_form"):
        text = render_markdown(single, kind)
        assert title in text and tender not in text.lower(), kind


# ---------------------------------------------------------------- word matching without a regex per word


def test_word_character_is_what_a_regex_calls_a_word_character():
    """_mentions decides word boundaries with str methods; they agree with ``\\w`` on every code point."""
    from procure.contract import _word_character

    word = re.compile(r"\w")
    differing = [hex(code) for code in range(0x110000)
                 if bool(word.fullmatch(chr(code))) != _word_character(chr(code))]
    assert differing == []


_SAMPLE_TEXT = st.text(alphabet=st.sampled_from(list("bio-logie _éÉ1²٣ .,\nBIOx")), max_size=30)


@given(text=_SAMPLE_TEXT, word=st.sampled_from(["bio", "bio-logie", "é", "1", "x", " ", "-", "io l", "BIO", ""]))
def test_mentions_agrees_with_the_whole_word_regex(text, word):
    """The string search finds a word exactly where ``(?<!\\w)WORD(?!\\w)`` on the lowered text does."""
    from procure.contract import _mentions

    expected = re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text.lower()) is not None
    assert _mentions(text, word) is expected


@pytest.mark.parametrize(("procedure", "nl_label", "en_label"), [
    ("open", "Datum publicatie", "Date of publication"),
    ("multiple_private", "Datum verzending uitnodiging", "Date the invitations are sent"),
])
def test_the_title_page_says_published_only_when_the_procedure_is_announced(procedure: str, nl_label: str,
                                                                            en_label: str) -> None:
    """A private procedure publishes nothing: its tender's title page dates the invitations instead."""
    from procure.build import cover_rows

    for language, label in (("nl", nl_label), ("en", en_label)):
        loaded = load_problem_text(variant({"language": language, "tender.procedure": procedure}), "p.yaml")
        labels = [row[0] for row in cover_rows(loaded, "tender", load_strings(language))]
        assert label in labels
        assert procedure == "open" or not {"Datum publicatie", "Date of publication"} & set(labels)


@pytest.mark.parametrize(("procedure", "nl_words", "en_words"), [
    ("open", "dan hebben ondernemers geen recht", "economic operators are not entitled"),
    ("restricted", "dan hebben gegadigden en inschrijvers geen recht", "candidates and tenderers are not entitled"),
])
def test_candidates_are_named_only_in_a_procedure_with_a_selection_round(procedure: str, nl_words: str,
                                                                          en_words: str) -> None:
    for language, words in (("nl", nl_words), ("en", en_words)):
        assert words in rendered("tender", language, {"tender.procedure": procedure})


def test_an_absent_minimum_commitment_is_a_visible_proposal() -> None:
    """Without contract.minimum_iterations the whole initial term is the minimum commitment: procure's
    choice, so the tender and the agreement show it as a proposal, never as the buyer's decision."""
    from procure.markdown import parse, proposals

    for language in ("nl", "en"):
        absent = load_problem_text(variant({"language": language, "contract.minimum_iterations": None}), "p.yaml")
        assert contract_terms(absent.problem)["minimum_proposed"] is True
        for kind in ("tender", "agreement"):
            assert any("contract.minimum_iterations" in p for p in proposals(parse(render_markdown(absent, kind))))
        chosen = load_problem_text(variant({"language": language, "contract.minimum_iterations": 1}), "p.yaml")
        for kind in ("tender", "agreement"):
            assert not any("contract.minimum_iterations" in p
                           for p in proposals(parse(render_markdown(chosen, kind))))


def test_a_service_option_has_its_own_period_that_a_stop_does_not_cut_short() -> None:
    """A maintenance option cannot run if the agreement ends with the last iteration or a stop, and a
    bidder cannot price it without its period: it runs contract.scale_up.months from the start date the
    go names (a placeholder while absent), and neither the end of the iterations nor a stop ends it."""
    from procure.markdown import parse, placeholders

    option = {"covers": "operation_and_maintenance", "maximum": 15000}
    for language, words in (("nl", ("gedurende 12 maanden vanaf de ingangsdatum die de go noemt",
                                    "behalve voor een afgeroepen optie die geen iteratie is",
                                    "eindigt de overeenkomst voor die optie pas wanneer zij is uitgevoerd")),
                            ("en", ("for 12 months from the start date the go states",
                                    "except for an option called off that is not an iteration",
                                    "the agreement ends for that option only when the option has been performed"))):
        text = rendered("agreement", language, {"contract.scale_up": [{**option, "months": 12}]})
        assert all(w in text for w in words)
        assert not any(w in rendered("agreement", language) for w in words[1:])
        loaded = load_problem_text(variant({"language": language, "contract.scale_up": [option]}), "p.yaml")
        assert any("contract.scale_up.months" in gap
                   for gap in placeholders(parse(render_markdown(loaded, "agreement"))))
        rollout = {"contract.scale_up": [{"covers": "rollout", "maximum": 15000}]}
        assert "contract.scale_up.months" not in rendered("agreement", language, rollout)


def test_the_term_counts_iterations_and_the_decision_days_extend_it() -> None:
    """A go may come some working days after a review, so an end date computed from back-to-back
    iterations is only the date if they follow one another; the gaps extend the term, unpaid."""
    for language, words in (("nl", ("sluiten de iteraties op elkaar aan, dan eindigt zij op",
                                    "verlengen de looptijd; zij zijn geen iteratieweken en worden niet vergoed")),
                            ("en", ("if the iterations follow one another without a break, it ends on",
                                    "extend the term; they are not iteration weeks and are not paid for"))):
        assert all(w in rendered("agreement", language) for w in words)


def test_the_annexes_are_the_packs_documents_and_what_the_buyer_names() -> None:
    """No annex the pack does not hold and the input never named: no model data processing agreement
    (the agreement has the parties conclude one before any processing); the general terms by name."""
    for language, named in (("nl", "De algemene inkoopvoorwaarden die op de overeenkomst van toepassing zijn: de "
                                   "Gemeentelijke Inkoopvoorwaarden bij IT 2023 (GIBIT 2023)"),
                            ("en", "The general purchasing terms and conditions that apply to the contract: the "
                                   "Municipal IT Purchasing Terms and Conditions 2023 (GIBIT 2023)")):
        for kind in ("tender", "request_single"):
            annexes = rendered(kind, language, {"buyer.authority_type": "municipality"}).split("\n# ")[-1]
            assert named in annexes
            assert "verwerkersovereenkomst" not in annexes and "data processing" not in annexes


@pytest.mark.parametrize(("authority", "nl_words", "en_words"), [
    ("municipality", "De aanbestedende dienst valt onder de Wet open overheid (Woo).",
     "The contracting authority is subject to the Dutch Open Government Act (Wet open overheid, Woo)."),
    ("other", "Voor zover de aanbestedende dienst onder de Wet open overheid (Woo) valt, beoordeelt hij",
     "Insofar as the contracting authority is subject to the Dutch Open Government Act (Wet open overheid, Woo),"),
])
def test_the_woo_is_stated_as_applying_only_to_a_known_bestuursorgaan(authority: str, nl_words: str,
                                                                        en_words: str) -> None:
    """The Woo applies to bestuursorganen (legal.yaml, open_government); for a buyer procure cannot place,
    the consultation invitation words it conditionally rather than asserting it."""
    for language, words in (("nl", nl_words), ("en", en_words)):
        assert words in rendered("consultation", language, {"buyer.authority_type": authority})


def test_the_consultation_report_states_what_the_input_says_the_consultation_yielded() -> None:
    """The report is a form for what procure cannot know (counts, summaries per question), but what the
    problem statement records (consultation.outcome and .changes) it states, as the tender does."""
    for path in EXAMPLES:
        loaded = load_problem(path)
        consultation = loaded.problem.consultation
        report = render_markdown(loaded, "consultation_report").replace("\\", "")
        tender = render_markdown(loaded, "tender").replace("\\", "")
        for change in (consultation.changes if consultation else []):
            assert change in report and change in tender


def test_the_processing_agreement_names_what_the_gdpr_requires() -> None:
    """No model processing agreement is annexed, so the agreement says what the one the parties conclude
    must cover, from legal.yaml's processing_agreement record (GDPR article 28(3))."""
    assert "verwerkersovereenkomst die regelt wat artikel 28, derde lid, van de Algemene verordening " \
           "gegevensbescherming (AVG) voorschrijft" in rendered("agreement", "nl")
    assert "a data processing agreement that covers what Article 28(3) of the General Data Protection " \
           "Regulation (GDPR) requires" in rendered("agreement", "en")
