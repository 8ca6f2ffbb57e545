"""The linter: every rule fires on a file made to trigger it and stays silent on a near miss.

Inputs are YAML text through the real loader. ``BASE`` is a clean reference
problem statement: the only thing the linter says about it is the procedure
that follows (PRC401, info). Each case changes a few fields of it.
"""

from __future__ import annotations

import copy
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from procure import checks
from procure.checks import RULES, Finding, run_checks
from procure.checks import policy as policy_data
from procure.checks.vocabulary import load_extra_words, vocabulary
from procure.errors import InputError
from procure.loader import Loaded, load_problem_text

SCHEMA = Path(checks.__file__).resolve().parent.parent / "data" / "findings.schema.json"

BASE = """\
language: en
reference: TEST-001
title: Faster decisions on housing benefit
buyer:
  organisation: Example Council
  kind: sub_central
  contact:
    name: A. Buyer
    email: buyer@example.org
problem:
  statement: |
    Residents who apply for housing benefit wait eight weeks for a decision.
    Many phone us repeatedly to ask where their application stands.
  affected_users:
    - residents applying for housing benefit
  current_situation: In 2026 we handled 1,200 applications in SAP; the median wait was 8 weeks.
  constraints:
    - The council keeps its data; the supplier hands it over in an open format.
outcomes:
  - title: A decision within two weeks
    indicator: median waiting time from application to decision
    baseline: 8 weeks (2026)
    target: 2 weeks
    measured_by: monthly report from the case register
iteration_budget:
  iteration_weeks: 4
  iterations: 2
  per_iteration: 30000
  option_iterations: 4
consultation:
  questions:
    - How would you use the first iteration?
  session:
    when: 2027-01-15T14:00
    where: Online
  responses_due: 2027-01-29
tender:
  published: 2027-02-15
  questions_due: 2027-02-26
  submission_deadline: 2027-03-19T12:00
  award_decision: 2027-04-09
  contract_start: 2027-05-03
  evaluation:
    price_weight: 30
    criteria:
      - name: Approach to the first iteration
        weight: 40
      - name: Measuring the outcomes
        weight: 30
"""

DELETE = object()
# Twice the base budget: EUR 360,000 with options, above the sub-central threshold.
ABOVE = {"iteration_budget.per_iteration": 60000}
# Only a publication date, one that no threshold set in the legal data covers.
OUT_OF_DATE = {"consultation": DELETE, "tender.published": "2031-02-15", "tender.questions_due": DELETE,
               "tender.submission_deadline": DELETE, "tender.award_decision": DELETE,
               "tender.contract_start": DELETE}


def variant(changes: dict[str, Any]) -> str:
    """BASE with dotted paths ('outcomes.0.target') set to new values, or deleted with DELETE."""
    data = copy.deepcopy(yaml.safe_load(BASE))
    for dotted, value in changes.items():
        *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
        node = data
        for key in parents:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load(text: str, name: str = "problem.yaml") -> Loaded:
    return load_problem_text(text, name)


def codes_of(text: str, **options: Any) -> set[str]:
    return {f.code for f in run_checks(load(text), **options)}


def ignore(*codes: str) -> dict[str, Any]:
    return {"checks": {"ignore": [{"code": c, "reason": "tested on purpose"} for c in codes]}}


