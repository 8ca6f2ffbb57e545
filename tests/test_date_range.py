"""Dates at the calendar's edges: refused by the loader, and date arithmetic that cannot overflow."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from procure.checks.periods import shift
from procure.cli import cli
from procure.errors import InputError
from procure.loader import load_problem_text
from tests.test_cli import MINIMAL, assert_no_traceback, write


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1989-12-31", "2201-01-01", "9999-12-31T23:59:59",
                                   "0001-01-01T00:00:00+14:00"])
def test_a_date_outside_1990_to_2200_is_refused_where_it_stands(value: str) -> None:
    with pytest.raises(InputError) as caught:
        load_problem_text(MINIMAL + f"tender:\n  award_decision: {value}\n", "p.yaml")
    issue = caught.value.issues[0]
    assert (issue.location.line, issue.location.field) == (22, "tender.award_decision")
    assert "outside 1990 to 2200" in issue.message


@pytest.mark.parametrize("value", ["1990-01-01", "2200-12-31"])
def test_the_ends_of_the_range_are_accepted(value: str) -> None:
    load_problem_text(MINIMAL + f"tender:\n  award_decision: {value}\n", "p.yaml")


@pytest.mark.parametrize("command", ["check", "render"])
def test_edge_dates_give_a_located_message_not_a_crash(tmp_path, command: str) -> None:
    text = MINIMAL + "consultation:\n  responses_due: 0001-01-01\ntender:\n  award_decision: 9999-12-31\n"
    args = [command, str(write(tmp_path, text))] + (["-o", str(tmp_path / "out")] if command == "render" else [])
    result = CliRunner().invoke(cli, args)
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert "problem.yaml:22" in result.output and "problem.yaml:24" in result.output
    assert "template" not in result.output


def test_date_arithmetic_holds_at_the_calendar_ends() -> None:
    assert shift(date(9999, 12, 30), 20) == date.max
    assert shift(date(1, 1, 2), -20) == date.min
    assert shift(date(2027, 1, 1), 14) == date(2027, 1, 15)


def test_the_period_rules_run_on_edge_dates_without_crashing() -> None:
    """The rules themselves (given a problem built past the loader) never overflow."""
    from procure.checks import run_checks
    from procure.loader import load_problem_text as load

    loaded = load(MINIMAL + "tender:\n  published: 2027-01-01\n  submission_deadline: 2027-01-05\n"
                  "  award_decision: 2027-01-10\n  contract_start: 2027-01-12\n", "p.yaml")
    tender = loaded.problem.tender.model_copy(update={
        "published": date(1, 1, 1), "submission_deadline": date(1, 1, 2),
        "award_decision": date(9999, 12, 30), "contract_start": date(9999, 12, 31)})
    problem = loaded.problem.model_copy(update={"tender": tender})
    findings = run_checks(type(loaded)(problem, loaded.source, []))
    assert isinstance(findings, list)
