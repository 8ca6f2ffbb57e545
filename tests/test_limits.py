"""Sizes no procurement needs are refused where they stand; a very large valid file still renders.

(Speed is measured by benchmarks/many_outcomes.py, which prints figures; nothing here is timed.)
"""

from __future__ import annotations

import zipfile

import pytest

from procure import docx_oxml as ox
from procure.errors import InputError
from procure.loader import load_problem_text
from tests.test_cli import MINIMAL

CASES = {
    "title": (MINIMAL.replace("title: Faster answers", "title: " + "x" * 301), (3, "title"), "at most 300"),
    "outcome title": (MINIMAL.replace("  - title: Quick decisions", "  - title: " + "z" * 301),
                      (13, "outcomes[0].title"), "at most 300"),
    "organisation": (MINIMAL.replace("organisation: Test Agency", "organisation: " + "o" * 301),
                     (5, "buyer.organisation"), "at most 300"),
    "statement": (MINIMAL.replace("statement: Applicants wait too long.", "statement: " + "y" * 20_001),
                  (10, "problem.statement"), "at most 20,000"),
    "affected users": (MINIMAL.replace("affected_users: [applicants]",
                                       "affected_users: [" + ", ".join(["a"] * 1001) + "]"),
                       (11, "problem.affected_users"), "at most 1,000"),
}


@pytest.mark.parametrize("text,where,message", list(CASES.values()), ids=list(CASES))
def test_oversized_values_are_refused_at_their_field(text: str, where: tuple[int, str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_problem_text(text, "p.yaml")
    issue = caught.value.issues[0]
    assert (issue.location.line, issue.location.field) == where
    assert message in issue.message


def test_limits_allow_what_a_large_procurement_needs() -> None:
    text = MINIMAL.replace("title: Faster answers", "title: " + "x" * 300).replace(
        "statement: Applicants wait too long.", "statement: " + "y" * 20_000)
    load_problem_text(text, "p.yaml")


def many_outcomes(count: int) -> str:
    head, _, _ = MINIMAL.partition("outcomes:\n")
    budget = MINIMAL[MINIMAL.index("iteration_budget:"):]
    rows = "".join(f"  - {{title: Outcome {n}, indicator: days, baseline: 40 days, target: 10 days}}\n"
                   for n in range(count))
    return head + "outcomes:\n" + rows + budget


def test_ten_thousand_outcomes_are_valid_and_ten_thousand_and_one_are_not() -> None:
    assert len(load_problem_text(many_outcomes(10_000), "p.yaml").problem.outcomes) == 10_000
    with pytest.raises(InputError, match="at most 10,000"):
        load_problem_text(many_outcomes(10_001), "p.yaml")


def test_a_large_pack_renders_every_outcome(tmp_path) -> None:
    """The linear lay-out keeps every row, in order (1,000 outcomes here; the benchmark does 10,000)."""
    from procure.build import BuildOptions, build_pack

    source = tmp_path / "big.yaml"
    source.write_text(many_outcomes(1000), encoding="utf-8")
    result = build_pack(source, BuildOptions(out_dir=tmp_path / "out", kinds=("tender",)))
    assert result.ok, result.issues
    body = zipfile.ZipFile(result.documents[0].path).read("word/document.xml").decode()
    positions = [body.index(f">Outcome {n}<") for n in (0, 1, 500, 999)]
    assert positions == sorted(positions)
    assert body.count("xmlns:w=") == 1  # the content uses the document's declarations, never its own