CASES = [
    # PRC0xx: the ignore list itself
    ("PRC001", ignore("PRC999"), True),
    ("PRC001", {**ignore("PRC301"), "iteration_budget.iteration_weeks": 10}, False),
    ("PRC001", ignore("PRC020"), True),
    ("PRC002", ignore("PRC301"), True),
    ("PRC002", {**ignore("PRC301"), "iteration_budget.iteration_weeks": 10}, False),
    # PRC1xx: problem, not solution
    ("PRC101", {"problem.statement": "We want a chatbot that answers residents' questions."}, True),
    ("PRC101", {"title": "An AI-powered service for housing benefit"}, True),
    ("PRC101", {"problem.statement": "Every application waits for a decision; apps and portals aside."}, True),
    ("PRC101", {"title": "Faster decisions on each application"}, False),
    ("PRC101", {"problem.current_situation": "Cases live in SAP and a Salesforce portal."}, False),
    ("PRC102", {"outcomes.0.title": "Chatbot answers questions"}, True),
    ("PRC102", {"outcomes.0.indicator": "share of decisions reached through the portal"}, True),
    ("PRC102", {"outcomes.0.baseline": "8 weeks with the current SAP workflow"}, False),
    ("PRC103", {"problem.constraints": ["Runs on Microsoft Azure."]}, True),
    ("PRC103", {"problem.constraints": ["Runs on Microsoft Azure or equivalent."]}, False),
    ("PRC103", {"problem.constraints": ["Data stays in a cloud within the EU."]}, False),
    ("PRC103", {"problem.constraints": ["Integrates with our existing SAP case system."]}, False),
    ("PRC103", {"language": "nl", "problem.constraints": ["Koppelt met het bestaande zaaksysteem van Centric."]},
     False),
    ("PRC103", {"language": "nl", "problem.constraints": ["Draait op Centric."]}, True),
    # PRC2xx: measurable outcomes
    ("PRC201", {"outcomes.0.target": "much faster than today"}, True),
    ("PRC201", {"outcomes.0.target": "two weeks"}, False),
    ("PRC201", {"outcomes.0.target": "at most 14 calendar days"}, False),
    ("PRC202", {"outcomes.0.baseline": "unknown"}, True),
    ("PRC202", {"outcomes.0.baseline": "none measured yet"}, True),
    ("PRC202", {"outcomes.0.baseline": "eight weeks"}, False),
    ("PRC203", {"outcomes.0.measured_by": DELETE}, True),
    ("PRC203", {"outcomes.0.measured_by": "quarterly audit of 50 cases"}, False),
    ("PRC204", {"outcomes.0.title": "Lower cost per case", "outcomes.0.indicator": "cost per case",
                "outcomes.0.target": "EUR 40", "outcomes.0.baseline": "EUR 95"}, True),
    ("PRC204", {"outcomes.0.title": "Residents are satisfied"}, False),
    # PRC3xx: short cycles
    ("PRC301", {"iteration_budget.iteration_weeks": 9}, True),
    ("PRC301", {"iteration_budget.iteration_weeks": 8}, False),
    ("PRC302", {"iteration_budget.option_iterations": 0}, True),
    ("PRC302", {"iteration_budget.option_iterations": 1}, False),
    ("PRC303", {"iteration_budget.iterations": 5, "iteration_budget.option_iterations": 4}, True),
    ("PRC303", {"iteration_budget.iterations": 4, "iteration_budget.option_iterations": 4}, False),
    ("PRC303", {"iteration_budget.option_iterations": 0}, False),
    # PRC4xx: money and procedure
    ("PRC401", {}, True),
    ("PRC401", ignore("PRC401"), False),
    ("PRC402", {**ABOVE, "tender.procedure": "multiple_private"}, True),
    ("PRC402", {**ABOVE, "tender.procedure": "open"}, False),
    ("PRC402", {"tender.procedure": "multiple_private"}, False),
    ("PRC403", {"tender.procedure": "single_private"}, True),
    ("PRC403", {"tender.procedure": "national_open"}, False),
    ("PRC403", {"tender.procedure": "open"}, False),
    ("PRC403", {"tender.procedure": "single_private", "iteration_budget.per_iteration": 5000}, False),
    ("PRC404", {"buyer.kind": DELETE}, True),
    ("PRC404", {"buyer.kind": "central"}, False),
    ("PRC404", {**ABOVE, "buyer.kind": DELETE}, False),  # at or above both thresholds: the value decides
    ("PRC404", {"buyer.kind": DELETE, "buyer.authority_type": "municipality"}, False),
    ("PRC405", {"iteration_budget.ceiling": 150000}, True),
    ("PRC405", {"iteration_budget.ceiling": 180000}, False),
    ("PRC406", OUT_OF_DATE, True),
    ("PRC406", {**OUT_OF_DATE, "tender.published": "2027-12-31"}, False),
    ("PRC407", {"iteration_budget.currency": "GBP"}, True),
    ("PRC407", {"iteration_budget.currency": "EUR"}, False),
    # PRC5xx: periods
    ("PRC501", {**ABOVE, "tender.submission_deadline": "2027-03-26"}, True),  # Aw 2.71/2.74a: 40 days
    ("PRC501", {**ABOVE, "tender.submission_deadline": "2027-03-30"}, False),
    ("PRC501", {"tender.submission_deadline": "2027-03-16"}, False),
    # deadline 2027-03-19: answers due by 2027-03-13 above the threshold
    ("PRC502", {**ABOVE, "tender.questions_due": "2027-03-10"}, True),  # Aw 2.54: 10 days
    ("PRC502", {**ABOVE, "tender.questions_due": "2027-03-09"}, False),
    ("PRC502", {"tender.questions_due": "2027-03-10"}, False),
    ("PRC507", {"tender.questions_due": "2027-03-08"}, True),
    ("PRC507", {"tender.questions_due": "2027-03-12"}, True),
    ("PRC507", {**ABOVE, "tender.questions_due": "2027-03-08"}, True),
    ("PRC507", {**ABOVE, "tender.questions_due": "2027-03-10"}, False),
    ("PRC507", {"tender.questions_due": "2027-03-05"}, False),
    ("PRC503", {"consultation.responses_due": "2027-01-28"}, True),
    ("PRC503", {"consultation.responses_due": "2027-01-29"}, False),
    ("PRC504", {"tender.published": "2027-02-11"}, True),
    ("PRC504", {"tender.published": "2027-02-12"}, False),
    ("PRC505", {**ABOVE, "tender.award_decision": "2027-04-10", "tender.contract_start": "2027-04-30"}, True),
    ("PRC505", {**ABOVE, "tender.award_decision": "2027-04-10", "tender.contract_start": "2027-05-01"}, False),
    ("PRC505", {"tender.award_decision": "2027-04-10", "tender.contract_start": "2027-04-30"}, False),
    ("PRC506", {"tender.procedure": "multiple_private", "tender.award_decision": "2027-04-10",
                "tender.contract_start": "2027-04-30"}, True),
    ("PRC506", {"tender.procedure": "multiple_private", "tender.award_decision": "2027-04-10",
                "tender.contract_start": "2027-05-01"}, False),
    ("PRC506", {**ABOVE, "tender.procedure": "multiple_private", "tender.award_decision": "2027-04-10",
                "tender.contract_start": "2027-04-30"}, False),
    ("PRC505", {**ABOVE, "tender.procedure": "multiple_private", "tender.award_decision": "2027-04-10",
                "tender.contract_start": "2027-04-30"}, True),
    ("PRC508", {"tender.award_decision": "2027-04-10", "tender.contract_start": "2027-05-03"}, True),  # Sat
    ("PRC508", {"tender.published": "2027-03-26", "tender.questions_due": "2027-03-31",
                "tender.submission_deadline": "2027-04-21", "tender.award_decision": "2027-05-04",
                "tender.contract_start": "2027-06-01"}, True),  # 26 March 2027 is Good Friday
    ("PRC508", {"consultation.session.when": "2027-04-27T10:00", "consultation.responses_due": "2027-05-12",
                "tender.published": "2027-06-01", "tender.questions_due": "2027-06-15",
                "tender.submission_deadline": "2027-07-05", "tender.award_decision": "2027-07-26",
                "tender.contract_start": "2027-08-23"}, True),  # Koningsdag
    ("PRC508", {}, False),
    ("PRC506", {"tender.procedure": "single_private", "iteration_budget.per_iteration": 5000,
                "tender.award_decision": "2027-04-10", "tender.contract_start": "2027-04-30"}, False),
    ("PRC520", {"tender.submission_deadline": "2027-03-19"}, True),
    ("PRC520", {"tender.submission_deadline": "2027-03-19T12:00"}, False),
    # PRC6xx: award
    ("PRC601", {"tender.evaluation.price_weight": 60, "tender.evaluation.criteria.0.weight": 20,
                "tender.evaluation.criteria.1.weight": 20}, True),
    ("PRC601", {"tender.evaluation.price_weight": 50, "tender.evaluation.criteria.0.weight": 25,
                "tender.evaluation.criteria.1.weight": 25}, False),
    ("PRC602", {"tender.evaluation.criteria": [{"name": "Approach", "weight": 70}]}, True),
    ("PRC602", {}, False),
    ("PRC603", {"tender.evaluation.price_weight": 20, "tender.evaluation.criteria.0.weight": 76,
                "tender.evaluation.criteria.1.weight": 4}, True),
    ("PRC603", {"tender.evaluation.price_weight": 20, "tender.evaluation.criteria.0.weight": 75,
                "tender.evaluation.criteria.1.weight": 5}, False),
    ("PRC604", {"tender.evaluation.price_weight": 10, "tender.evaluation.criteria.0.weight": 60}, True),
    ("PRC604", {"tender.evaluation.price_weight": 20, "tender.evaluation.criteria.0.weight": 50}, False),
    ("PRC604", {"tender.evaluation.price_weight": 0, "tender.evaluation.criteria.0.weight": 70}, False),
    ("PRC605", {"tender.evaluation.price_weight": 0, "tender.evaluation.criteria.0.weight": 70,
                "iteration_budget.payment": "capped_time_and_materials"}, True),
    ("PRC605", {"tender.evaluation.price_weight": 0, "tender.evaluation.criteria.0.weight": 70}, False),
]


