"""The starters `procure init` writes: valid as written, and valid with their optional blocks switched on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from procure.loader import load_problem_text
from procure.scaffold import problem_json_schema, starter_text
from tests.conftest import ROOT

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


# ---------------------------------------------------------------- the schema editors and validators read


def _models() -> list[type]:
    """Every model reachable from Problem."""
    from pydantic import BaseModel

    from procure.checking import _model_of
    from procure.model import Problem

    seen: list[type] = []
    todo: list[type] = [Problem]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for info in model.model_fields.values():
            inner = _model_of(info.annotation)
            if inner is not None and issubclass(inner, BaseModel):
                todo.append(inner)
    return seen


def test_every_field_of_the_model_has_a_description() -> None:
    """A field added without ``Field(description=...)`` fails here: the schema and the reference need it."""
    missing = [f"{m.__name__}.{name}" for m in _models() for name, info in m.model_fields.items()
               if not (info.description or "").strip()]
    assert not missing, f"give these fields a description in procure/model.py: {missing}"
    assert len(_models()) >= 15


def test_the_schema_has_an_id_and_every_property_a_description() -> None:
    schema = problem_json_schema()
    assert schema["$id"].endswith("/problem.schema.json")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for owner in [schema, *schema["$defs"].values()]:
        for name, prop in owner.get("properties", {}).items():
            assert prop.get("description"), name


def _check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True)


@pytest.fixture()
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "problem.schema.json"
    path.write_text(json.dumps(problem_json_schema()), encoding="utf-8")
    return path


def test_check_jsonschema_accepts_every_example_and_starter(schema_file: Path, tmp_path: Path) -> None:
    """A real validator (check-jsonschema, as in pre-commit) on the files procure itself accepts."""
    starters = []
    for language in ("nl", "en"):
        starters.append(tmp_path / f"{language}.yaml")
        starters[-1].write_text(starter_text(language), encoding="utf-8")
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    assert len(examples) >= 3
    result = _check_jsonschema(schema_file, *examples, *starters)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema_refuses_what_procure_refuses(schema_file: Path, tmp_path: Path) -> None:
    """A bad reference, a bad e-mail address and 20-week iterations: editors underline them too."""
    good = (ROOT / "examples" / "gemeente-bijstand.yaml").read_text(encoding="utf-8")
    for old, new, where in [("reference: ", "reference: '-bad ref ", "reference"),
                            ("email: ", "email: not-an-address ", "email"),
                            ("iteration_weeks: ", "iteration_weeks: 20 #", "iteration_weeks")]:
        assert old in good
        bad = tmp_path / f"bad-{where}.yaml"
        bad.write_text(good.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(Exception):
            load_problem_text(bad.read_text(encoding="utf-8"), str(bad))
        result = _check_jsonschema(schema_file, bad)
        assert result.returncode == 1 and where in result.stdout, result.stdout


def test_a_time_without_seconds_or_zone_is_valid_for_both(schema_file: Path, tmp_path: Path) -> None:
    """2027-02-04T14:00 is what procure accepts; RFC 3339's date-time (seconds and zone) would refuse it."""
    text = (ROOT / "examples" / "gemeente-bijstand.yaml").read_text(encoding="utf-8")
    path = tmp_path / "times.yaml"
    path.write_text(re.sub(r"submission_deadline: \S+", "submission_deadline: 2027-02-04T14:00", text),
                    encoding="utf-8")
    assert "2027-02-04T14:00" in path.read_text(encoding="utf-8")
    assert _check_jsonschema(schema_file, path).returncode == 0
    assert "\"format\"" not in json.dumps(problem_json_schema())


def test_init_writes_the_editor_modeline_and_the_schema_next_to_the_starter(tmp_path: Path) -> None:
    from procure.scaffold import SCHEMA_FILE, write_starter

    done = write_starter(tmp_path / "probleem.yaml", "nl")
    first = (tmp_path / "probleem.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_FILE}"
    assert json.loads((tmp_path / SCHEMA_FILE).read_text(encoding="utf-8")) == json.loads(
        json.dumps(problem_json_schema()))
    assert len(done) == 2
    assert write_starter(tmp_path / "tweede.yaml", "en") == [f"wrote {tmp_path / 'tweede.yaml'}"]
    (tmp_path / SCHEMA_FILE).write_text("{}", encoding="utf-8")
    assert "not procure's schema" in write_starter(tmp_path / "derde.yaml", "en")[1]
    assert (tmp_path / SCHEMA_FILE).read_text(encoding="utf-8") == "{}"


# ---------------------------------------------------------------- the reference the repository carries


def _model_paths() -> dict[str, bool]:
    """Every key path of the model (``outcomes[].title``) and whether it is required."""
    from procure.checking import _model_of
    from procure.model import Problem

    found: dict[str, bool] = {}

    def walk(model: type, prefix: str) -> None:
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            found[path] = info.is_required()
            inner = _model_of(info.annotation)
            if inner is not None:
                walk(inner, path + ("[]." if "list[" in str(info.annotation) else "."))

    walk(Problem, "")
    return found


def test_the_reference_documents_every_key_of_the_model() -> None:
    """docs/problem-statement.md has one row per key; a key added to the model without a row fails here."""
    text = (ROOT / "docs" / "problem-statement.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_.\[\]]+)` \| (yes|no) \| \S", text, re.M))
    expected = {path: "yes" if required else "no" for path, required in _model_paths().items()}
    assert set(expected) - set(rows) == set(), "document these keys in docs/problem-statement.md"
    assert set(rows) - set(expected) == set(), "these documented keys are not in the model"
    assert rows == expected
    for rule in range(1, 8):
        assert re.search(rf"^{rule}\. ", text, re.M), f"rule {rule} is missing"


def test_nothing_cites_a_spec_outside_the_repository() -> None:
    """The reference is in the repository; the code, the rules' sources and the README cite it."""
    from procure.checks import RULES

    texts = {path: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *(ROOT / "procure").rglob("*.py"),
                                                                   *(ROOT / "procure").rglob("*.yaml")]}
    texts["--explain"] = "\n".join(source for rule in RULES for source in rule.sources)
    assert [name for name, text in texts.items() if "SPEC.md" in text or "/work/" in text] == []
    assert any("docs/problem-statement.md" in source for rule in RULES for source in rule.sources)
