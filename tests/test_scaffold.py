"""The starters `procure init` writes: valid as written, and valid with their optional blocks switched on."""

from __future__ import annotations

import re

import pytest

from procure.loader import load_problem_text
from procure.scaffold import problem_json_schema, starter_text

#: Commented-out optional keys in the starters, with their nested lines.
COMMENTED = re.compile(r"^# (procurement_policy:|  bands:|    - procedure|      below|checks:|  ignore:|    - code|"
                       r"      reason)|^  # (general_terms:)", re.M)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_starter_loads_without_warnings(language: str) -> None:
    loaded = load_problem_text(starter_text(language), f"{language}.yaml")
    assert loaded.problem.language == language
    assert loaded.warnings == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_optional_blocks_a_starter_shows_are_valid_when_switched_on(language: str) -> None:
    text = COMMENTED.sub(lambda m: ("  " if m.group(2) else "") + (m.group(1) or m.group(2)), starter_text(language))
    problem = load_problem_text(text, f"{language}.yaml").problem
    assert problem.procurement_policy is not None and problem.checks is not None
    assert problem.tender is not None and problem.tender.general_terms


def test_json_schema_describes_every_top_level_key() -> None:
    schema = problem_json_schema()
    assert {"language", "reference", "procurement_policy", "checks", "cpv_codes"} <= set(schema["properties"])