def _with_cross_checks() -> None:
    """The cross-checks' cases (tests/test_crosschecks.py) count for the both-ways rule below."""
    from tests.test_crosschecks import CROSS_CASES

    CASES.extend(CROSS_CASES)


@pytest.mark.parametrize(("code", "changes", "fires"), CASES,
                         ids=[f"{c}-{'fires' if f else 'silent'}-{i}" for i, (c, _, f) in enumerate(CASES)])
def test_rule(code: str, changes: dict[str, Any], fires: bool) -> None:
    assert (code in codes_of(variant(changes))) is fires


def test_every_rule_has_a_case_that_fires_and_one_that_does_not() -> None:
    _with_cross_checks()
    for rule in (r for r in RULES if not r.external):
        outcomes = {fires for code, _, fires in CASES if code == rule.code}
        assert outcomes == {True, False}, rule.code


def test_the_base_problem_only_states_its_procedure() -> None:
    findings = run_checks(load(BASE))
    assert [(f.code, f.severity) for f in findings] == [("PRC401", "info")]


# --- findings: place, order, strictness, switching off -------------------------------------------


def test_a_finding_points_at_the_value_with_its_dotted_path() -> None:
    text = BASE.replace("    target: 2 weeks\n", "    target: much better\n")
    (finding,) = [f for f in run_checks(load(text, "housing.yaml")) if f.code == "PRC201"]
    line = BASE.splitlines().index("    target: 2 weeks") + 1
    assert (finding.file, finding.line, finding.column) == ("housing.yaml", line, len("    target: ") + 1)
    assert finding.field == "outcomes[0].target"
    assert finding.severity == "warning"
    assert finding.message.startswith("outcomes[0].target ")


def test_findings_are_sorted_by_line_column_and_code() -> None:
    text = variant({"title": "A chatbot for benefit", "iteration_budget.iteration_weeks": 10,
                    "iteration_budget.option_iterations": 0, "outcomes.0.target": "better"})
    findings = run_checks(load(text))
    assert findings == sorted(findings, key=lambda f: (f.file, f.line, f.column, f.code))
    assert [f.code for f in findings][:2] == ["PRC101", "PRC201"]


def test_strict_makes_warnings_errors_with_the_same_code_and_leaves_info() -> None:
    text = variant({"iteration_budget.iteration_weeks": 10})
    lenient = {f.code: f.severity for f in run_checks(load(text))}
    strict = {f.code: f.severity for f in run_checks(load(text), strict=True)}
    assert lenient == {"PRC301": "warning", "PRC401": "info"}
    assert strict == {"PRC301": "error", "PRC401": "info"}


