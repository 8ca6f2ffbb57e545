"""The cross-checks (procure/checks/crosschecks.py): each fires on a file made to trigger it and stays
silent on a near miss. The cases join tests/test_checks.py's table, which demands both for every rule."""

from __future__ import annotations

from typing import Any

import pytest

from procure.build import render_markdown
from procure.checks import run_checks
from tests.test_checks import DELETE, load, variant

EXIT = {"exit_support": {"hours": 10, "max_rate": 100}}

CROSS_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("PRC104", {"problem.constraints": ["Everything users see meets WCAG 2.2 at level AA."]}, True),
    ("PRC104", {"problem.constraints": ["Personal data is processed under the GDPR only in the EU."]}, True),
    ("PRC104", {"problem.constraints": ["The council keeps its data in the Netherlands."]}, False),
    ("PRC104", {"problem.constraints": ["Biometric data is never used."]}, False),  # 'bio' as a word only
    ("PRC205", {"outcomes.0.measured_by": "yearly residents' survey"}, True),
    ("PRC205", {"outcomes.0.measured_by": "quarterly audit of 50 cases"}, True),
    ("PRC205", {"outcomes.0.measured_by": "quarterly audit of 50 cases",
                "outcomes.0.leading_indicator": "waiting time of the cases handled in the iteration"}, False),
    ("PRC205", {"outcomes.0.measured_by": "yearly survey",
                "outcomes.0.leading_indicator": "a signal per iteration"}, True),  # beyond the whole contract
    ("PRC205", {"outcomes.0.measured_by": "monthly report, and a yearly survey"}, False),
    ("PRC304", {"iteration_budget.option_iterations": 0}, True),
    ("PRC304", {"iteration_budget.option_iterations": 0, "contract": {"minimum_iterations": 1}}, False),
    ("PRC304", {"iteration_budget.option_iterations": 0, "iteration_budget.iterations": 1}, False),
    ("PRC408", {"iteration_budget.ceiling": 200000}, True),
    ("PRC408", {"iteration_budget.ceiling": 181000, "contract": EXIT}, False),
    ("PRC408", {"iteration_budget.ceiling": 180000}, False),
    ("PRC409", {"iteration_budget.ceiling": 60000, "contract": EXIT}, True),
    ("PRC409", {"iteration_budget.ceiling": 61000, "contract": EXIT}, False),
    ("PRC410", {"iteration_budget.per_iteration": 900}, True),
    ("PRC410", {"iteration_budget.per_iteration": 5000}, True),  # less than one person for four weeks
    ("PRC410", {"iteration_budget.per_iteration": 7200}, False),
    ("PRC509", {"tender.published": DELETE}, True),
    ("PRC509", {}, False),
]


@pytest.mark.parametrize(("code", "changes", "fires"), CROSS_CASES,
                         ids=[f"{c}-{'fires' if f else 'silent'}-{i}" for i, (c, _, f) in enumerate(CROSS_CASES)])
def test_cross_check(code: str, changes: dict[str, Any], fires: bool) -> None:
    assert (code in {f.code for f in run_checks(load(variant(changes)))}) is fires


def test_the_latest_publication_date_counts_back_the_legal_period_and_the_questions() -> None:
    national = run_checks(load(variant({"tender.published": DELETE})))
    (finding,) = [f for f in national if f.code == "PRC509"]
    assert "by 2027-02-25 (before the questions close)" in finding.message  # no legal minimum below
    above = {"iteration_budget.per_iteration": 60000, "tender.published": DELETE,
             "tender.questions_due": DELETE}
    (european,) = [f for f in run_checks(load(variant(above))) if f.code == "PRC509"]
    assert "legal minimum" in european.message


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_buyers_constraint_replaces_the_generic_bullet_on_its_subject(language: str) -> None:
    own = "Everything users see meets WCAG 2.2 at level AA."
    markdown = render_markdown(load(variant({"language": language, "problem.constraints": [own]})), "tender")
    assert "WCAG 2\\.2" in markdown and "WCAG 2.1" not in markdown  # never two versions side by side
    assert "BIO" in markdown  # the other generic bullets stay
    plain = render_markdown(load(variant({"language": language})), "tender")
    assert "WCAG 2.1" in plain
