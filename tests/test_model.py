"""The models on their own: built from Python data, as the loader and library users do."""

from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from procure.model import (
    FORBIDDEN_CHARS,
    Contact,
    IterationBudget,
    Problem,
    is_before,
    rule_violations,
    show,
)

BASE: dict[str, Any] = {
    "language": "en",
    "reference": "T-1",
    "title": "Faster decisions",
    "buyer": {"organisation": "Example Council", "contact": {"name": "A. Buyer", "email": "buyer@example.org"}},
    "problem": {"statement": "Residents wait.", "affected_users": ["residents"]},
    "outcomes": [{"title": "Fast", "indicator": "median wait", "baseline": "8 weeks", "target": "2 weeks"}],
    "iteration_budget": {"iteration_weeks": 6, "iterations": 3, "per_iteration": 45000},
}


def with_(**changes: Any) -> dict[str, Any]:
    """BASE with top-level keys replaced; ``iteration_budget`` changes merge into the base budget."""
    data = copy.deepcopy(BASE)
    budget = changes.pop("budget", None)
    if budget:
        data["iteration_budget"].update(budget)
    data.update(changes)
    return data


def errors(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        Problem.model_validate(data)
    return [(tuple(e["loc"]), e["msg"]) for e in caught.value.errors()]


def test_base_is_valid_and_frozen() -> None:
    problem = Problem.model_validate(BASE)
    assert problem.schema_version == 1
    assert problem.iteration_budget.currency == "EUR"
    assert problem.iteration_budget.payment == "fixed_per_iteration"
    with pytest.raises(ValidationError):
        problem.title = "Other"  # type: ignore[misc]


def test_derived_values() -> None:
    problem = Problem.model_validate(with_(budget={"option_iterations": 5}))
    assert problem.initial_commitment == Decimal("135000")
    assert problem.maximum_value == Decimal("360000")
    assert problem.initial_duration_weeks == 18
    assert problem.option_duration_weeks == 30
    assert problem.maximum_duration_weeks == 48


def test_ceiling_is_the_maximum_value_when_given() -> None:
    problem = Problem.model_validate(with_(budget={"option_iterations": 5, "ceiling": 200000}))
    assert problem.maximum_value == Decimal("200000")
    assert problem.initial_commitment == Decimal("135000")


def test_unknown_keys_are_refused() -> None:
    assert errors(with_(titel="x")) == [(("titel",), "Extra inputs are not permitted")]


def test_rule3_message_states_the_sum() -> None:
    assert errors(with_(budget={"ceiling": 100000})) == [
        (
            ("iteration_budget", "ceiling"),
            "must be at least 3 * 45000 = 135000 (iterations * per_iteration); "
            "raise the ceiling or lower per_iteration",
        )
    ]


def test_rule3_runs_even_when_another_budget_field_is_wrong() -> None:
    found = errors(with_(budget={"ceiling": 100000, "iteration_weeks": 0}))
    assert [loc for loc, _ in found] == [("iteration_budget", "iteration_weeks"), ("iteration_budget", "ceiling")]


@pytest.mark.parametrize("weeks", [0, 14, -1])
def test_rule2_iteration_weeks_out_of_range(weeks: int) -> None:
    [(loc, message)] = errors(with_(budget={"iteration_weeks": weeks}))
    assert loc == ("iteration_budget", "iteration_weeks")
    assert message.startswith(f"must be 1 to 13 weeks, not {weeks}:")


@pytest.mark.parametrize("weeks", [1, 13])
def test_rule2_iteration_weeks_bounds_are_allowed(weeks: int) -> None:
    assert Problem.model_validate(with_(budget={"iteration_weeks": weeks})).iteration_budget.iteration_weeks == weeks


@pytest.mark.parametrize(
    ("value", "shown"), [(12.5, "12.5"), (Decimal("12.5"), "12.5"), (True, "true"), ("12", "'12'")]
)
def test_rule4_weights_must_be_whole_numbers(value: Any, shown: str) -> None:
    tender = {"evaluation": {"price_weight": value, "criteria": [{"name": "Approach", "weight": 80}]}}
    assert errors(with_(tender=tender)) == [
        (("tender", "evaluation", "price_weight"), f"must be a whole number, like 4; {shown} is not")
    ]


def test_rule4_price_only_evaluation() -> None:
    problem = Problem.model_validate(with_(tender={"evaluation": {"price_weight": 100}}))
    assert problem.tender is not None and problem.tender.evaluation is not None
    assert problem.tender.evaluation.criteria == []


def test_rule4_criterion_weight_range() -> None:
    tender = {"evaluation": {"price_weight": 100, "criteria": [{"name": "Nothing", "weight": 0}]}}
    [(loc, message)] = errors(with_(tender=tender))
    assert loc == ("tender", "evaluation", "criteria", 0, "weight")
    assert message == "must be 1 to 100 (a percentage), not 0; drop a criterion that weighs nothing"


def test_rule5_violation_across_blocks_is_unpacked_by_rule_violations() -> None:
    consultation = {"questions": ["Q?"], "responses_due": date(2027, 3, 1)}
    data = with_(consultation=consultation, tender={"published": date(2027, 2, 1)})
    with pytest.raises(ValidationError) as caught:
        Problem.model_validate(data)
    [error] = caught.value.errors()
    assert error["loc"] == ("tender",)
    violations = rule_violations(error)
    assert violations is not None
    [(relative, message)] = violations
    assert relative == ("published",)
    assert message.startswith("must be after consultation.responses_due (2027-03-01);")
    assert rule_violations({"type": "missing"}) is None


def test_rule5_a_failed_earlier_date_is_skipped_not_compared() -> None:
    tender = {"published": "not a date", "questions_due": date(2027, 2, 1), "submission_deadline": date(2027, 1, 1)}
    found = errors(with_(tender=tender))
    assert [loc for loc, _ in found] == [("tender", "published"), ("tender", "submission_deadline")]
    assert found[0][1] == "must be a date like 2027-01-15 or a date-time like 2027-01-15T14:00; 'not a date' is not"


def test_rule6_reference_pattern() -> None:
    for good in ("A", "ZV-2027-004", "a.b_c-9", "x" * 64):
        assert Problem.model_validate(with_(reference=good)).reference == good
    for bad in ("-x", ".x", "a b", "x" * 65, "ä1", "a/b"):
        [(loc, message)] = errors(with_(reference=bad))
        assert loc == ("reference",)
        assert message.startswith(f"'{bad}' cannot be used")


def test_rule7_control_characters_refused_when_built_directly() -> None:
    assert errors(with_(title="Fast\x07er")) == [
        (
            ("title",),
            "contains the control character U+0007 at position 5, which a Word document cannot hold; remove it",
        )
    ]


def test_rule7_tab_newline_and_unicode_are_fine() -> None:
    title = "Tab\there\nand 😀 مرحبا"
    assert Problem.model_validate(with_(title=title)).title == title


def test_forbidden_chars_are_exactly_what_xml_and_yaml_refuse() -> None:
    allowed = {"\t", "\n", "\r", "\x85"}
    for code in range(0x00, 0xA0):
        char = chr(code)
        should_refuse = (code < 0x20 or 0x7F <= code <= 0x9F) and char not in allowed
        assert bool(FORBIDDEN_CHARS.search(char)) is should_refuse, hex(code)
    assert FORBIDDEN_CHARS.search("\ufffe") and FORBIDDEN_CHARS.search("\ud800")


def test_text_is_stripped_and_line_endings_normalised() -> None:
    block = {"statement": "a\r\nb\rc\n", "affected_users": ["x"]}
    problem = Problem.model_validate(with_(title="  Fast \r\n", problem=block))
    assert problem.title == "Fast"
    assert problem.problem.statement == "a\nb\nc"


def test_blank_optional_text_is_absent_and_blank_required_text_is_empty() -> None:
    contact = Contact.model_validate({"name": "A", "email": "a@example.org", "phone": "  "})
    assert contact.phone is None
    with pytest.raises(ValidationError) as caught:
        Contact.model_validate({"name": " \n ", "email": "a@example.org"})
    assert caught.value.errors()[0]["msg"] == "is empty; write a value here"


def test_empty_optional_lists_are_empty() -> None:
    block = {"statement": "s", "affected_users": ["u"], "evidence": None, "constraints": None}
    problem = Problem.model_validate(with_(problem=block, cpv_codes=None))
    assert problem.problem.evidence == [] and problem.cpv_codes == []


def test_required_list_items_must_not_be_blank() -> None:
    found = errors(with_(problem={"statement": "s", "affected_users": ["  "]}))
    assert found == [(("problem", "affected_users", 0), "is empty; write a value here")]


@pytest.mark.parametrize("email", ["inkoop@example.nl", "a.b+tag@sub.example.co.uk", "x@xn--bcher-kva.example"])
def test_valid_emails(email: str) -> None:
    assert Contact.model_validate({"name": "A", "email": email}).email == email


@pytest.mark.parametrize(
    "email", ["inkoop", "inkoop@", "@example.nl", "a@b", "a@@example.nl", "a b@example.nl", "a@example..nl", "a.@x.nl"]
)
def test_invalid_emails(email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Contact.model_validate({"name": "A", "email": email})
    assert caught.value.errors()[0]["msg"] == f"'{email}' is not an e-mail address; write one like inkoop@example.nl"


def test_cpv_code_format() -> None:
    codes = ["72000000-5", "48000000-8"]
    assert Problem.model_validate(with_(cpv_codes=codes)).cpv_codes == codes
    found = errors(with_(cpv_codes=["72000000-5", "72000000", "7200000-5"]))
    assert [loc for loc, _ in found] == [("cpv_codes", 1), ("cpv_codes", 2)]
    assert found[0][1].startswith("'72000000' is not a CPV code;")
    assert errors(with_(cpv_codes=[72000000]))[0][1] == "Input should be a valid string"


def test_currency_code() -> None:
    assert Problem.model_validate(with_(budget={"currency": "USD"})).iteration_budget.currency == "USD"
    [(loc, message)] = errors(with_(budget={"currency": "eur"}))
    assert message == "'eur' is not an ISO 4217 currency code; write three capital letters, like EUR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (45000, Decimal("45000")),
        (Decimal("45000.50"), Decimal("45000.50")),
        ("45000.5", Decimal("45000.5")),
        (0.5, Decimal("0.5")),
    ],
)
def test_amounts_accepted(value: Any, expected: Decimal) -> None:
    budget = IterationBudget.model_validate({"iteration_weeks": 2, "iterations": 1, "per_iteration": value})
    assert budget.per_iteration == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be more than 0; 0 is not"),
        (-5, "must be more than 0; -5 is not"),
        (
            Decimal("45.000"),
            "45.000 has more than two decimals; write the amount without thousands separators, "
            "like 45000 or 45000.50",
        ),
        (
            "€ 45.000",
            "must be a plain number, like 45000 (no currency sign, no thousands separators); '€ 45.000' is not",
        ),
        (True, "must be an amount, like 45000; true/false is not"),
        (float("inf"), "must be a finite amount, like 45000"),
    ],
)
def test_amounts_refused(value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        IterationBudget.model_validate({"iteration_weeks": 2, "iterations": 1, "per_iteration": value})
    assert caught.value.errors()[0]["msg"] == message


def test_date_time_strings_are_parsed() -> None:
    consultation = {"questions": ["Q?"], "session": {"when": "2027-01-15T14:00"}, "responses_due": "2027-01-29"}
    problem = Problem.model_validate(with_(consultation=consultation))
    assert problem.consultation is not None and problem.consultation.session is not None
    assert problem.consultation.session.when == datetime(2027, 1, 15, 14, 0)
    assert problem.consultation.responses_due == date(2027, 1, 29)


def test_impossible_dates_are_refused() -> None:
    [(loc, message)] = errors(with_(tender={"published": "2027-02-30"}))
    assert loc == ("tender", "published")
    assert message == "'2027-02-30' is not a real date; check day and month"


def test_is_before() -> None:
    assert is_before(date(2027, 1, 1), date(2027, 1, 2))
    assert not is_before(date(2027, 1, 2), date(2027, 1, 2))
    assert is_before(datetime(2027, 1, 2, 9), datetime(2027, 1, 2, 10))
    assert not is_before(datetime(2027, 1, 2, 9), date(2027, 1, 2))
    assert not is_before(date(2027, 1, 2), datetime(2027, 1, 2, 23))
    assert is_before(datetime(2027, 1, 1, 23), date(2027, 1, 2))
    aware = datetime(2027, 1, 2, 9, tzinfo=timezone.utc)
    assert not is_before(aware, datetime(2027, 1, 2, 23))  # naive and aware: by calendar day


def test_show() -> None:
    assert show(Decimal("1E+3")) == "1000"
    assert show(datetime(2027, 1, 15, 14, 0)) == "2027-01-15T14:00"
    assert show(datetime(2027, 1, 15, 14, 0, 5)) == "2027-01-15T14:00:05"
    assert show(date(2027, 1, 15)) == "2027-01-15"


def test_schema_version_other_than_1_is_refused() -> None:
    assert errors(with_(schema_version=2)) == [
        (("schema_version",), "this version of procure reads schema_version 1, not 2; write 1")
    ]


def test_checks_extension() -> None:
    checks = {"ignore": [{"code": "PRC101", "reason": "Agreed with legal on 3 March."}]}
    problem = Problem.model_validate(with_(checks=checks))
    assert problem.checks is not None and problem.checks.ignore[0].code == "PRC101"
    found = errors(with_(checks={"ignore": [{"code": "X1", "reason": " "}]}))
    assert found == [
        (("checks", "ignore", 0, "code"), "'X1' is not a check code; write one like PRC101"),
        (("checks", "ignore", 0, "reason"), "is empty; write a value here"),
    ]


def test_json_schema_can_be_generated() -> None:
    schema = Problem.model_json_schema()
    required = {"language", "reference", "title", "buyer", "problem", "outcomes", "iteration_budget"}
    assert set(schema["required"]) == required