def test_ignore_switches_a_rule_off_for_that_file_only() -> None:
    noisy = {"iteration_budget.iteration_weeks": 10}
    assert "PRC301" in codes_of(variant(noisy))
    assert codes_of(variant({**noisy, **ignore("PRC301")})) == {"PRC401"}


def test_an_ignore_without_a_reason_is_refused_by_the_loader() -> None:
    text = variant({"checks": {"ignore": [{"code": "PRC301"}]}})
    with pytest.raises(InputError):
        load(text)


def test_an_unknown_ignore_code_points_at_the_entry() -> None:
    findings = run_checks(load(variant(ignore("PRC301", "PRC399"))))
    (unknown,) = [f for f in findings if f.code == "PRC001"]
    assert unknown.field == "checks.ignore[1].code"
    assert "PRC399" in unknown.message


# --- solution words -------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("en", "a new application process", []),
    ("en", "an app, or apps", ["app", "apps"]),
    ("en", "uses machine-learning and Machine Learning", ["machine-learning"]),
    ("nl", "een AI-oplossing met SAP", ["AI", "SAP"]),
    ("nl", "sap en ai bij de lunch, een apparaat", []),
    ("en", "Slack, but slack in the process and a user-centric view", ["Slack"]),
    ("en", "SharePoint or Sharepoint", ["SharePoint"]),
    ("nl", "met kunstmatige intelligentie en generatieve AI", ["kunstmatige intelligentie", "generatieve AI"]),
    # realistic text that names no solution
    ("en", "A User-Centric Service; Citizen Centric Services", []),
    ("nl", "De Veiligheidsregio (VR) en de applicatiebeheerders", []),
    ("nl", "Mw. A.I. de Vries van team Aanvragen; een apparaat", []),
    ("en", "appendix, apply, applicants and a happy user", []),
    ("nl", "een zorg-app en een Centric-koppeling", ["app", "Centric"]),
    ("en", "VR headsets", ["VR"]),
])
def test_solution_words_match_whole_words_with_their_case_conventions(
        language: str, text: str, expected: list[str]) -> None:
    assert vocabulary(language).solutions(text) == expected


def test_a_dutch_problem_uses_the_dutch_word_list() -> None:
    text = variant({"language": "nl", "problem.statement": "We zoeken een toepassing van kunstmatige intelligentie."})
    (finding,) = [f for f in run_checks(load(text)) if f.code == "PRC101"]
    assert "'kunstmatige intelligentie'" in finding.message


def test_extra_words_extend_the_list_for_statement_and_constraints() -> None:
    text = variant({"problem.statement": "Our Suites system is slow to decide.",
                    "problem.constraints": ["Runs on Suites."]})
    assert not codes_of(text) & {"PRC101", "PRC103"}
    extended = codes_of(text, extra_words={"en": ["Suites"]})
    assert {"PRC101", "PRC103"} <= extended
    assert not codes_of(text, extra_words={"nl": ["Suites"]}) & {"PRC101", "PRC103"}
    assert {"PRC101", "PRC103"} <= codes_of(text, extra_words={"common": ["Suites"]})


def test_extra_words_for_an_unknown_language_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        run_checks(load(BASE), extra_words={"de": ["Suites"]})


def test_a_words_file_may_be_a_list_or_a_mapping(tmp_path: Path) -> None:
    listed, mapped, bad = tmp_path / "l.yaml", tmp_path / "m.yaml", tmp_path / "b.yaml"
    listed.write_text("- Suites\n- iBurgerzaken\n", encoding="utf-8")
    mapped.write_text("nl: [Suites]\ncommon: [Corsa]\n", encoding="utf-8")
    bad.write_text("de: [Suites]\n", encoding="utf-8")
    assert load_extra_words(listed) == {"common": ["Suites", "iBurgerzaken"]}
    assert load_extra_words(mapped) == {"nl": ["Suites"], "common": ["Corsa"]}
    with pytest.raises(InputError, match="mapping with keys"):
        load_extra_words(bad)


# --- output ---------------------------------------------------------------------------------------


def _many_findings() -> list[Finding]:
    text = variant({"title": "A chatbot", "outcomes.0.target": "better", "buyer.kind": DELETE,
                    "iteration_budget.iteration_weeks": 10, **ignore("PRC999")})
    return run_checks(load(text, "a.yaml")) + run_checks(load(BASE, "b.yaml"))


def test_json_output_validates_against_the_schema_in_the_repo() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    whole_file = Finding("c.yaml", 1, 1, "", "PRC010", "error", "not YAML: a tab at line 1, column 1")
    document = json.loads(checks.findings_json([*_many_findings(), whole_file]))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert {tuple(sorted(item)) for item in document} == {
        ("code", "column", "field", "file", "line", "message", "severity")}
    assert len(document) >= 6


def test_the_schema_refuses_a_finding_with_an_extra_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    item = json.loads(checks.findings_json(_many_findings()[:1]))[0]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**item, "fix": "x"}], schema)


def test_human_output_groups_by_file_and_colours_only_when_asked() -> None:
    findings = _many_findings()
    plain = checks.format_human(findings, color=False)
    blocks = plain.split("\n\n")
    assert blocks[0].splitlines()[0].startswith("a.yaml:")
    assert all(line.startswith("b.yaml:") for line in blocks[1].splitlines())
    assert re.fullmatch(r"\d+ errors?, \d+ warnings?, \d+ info in 2 files checked", blocks[-1])
    line = re.compile(r"[ab]\.yaml:\d+:\d+: PRC\d{3} (error|warning|info): .+")
    assert all(line.fullmatch(text) for block in blocks[:-1] for text in block.splitlines())
    assert "\033[" not in plain
    assert "\033[" in checks.format_human(findings, color=True)
    assert checks.format_human([], color=False) == ""


