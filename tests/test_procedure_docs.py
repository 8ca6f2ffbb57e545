"""The documents state the procedure that applies, from the same legal data the linter uses.

Assertions use the procedure decision (names, periods, threshold, bases from
``procure/data/legal.yaml``), formatted with the templates' own filters, so
that rewording a sentence in a template does not break them, while a document
that names the wrong procedure, period or threshold does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from procure.build import BuildOptions, build_document, render_markdown
from procure.legal import ProcedureDecision, consultation_basis, decide_procedure, legal_data
from procure.loader import Loaded, load_problem, load_problem_text
from procure.templating import format_money, load_strings
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
ABOVE_THRESHOLD = ("waterschap-meldingen", "agency-permits")
BELOW_THRESHOLD = ("gemeente-bijstand",)


def loaded(name: str) -> Loaded:
    return load_problem(EXAMPLES / f"{name}.yaml")


def spaced(text: str) -> str:
    """Runs of spaces, tabs and non-breaking spaces as one space."""
    return re.sub(r"[ \t\u00a0\u202f]+", " ", text)


def text_of(problem: Loaded, kind: str) -> str:
    """The document's Markdown with escapes removed and spaces joined: the text a reader sees."""
    markdown = build_document(problem, kind, BuildOptions()).markdown
    return spaced(re.sub(r"\\(.)", r"\1", markdown))


def amount(decision: ProcedureDecision, language: str) -> str:
    return spaced(format_money(decision.threshold, decision.threshold_currency, language))


def days(count: int, language: str) -> str:
    one, many = load_strings(language)["units"]["calendar_day"]
    return f"{count} {one if count == 1 else many}"


def european_names(language: str) -> list[str]:
    return [rule.name.get(language) for rule in legal_data().procedures.values() if rule.european]


def names_procedure(text: str, name: str) -> bool:
    """``name`` occurs as a whole phrase (any case), not inside a longer name such as 'nationale openbare procedure'."""
    pattern = rf"(?<![\w-])(?<!nationale )(?<!national ){re.escape(name)}(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


# --- above the threshold: the European procedure ------------------------------------------------


@pytest.mark.parametrize("name", ABOVE_THRESHOLD)
def test_above_threshold_the_tender_names_the_european_procedure(name: str) -> None:
    problem = loaded(name)
    decision = decide_procedure(problem.problem)
    language = problem.problem.language
    assert decision.european and decision.code == "open"
    text = text_of(problem, "tender")
    assert names_procedure(text, decision.name)
    assert decision.name == {"nl": "openbare procedure", "en": "open procedure"}[language]
    assert decision.legal_basis in text


@pytest.mark.parametrize("name", ABOVE_THRESHOLD)
def test_above_threshold_the_tender_states_threshold_periods_standstill_and_tenderned(name: str) -> None:
    problem = loaded(name)
    decision = decide_procedure(problem.problem)
    language = problem.problem.language
    text = text_of(problem, "tender")
    assert amount(decision, language) in text
    assert decision.threshold_source in text
    assert decision.min_submission_days == 40  # Aw 2012 art. 2.71: 45 days, less 5 for electronic submission (2.74a)
    assert days(decision.min_submission_days, language) in text
    assert days(decision.standstill_days, language) in text
    assert decision.announced_on_tenderned and "TenderNed" in text


@pytest.mark.parametrize("name", ABOVE_THRESHOLD)
def test_a_two_stage_procedure_states_both_periods(name: str) -> None:
    source = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    assert "  procedure: auto\n" in source
    problem = load_problem_text(source.replace("  procedure: auto\n", "  procedure: restricted\n"), f"{name}.yaml")
    decision = decide_procedure(problem.problem)
    language = problem.problem.language
    assert (decision.code, decision.min_request_days, decision.min_submission_days) == ("restricted", 30, 35)
    text = text_of(problem, "tender")
    assert names_procedure(text, decision.name)
    assert days(30, language) in text and days(35, language) in text


# --- below the threshold: the national procedure ------------------------------------------------


@pytest.mark.parametrize("name", BELOW_THRESHOLD)
def test_below_threshold_the_tender_names_the_national_procedure_and_not_a_european_one(name: str) -> None:
    problem = loaded(name)
    decision = decide_procedure(problem.problem)
    language = problem.problem.language
    assert not decision.european and decision.code == "multiple_private"
    assert decision.name == "meervoudig onderhandse procedure"
    text = text_of(problem, "tender")
    assert names_procedure(text, decision.name)
    assert decision.legal_basis in text
    assert amount(decision, language) in text
    for european in european_names(language):
        assert not names_procedure(text, european), european


@pytest.mark.parametrize("name", BELOW_THRESHOLD)
def test_the_documents_follow_the_buyers_own_bands(name: str) -> None:
    source = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    source = source.split("\nprocurement_policy:")[0]  # the example's own policy, replaced by this one
    policy = "\nprocurement_policy:\n  bands:\n    - procedure: single_private\n      below: 25000\n" \
             "    - procedure: multiple_private\n      below: 100000\n"
    problem = load_problem_text(source + policy, f"{name}.yaml")
    decision: ProcedureDecision = decide_procedure(problem.problem)
    assert decision.code == "national_open" and not decision.european
    text = text_of(problem, "tender")
    assert names_procedure(text, decision.name)
    assert decision.announced_on_tenderned and "TenderNed" in text
    assert not names_procedure(text, legal_data().procedures["multiple_private"].name.get("nl"))


