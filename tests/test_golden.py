"""Golden files: each example's rendered Markdown and a normalised dump of each .docx.

A template or renderer change shows up here as a readable diff. After a change
you mean, regenerate with ``python -m pytest tests/test_golden.py --update-golden``
and review the diff of tests/golden/ like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from procure.build import KINDS, BuildOptions, build_document
from procure.dump import dump_docx
from procure.loader import load_problem

GOLDEN = Path(__file__).parent / "golden"


def _compare(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no golden file {path.name}: run pytest tests/test_golden.py --update-golden"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs: review, then regenerate with --update-golden"


@pytest.mark.parametrize("kind", KINDS)
def test_example_matches_golden(example: Path, kind: str, request: pytest.FixtureRequest) -> None:
    update = bool(request.config.getoption("--update-golden"))
    rendered = build_document(load_problem(example), kind, BuildOptions())
    _compare(GOLDEN / example.stem / f"{kind}.md", rendered.markdown, update)
    _compare(GOLDEN / example.stem / f"{kind}.docx.txt", dump_docx(rendered.data), update)