# --- the registry ---------------------------------------------------------------------------------


def test_rules_have_stable_unique_codes_in_their_families() -> None:
    codes = [r.code for r in RULES]
    assert codes == sorted(set(codes))
    assert all(re.fullmatch(r"PRC[0-6]\d\d", c) for c in codes)
    assert {r.severity for r in RULES} <= {"error", "warning", "info"}
    assert {c[3] for c in codes} == set("0123456")
    assert len({r.name for r in RULES}) == len(RULES)


def test_every_rule_explains_itself_with_sources() -> None:
    for rule in checks.list_rules():
        text = checks.explain(rule.code.lower())
        assert text.startswith(f"{rule.code} ({rule.severity}) {rule.name}: {rule.title}")
        assert len(rule.explanation) > 200 and rule.sources
        assert "{field}" in rule.message


def test_explaining_an_unknown_code_suggests_the_nearest() -> None:
    with pytest.raises(checks.UnknownRuleError, match="did you mean PRC301"):
        checks.explain("PRC31")


def test_the_rule_list_names_every_rule_once() -> None:
    text = checks.format_rule_list(checks.list_rules())
    assert [line.split()[0] for line in text.splitlines() if line.startswith("  ")] == [r.code for r in RULES]


# --- money, procedure and periods in detail ------------------------------------------------------


def _message(code: str, text: str, **options: Any) -> str:
    (finding,) = [f for f in run_checks(load(text), **options) if f.code == code]
    return finding.message


def test_the_procedure_finding_names_the_threshold_its_source_and_the_dutch_procedure() -> None:
    message = _message("PRC401", variant({"language": "nl"}))
    assert "EUR 180,000" in message and "below the EU threshold of EUR 216,000" in message
    assert "sub-central" in message and "(EU) 2025/2152" in message and "2027-02-15" in message
    assert "(meervoudig onderhandse procedure), derived from the value" in message
    above = _message("PRC401", variant({**ABOVE, "buyer.kind": "central"}))
    assert "at or above the EU threshold of EUR 140,000 for central" in above
    assert above.endswith("open procedure, derived from the value")


def test_a_buyers_own_bands_decide_what_is_too_light() -> None:
    from procure.legal import Band

    text = variant({"tender.procedure": "single_private"})
    assert "PRC403" in codes_of(text)
    generous = [Band("single_private", Decimal(200000)), Band("multiple_private", None)]
    assert "PRC403" not in codes_of(text, bands=generous)
    message = _message("PRC403", variant({"tender.procedure": "multiple_private"}),
                       bands=[Band("single_private", Decimal(20000)), Band("multiple_private", Decimal(100000))])
    assert message.startswith("tender.procedure is multiple_private, lighter than national_open")
    assert "for a maximum value of EUR 180,000" in message and "checks.ignore" in message


POLICY = {"procurement_policy": {"bands": [{"procedure": "single_private", "below": 20000},
                                           {"procedure": "multiple_private", "below": 100000}]}}


def test_the_file_sets_its_own_bands_for_the_check_and_the_documents() -> None:
    from procure.legal import decide_procedure

    chosen = variant({**POLICY, "tender.procedure": "multiple_private"})
    message = _message("PRC403", chosen)
    assert "which procurement_policy.bands give" in message
    auto = load(variant(POLICY))
    assert decide_procedure(auto.problem).code == "national_open"  # what the documents say
    assert _message("PRC401", variant(POLICY)).endswith(
        "national open procedure, derived from the value and procurement_policy.bands")
    assert "procure's example bands" in _message("PRC401", BASE)


def test_a_band_without_limit_runs_to_the_threshold() -> None:
    from procure.legal import decide_procedure

    policy = {"procurement_policy": {"bands": [{"procedure": "single_private", "below": 10000},
                                               {"procedure": "multiple_private"}]}}
    assert decide_procedure(load(variant(policy)).problem).code == "multiple_private"
    assert "PRC403" not in codes_of(variant({**policy, "tender.procedure": "multiple_private"}))
    assert "PRC403" in codes_of(variant({**policy, "tender.procedure": "single_private"}))


@pytest.mark.parametrize(("bands", "field", "words"), [
    ([{"procedure": "multiple_private", "below": 100000}, {"procedure": "single_private", "below": 50000}],
     "procurement_policy.bands[1].below", "above the previous band's limit"),
    ([{"procedure": "multiple_private"}, {"procedure": "national_open", "below": 150000}],
     "procurement_policy.bands[0]", "must be the last band"),
    ([{"procedure": "open", "below": 100000}], "procurement_policy.bands[0].procedure", ""),
    ([], "procurement_policy.bands", ""),
])
def test_policy_bands_are_validated_with_located_errors(bands: list[Any], field: str, words: str) -> None:
    with pytest.raises(InputError) as raised:
        load(variant({"procurement_policy": {"bands": bands}}))
    issues = raised.value.issues
    assert any(i.location.field == field and words in i.message for i in issues), [
        (i.location.field, i.message) for i in issues]


def test_an_unknown_policy_key_suggests_the_known_one() -> None:
    with pytest.raises(InputError, match="did you mean 'bands'"):
        load(variant({"procurement_policy": {"band": [{"procedure": "single_private"}]}}))