# --- the consultation ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ABOVE_THRESHOLD, *BELOW_THRESHOLD])
def test_the_consultation_states_its_legal_basis(name: str) -> None:
    problem = loaded(name)
    language = problem.problem.language
    text = text_of(problem, "consultation")
    decision = decide_procedure(problem.problem)
    # Decided with the procedure: the directive's article 40 above the threshold, by analogy below it.
    assert decision.consultation_basis in text
    assert (decision.consultation_basis == consultation_basis(language)) == decision.european
    assert ("artikel 40" if language == "nl" else "Article 40") in text


@pytest.mark.parametrize("name", [*ABOVE_THRESHOLD, *BELOW_THRESHOLD])
def test_the_consultation_names_the_procedure_foreseen(name: str) -> None:
    problem = loaded(name)
    decision = decide_procedure(problem.problem)
    assert names_procedure(text_of(problem, "consultation"), decision.name)


def test_the_examples_are_the_ones_named_here() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.yaml")} == {*ABOVE_THRESHOLD, *BELOW_THRESHOLD}


def test_no_template_hard_codes_a_legal_number() -> None:
    """Thresholds and periods come from the data: no template spells a threshold or the standstill."""
    data = legal_data()
    figures = {str(int(v)) for t in data.thresholds for v in t.supplies_services.values()}
    figures |= {f"{int(v):,}".replace(",", ".") for t in data.thresholds for v in t.supplies_services.values()}
    figures |= {f"{int(v):,}" for t in data.thresholds for v in t.supplies_services.values()}
    for template in sorted((ROOT / "templates").rglob("*.md")):
        source = template.read_text(encoding="utf-8")
        found = [f for f in figures if re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d.,])", source)]
        assert not found, (template, found)
        assert not re.search(r"(?<!\d)20 (kalenderdagen|calendar days)", source), template


@pytest.mark.parametrize("name", ABOVE_THRESHOLD)
def test_both_european_examples_print_the_standstill_end_on_a_working_day(name: str) -> None:
    from procure.legal import is_working_day
    from procure.templating import format_date

    problem = loaded(name)
    decision = decide_procedure(problem.problem)
    assert decision.standstill_end is not None and is_working_day(decision.standstill_end)
    text = text_of(problem, "tender")
    assert format_date(decision.standstill_end, problem.problem.language) in text


def test_a_municipality_without_kind_between_the_thresholds_guesses_no_threshold(tmp_path) -> None:
    import yaml

    from procure.markdown import parse, placeholders

    data = yaml.safe_load((ROOT / "examples" / "gemeente-bijstand.yaml").read_text(encoding="utf-8"))
    del data["buyer"]["kind"]
    data["buyer"].pop("authority_type", None)  # a municipality's type would settle the kind
    data.pop("contract", None)  # scale-up options and exit support would add to the value
    data["iteration_budget"].update(per_iteration=25000, iterations=4, option_iterations=2)
    data["iteration_budget"].pop("ceiling", None)
    path = tmp_path / "gemeente.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from procure.loader import load_problem

    problem = load_problem(path)
    decision = decide_procedure(problem.problem)
    assert decision.maximum_value == 150000 and decision.undecided
    markdown = render_markdown(problem, "tender")
    gaps = placeholders(parse(markdown))
    assert sum("buyer.kind" in gap for gap in gaps) >= 3  # procedure, legal basis, threshold, reasons
    text = text_of(problem, "tender")
    assert "probleemstelling vermeldt niet" not in text
    for part_two in ("2.127", "2.26", "2.57", "2.86", "2.114", "2.116"):
        assert part_two not in text


@pytest.mark.parametrize("name", BELOW_THRESHOLD)
@pytest.mark.parametrize("procedure", ["auto", "restricted"])
def test_below_the_threshold_no_document_cites_part_2(name: str, procedure: str) -> None:
    """One place (the value) decides every citation, even when a European procedure is named."""
    source = (EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")
    problem = load_problem_text(source.replace("  procedure: auto\n", f"  procedure: {procedure}\n"), f"{name}.yaml")
    assert not decide_procedure(problem.problem).european
    for kind in ("tender", "consultation"):
        text = text_of(problem, kind)
        for article in ("2.26", "2.27", "2.54", "2.57", "2.71", "2.74a", "2.86", "2.87", "2.114", "2.116", "2.127",
                        "2.51 "):
            assert article not in text, f"{kind} cites {article} below the threshold"
    tender = text_of(problem, "tender")
    assert "eigen regel" in tender or "own rule" in tender  # the contractual standstill is the buyer's rule


def test_a_template_cannot_reach_an_unverified_fact(monkeypatch: pytest.MonkeyPatch) -> None:
    from procure import legal

    law = legal.law_for(loaded("agency-permits").problem)
    assert law.experts_committee.startswith("Procurement Expert Committee")
    monkeypatch.setitem(legal.LAW_FACTS, "experts_committee", "calendar.equated_days")
    with pytest.raises(legal.UnverifiedFact):
        law.experts_committee