def test_a_restricted_procedure_needs_both_stages_before_the_deadline() -> None:
    text = variant({**ABOVE, "tender.procedure": "restricted"})
    message = _message("PRC501", text)
    assert "needs at least 65" in message  # Aw 2012: 30 for requests, 40 less 5 for tenders
    assert "30 for requests to participate + 35 for tenders" in message
    assert "2027-04-21 or later" in message


def test_periods_count_calendar_days_of_date_times() -> None:
    late = {**ABOVE, "tender.submission_deadline": "2027-03-27T09:00", "tender.questions_due": "2027-03-01"}
    early = {**late, "tender.submission_deadline": "2027-03-26T23:59"}
    assert "PRC501" not in codes_of(variant(late))
    assert "PRC501" in codes_of(variant(early))


def test_the_standstill_message_gives_the_last_day_and_the_earliest_start() -> None:
    text = variant({**ABOVE, "tender.award_decision": "2027-04-10", "tender.contract_start": "2027-04-30"})
    message = _message("PRC505", text)
    assert "20 days after the award decision" in message
    assert "runs until 2027-04-30 (a last day on a weekend or public holiday moves to the next working day): " \
           "start on 2027-05-01 or later" in message
    # A last day on a Saturday runs on to Monday (Algemene termijnenwet): 2027-04-18 + 20 = Saturday 8 May.
    later = _message("PRC505", variant({**ABOVE, "tender.award_decision": "2027-04-18",
                                        "tender.contract_start": "2027-05-09"}))
    assert "runs until 2027-05-10" in later and "start on 2027-05-11 or later" in later


def test_money_messages_show_amounts_and_shares() -> None:
    assert "(56% of the maximum value)" in _message(
        "PRC303", variant({"iteration_budget.iterations": 5, "iteration_budget.option_iterations": 4}))
    assert "only 3 of the 4 option iterations" in _message("PRC405", variant({"iteration_budget.ceiling": 150000}))


def test_codes_reported_outside_the_linter_are_listed_and_explained_but_never_run() -> None:
    external = [r for r in RULES if r.external]
    assert [r.code for r in external] == ["PRC010", "PRC011", "PRC020", "PRC021", "PRC030"]
    assert "PRC020 info    placeholder" in checks.format_rule_list(checks.list_rules())
    assert "placeholder" in checks.explain("PRC020")
    text = variant({"outcomes.0.target": "better", "iteration_budget.option_iterations": 0})
    assert not {f.code for f in run_checks(load(text))} & {r.code for r in external}


def test_questions_after_the_legal_limit_name_the_basis_and_the_dates() -> None:
    message = _message("PRC502", variant({**ABOVE, "tender.questions_due": "2027-03-15"}))
    assert message.startswith("tender.questions_due is 4 days before the submission deadline")
    assert "at least 10 days before it, by 2027-03-09" in message
    assert "Article 2.54 of the Dutch Public Procurement Act 2012" in message
    assert "close questions by 2027-03-05 or earlier" in message
    below = _message("PRC507", variant({"tender.questions_due": "2027-03-15"}))
    assert "at least 14 days before it (2027-03-05 or earlier)" in below


def test_the_legal_days_for_answers_come_from_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    from msgspec.structs import replace

    from procure import legal

    data = legal.legal_data()
    monkeypatch.setattr(legal, "legal_data", lambda: replace(data, additional_information_days=12))
    text = variant({**ABOVE, "tender.questions_due": "2027-03-08"})  # 11 days before the deadline
    assert "PRC502" in codes_of(text)


def test_the_national_standstill_rule_reads_several_bidders_from_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    from msgspec.structs import replace

    from procure import legal

    data = legal.legal_data()
    procedures = {**data.procedures, "multiple_private": replace(data.procedures["multiple_private"],
                                                                  several_bidders=False)}
    text = variant({"tender.procedure": "multiple_private", "tender.award_decision": "2027-04-10",
                    "tender.contract_start": "2027-04-30"})
    assert "PRC506" in codes_of(text)
    monkeypatch.setattr(legal, "legal_data", lambda: replace(data, procedures=procedures))
    assert "PRC506" not in codes_of(text)


def test_the_consultation_message_gives_the_earliest_publication() -> None:
    assert "(2027-02-12 or later)" in _message("PRC504", variant({"tender.published": "2027-02-11"}))


# --- policy limits as data (procure/data/check_policy.yaml) ---------------------------------------


def _raw_policy() -> dict[str, Any]:
    return yaml.safe_load((SCHEMA.parent / "check_policy.yaml").read_text(encoding="utf-8"))


def _with_policy(monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    """Replace the policy in force by the shipped one with some values changed (as if the file said so)."""
    raw = _raw_policy()
    for group, keys in policy_data.SCHEMA.items():
        for name in keys:
            if name in values:
                raw[group][name]["value"] = values[name]
    changed = policy_data.parse_check_policy(raw)
    monkeypatch.setattr(policy_data, "check_policy", lambda: changed)


def test_every_policy_limit_is_in_the_file_with_a_reason_and_a_source() -> None:
    limits = policy_data.check_policy()
    names = [name for keys in policy_data.SCHEMA.values() for name in keys]
    assert sorted(limits.entries) == sorted(names)
    for name in names:
        entry = limits.entry(name)
        assert getattr(limits, name) == entry.value
        assert len(entry.why) > 20 and len(entry.source) > 10 and "\n" not in entry.why
    assert limits.largest_first_step_share == Decimal("0.5")


def _drop(raw: dict[str, Any]) -> None:
    del raw["cycles"]["longest_short_iteration_weeks"]


@pytest.mark.parametrize(("change", "words"), [
    (_drop, "cycles lacks longest_short_iteration_weeks"),
    (lambda raw: raw["award"].pop("fewest_quality_criteria"), "award lacks fewest_quality_criteria"),
    (lambda raw: raw.pop("periods"), "the top level lacks periods"),
    (lambda raw: raw["periods"].update(grace_days={"value": 1, "why": "x", "source": "y"}),
     "periods has unknown key(s) grace_days"),
    (lambda raw: raw["periods"]["days_to_answer_questions"].pop("source"), "days_to_answer_questions lacks source"),
    (lambda raw: raw["periods"]["days_to_answer_questions"].update(why=" "), "why must be a non-empty text"),
    (lambda raw: raw["cycles"]["largest_first_step_share"].update(value=50), "share between 0 and 1"),
    (lambda raw: raw["award"]["highest_single_criterion_weight"].update(value="75"), "whole number from 0 to 100"),
    (lambda raw: raw["award"]["fewest_quality_criteria"].update(value=True), "whole number"),
    (lambda raw: raw.update(schema=2), "schema must be 1"),
])
def test_a_broken_policy_file_is_a_clear_error_naming_the_key(change: Any, words: str) -> None:
    raw = _raw_policy()
    change(raw)
    with pytest.raises(policy_data.CheckPolicyError, match=re.escape(words)) as caught:
        policy_data.parse_check_policy(raw)
    assert "check_policy.yaml" in str(caught.value)


def test_a_missing_policy_key_fails_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped file goes through the same checks: with a key removed from it, the linter stops."""
    import importlib.resources

    raw = _raw_policy()
    _drop(raw)
    real_files = importlib.resources.files

    class Broken:
        def read_text(self, encoding: str) -> str:
            return yaml.safe_dump(raw)

    class Package:
        def __init__(self, package: str) -> None:
            self.real = real_files(package)

        def joinpath(self, *parts: str) -> Any:
            return Broken() if parts[-1] == "check_policy.yaml" else self.real.joinpath(*parts)

    policy_data.check_policy.cache_clear()
    monkeypatch.setattr(importlib.resources, "files", Package)
    try:
        with pytest.raises(policy_data.CheckPolicyError, match="cycles lacks longest_short_iteration_weeks"):
            run_checks(load(BASE))
        with pytest.raises(policy_data.CheckPolicyError):
            checks.explain("PRC301")
    finally:
        policy_data.check_policy.cache_clear()


def test_the_policy_file_is_read_once_per_process() -> None:
    assert policy_data.check_policy() is policy_data.check_policy()


def test_the_rules_apply_the_limits_in_the_policy_file(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not codes_of(BASE) & {"PRC301", "PRC303", "PRC503", "PRC504", "PRC602", "PRC603", "PRC604"}
    _with_policy(monkeypatch, longest_short_iteration_weeks=3, largest_first_step_share=0.2,
                 shortest_fair_consultation_days=15, days_to_process_consultation=20,
                 fewest_quality_criteria=3, highest_single_criterion_weight=35, lowest_telling_price_weight=35)
    findings = {f.code: f.message for f in run_checks(load(BASE))}
    assert "keep iterations at 3 weeks or less" in findings["PRC301"]
    assert "fewer than 3 quality criteria (2): use at least 3" in findings["PRC602"]
    assert "one criterion above 35" in findings["PRC603"]
    assert "give price at least 35" in findings["PRC604"]
    assert {"PRC303", "PRC503", "PRC504"} <= set(findings)


def test_the_question_margin_comes_from_the_policy_file(monkeypatch: pytest.MonkeyPatch) -> None:
    text = variant({"tender.questions_due": "2027-03-04"})  # 15 days before the deadline
    assert "PRC507" not in codes_of(text)
    _with_policy(monkeypatch, days_to_answer_questions=6)  # 10 + 6 = 16 days
    assert "at least 16 days before it (2027-03-03 or earlier)" in _message("PRC507", text)


# --- explanations state the numbers in force --------------------------------------------------------


def _explained(code: str) -> str:
    """The explanation of ``code`` with its line breaks undone (numbers change where lines wrap)."""
    return " ".join(checks.explain(code).split())


def test_explanations_state_the_numbers_of_the_data_in_force() -> None:
    from procure.legal import legal_data

    data, limits = legal_data(), policy_data.check_policy()
    items = [" ".join(item.split()) for item in checks.explain("PRC501").split("\n- ")]  # unwrapped list items
    for procedure in data.procedures.values():
        if procedure.european:
            line = next(t for t in items if t.startswith(f"{procedure.name.en}:"))
            for days in (procedure.min_request_days, procedure.min_submission_days,
                         procedure.min_submission_days_electronic):
                assert days is None or f"{days} " in line, (procedure.code, line)
    answers = f"{data.additional_information_days} days before the deadline"
    assert answers in _explained("PRC502") and answers in _explained("PRC507")
    closing = data.additional_information_days + limits.days_to_answer_questions
    assert f"at least {closing} days before the deadline" in _explained("PRC507")
    for code in ("PRC505", "PRC506"):
        assert f"at least {data.standstill_days} calendar days" in _explained(code)
    assert f"longer than {limits.longest_short_iteration_weeks} weeks" in _explained("PRC301")
    assert f"more than {int(limits.largest_first_step_share * 100)}%" in _explained("PRC303")
    assert f"at least {limits.shortest_fair_consultation_days} days" in _explained("PRC503")
    assert f"at least {limits.days_to_process_consultation} days" in _explained("PRC504")
    assert f"Fewer than {limits.fewest_quality_criteria} quality" in _explained("PRC602")
    assert f"more than {limits.highest_single_criterion_weight}" in _explained("PRC603")
    assert f"less than {limits.lowest_telling_price_weight}" in _explained("PRC604")


def test_explanations_follow_the_data_when_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No number of the law or the policy is written into a rule's text: change the data, the text follows."""
    from msgspec.structs import replace

    from procure import legal

    data = legal.legal_data()
    procedures = {**data.procedures, "open": replace(data.procedures["open"], min_submission_days=41,
                                                     min_submission_days_electronic=36)}
    changed = replace(data, procedures=procedures, standstill_days=23, additional_information_days=7)
    monkeypatch.setattr(legal, "legal_data", lambda: changed)
    _with_policy(monkeypatch, days_to_answer_questions=5, shortest_fair_consultation_days=17,
                 days_to_process_consultation=19, longest_short_iteration_weeks=7)
    assert "- open procedure: tenders 41 days (36 when submitted electronically)" in _explained("PRC501")
    standstill = _explained("PRC505")
    assert "at least 23 calendar days" in standstill and "the Netherlands chose 23 days" in standstill
    assert "10 April 2027 runs until 3 May, and the earliest start is 4 May" in standstill
    assert "at least 23 calendar days" in _explained("PRC506")
    questions = _explained("PRC507")
    assert "at least 12 days before the deadline: the 7 days" in questions and "plus 5 to answer" in questions
    assert "at least 7 days before the deadline for tenders" in _explained("PRC502")
    assert "at least 17 days" in _explained("PRC503") and "at least 19 days" in _explained("PRC504")
    assert checks.get_rule("PRC301").title == "An iteration is longer than 7 weeks"
    for code in ("PRC501", "PRC502", "PRC505", "PRC506", "PRC507"):
        text = _explained(code)
        for stale in (" 20 ", " 35 ", " 6 days", " six ", " 4 days", " four ", " 14 days"):
            assert stale not in text, (code, stale)


def test_explanations_are_wrapped_after_the_numbers_are_filled_in() -> None:
    for rule in checks.list_rules():
        for line in rule.explanation.splitlines():
            assert len(line) <= 76 or line.startswith("  "), (rule.code, line)


# --- --words files that cannot be used --------------------------------------------------------------


def _words_issue(path: Path) -> Any:
    with pytest.raises(InputError) as caught:
        load_extra_words(path)
    [issue] = caught.value.issues
    assert issue.location.file == str(path) and "\n" not in issue.message
    return issue


def test_a_words_file_that_is_not_a_regular_file_is_refused_unread(tmp_path: Path) -> None:
    assert "not a regular file" in _words_issue(tmp_path).message
    if Path("/dev/zero").exists():
        assert "not a regular file" in _words_issue(Path("/dev/zero")).message  # would read until memory ran out
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "words.fifo"
        os.mkfifo(fifo)
        assert "not a regular file" in _words_issue(fifo).message  # opening it would block


def test_a_words_file_that_cannot_be_read_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "cannot read the words file (No such file or directory)" in _words_issue(tmp_path / "none.yaml").message
    words = tmp_path / "words.yaml"
    words.write_text("- Suites\n", encoding="utf-8")

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    assert "cannot read the words file (Permission denied); check the path" in _words_issue(words).message


def test_a_words_file_is_read_up_to_a_bounded_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from procure.checks import vocabulary as vocabulary_module

    words = tmp_path / "words.yaml"
    words.write_bytes(b"- Suites\n" + b"#" * 100)
    monkeypatch.setattr(vocabulary_module, "MAX_WORDS_FILE_BYTES", 100)
    assert "larger than" in _words_issue(words).message
    monkeypatch.setattr(vocabulary_module, "MAX_WORDS_FILE_BYTES", 109)
    assert load_extra_words(words) == {"common": ["Suites"]}
    assert vocabulary_module.MAX_WORDS_FILE_BYTES == 109


def test_the_words_file_limit_is_one_mib() -> None:
    from procure.checks.vocabulary import MAX_WORDS_FILE_BYTES

    assert MAX_WORDS_FILE_BYTES == 1024 * 1024


@pytest.mark.parametrize(("text", "line", "column", "words"), [
    ("nl: [Suites\nen: [x]\n", 2, 3, "not valid YAML: while parsing a flow sequence, did not find expected ',' or ']'"),
    ("- Suites\n- 'open\n", 3, 1, "not valid YAML: while scanning a quoted scalar, found unexpected end of stream"),
    ("- Suites\n\t- tab\n", 2, 1, "not valid YAML"),
])
def test_a_words_file_with_a_yaml_error_is_located(tmp_path: Path, text: str, line: int, column: int,
                                                    words: str) -> None:
    path = tmp_path / "words.yaml"
    path.write_text(text, encoding="utf-8")
    issue = _words_issue(path)
    assert (issue.location.line, issue.location.column) == (line, column)
    assert words in issue.message


def test_a_words_file_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "words.yaml"
    path.write_bytes(b"- Suites\n- caf\xe9\n")
    issue = _words_issue(path)
    assert (issue.location.line, issue.location.column) == (2, 6)
    assert "not valid UTF-8 here (byte 0xE9)" in issue.message
