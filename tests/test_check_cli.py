"""``procure check`` on the command line: output for people and machines, exit codes, options.

The rules themselves are tested in ``test_checks.py`` against the library; these
tests check the wiring: what a user sees, what a pipeline parses, and when the
command fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from procure.checks import RULES
from procure.cli import cli
from tests.conftest import EXAMPLES, ROOT
from tests.test_checks import ABOVE, BASE, variant

SCHEMA = ROOT / "procure" / "data" / "findings.schema.json"
HUMAN_LINE = re.compile(r"(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<code>PRC\d{3}) "
                        r"(?P<severity>error|warning|info): (?P<message>.+)")
SUMMARY = re.compile(r"\d+ errors?, \d+ warnings?, \d+ info in \d+ files? checked")

#: Several faults at once: a solution in the title, an unmeasurable target, a long iteration,
#: a national procedure above the threshold (an error) and a start inside the standstill.
FAULTY = variant({**ABOVE, "title": "A chatbot for housing benefit", "outcomes.0.target": "much better",
                  "iteration_budget.iteration_weeks": 10, "tender.procedure": "multiple_private",
                  "tender.award_decision": "2027-04-10", "tender.contract_start": "2027-04-30"})
#: Only warnings (an iteration of ten weeks) besides the procedure's info.
WARNING_ONLY = variant({"iteration_budget.iteration_weeks": 10})
#: Does not load: a required field is missing and a key is misspelt.
INVALID = BASE.replace("  per_iteration: 30000\n", "").replace("  iterations: 2\n", "  iteratons: 2\n")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


def write(tmp_path: Path, text: str, name: str = "problem.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def findings_of(result: Result) -> list[dict[str, Any]]:
    """The findings of check's JSON report (the envelope is checked against its schema on the way)."""
    document = json.loads(result.stdout)
    validate_report(document)
    return document["findings"]


def validate_report(document: object) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "procure" / "data" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


def validate(document: object) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


# --- output for people ----------------------------------------------------------------------------


def test_human_output_is_one_line_per_finding_grouped_by_file(tmp_path: Path) -> None:
    faulty, warning = write(tmp_path, FAULTY, "a.yaml"), write(tmp_path, WARNING_ONLY, "b.yaml")
    result = run(str(faulty), str(warning))
    assert result.exit_code == 1
    *blocks, summary = result.stdout.rstrip("\n").split("\n\n")
    assert SUMMARY.fullmatch(summary) and summary.endswith("in 2 files checked")
    assert len(blocks) == 2
    for block, path in zip(blocks, (faulty, warning)):
        for text in block.splitlines():
            match = HUMAN_LINE.fullmatch(text)
            assert match, text
            assert match["file"] == str(path)
    codes = [HUMAN_LINE.fullmatch(t)["code"] for t in blocks[0].splitlines()]  # type: ignore[index]
    assert {"PRC101", "PRC201", "PRC301", "PRC402", "PRC505"} <= set(codes)


def test_a_finding_names_its_place_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, FAULTY)
    result = run(str(path))
    line = next(t for t in result.stdout.splitlines() if " PRC301 " in t)
    number = FAULTY.splitlines().index("  iteration_weeks: 10") + 1
    assert line.startswith(f"{path}:{number}:{len('  iteration_weeks: ') + 1}: PRC301 warning: "
                           "iteration_budget.iteration_weeks: is 10 weeks")


def test_no_colour_codes_when_output_is_not_a_terminal(tmp_path: Path) -> None:
    path = write(tmp_path, FAULTY)
    for color in (False, True):  # even when Click itself would keep colours, the check asks the terminal
        result = CliRunner().invoke(cli, ["check", str(path)], color=color)
        assert result.exit_code == 1
        assert "\033[" not in result.output


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_codes_on_a_terminal(tmp_path: Path) -> None:
    import pty

    path = write(tmp_path, FAULTY)
    leader, follower = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", "procure", "check", str(path)], stdout=follower,
                               stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    output = BytesIO()
    while True:  # read while the child writes, so a full terminal buffer never blocks it
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output.write(chunk)
    os.close(leader)
    process.wait(timeout=60)
    assert process.returncode == 1
    text = output.getvalue().decode("utf-8")
    assert "\033[1;31merror\033[0m" in text and "PRC402" in text


# --- output for machines --------------------------------------------------------------------------


def test_json_output_of_a_faulty_file_validates_against_the_schema(tmp_path: Path) -> None:
    result = run("--format", "json", str(write(tmp_path, FAULTY)))
    assert result.exit_code == 1
    document = findings_of(result)
    validate(document)
    assert len(document) >= 5
    assert len({f["code"] for f in document}) >= 5
    target = next(f for f in document if f["code"] == "PRC201")
    assert target["field"] == "outcomes[0].target" and target["severity"] == "warning"


def test_json_output_of_a_file_that_does_not_load_validates_too(tmp_path: Path) -> None:
    broken = write(tmp_path, INVALID, "broken.yaml")
    not_yaml = write(tmp_path, "language: [en\n", "not-yaml.yaml")
    good = write(tmp_path, BASE, "good.yaml")
    result = run("--format", "json", str(broken), str(not_yaml), str(good))
    assert result.exit_code == 1
    document = findings_of(result)
    validate(document)
    invalid = [f for f in document if f["code"] == "PRC010"]
    assert {f["file"] for f in invalid} == {str(broken), str(not_yaml)}
    assert all(f["severity"] == "error" for f in invalid)
    fields = {f["field"] for f in invalid if f["file"] == str(broken)}
    assert {"iteration_budget.per_iteration", "iteration_budget.iteratons"} <= fields
    assert any(f["file"] == str(good) and f["code"] == "PRC401" for f in document)
    assert "\033[" not in result.stdout


def test_json_output_with_no_findings_is_an_empty_list(tmp_path: Path) -> None:
    example = next(p for p in EXAMPLES if p.stem == "gemeente-bijstand").read_text(encoding="utf-8")
    ignored = "\nchecks:\n  ignore:\n    - code: PRC401\n      reason: The procedure is stated in the documents.\n"
    clean = write(tmp_path, example + ignored)
    result = run("--format", "json", str(clean))
    assert (result.exit_code, findings_of(result)) == (0, [])


# --- exit codes and --strict ----------------------------------------------------------------------


def test_warnings_alone_exit_0_and_errors_exit_1(tmp_path: Path) -> None:
    warning = run(str(write(tmp_path, WARNING_ONLY, "w.yaml")))
    assert warning.exit_code == 0
    assert " PRC301 warning: " in warning.stdout
    error = run(str(write(tmp_path, FAULTY, "e.yaml")))
    assert error.exit_code == 1
    assert " PRC402 error: " in error.stdout


def test_strict_makes_warnings_errors(tmp_path: Path) -> None:
    result = run("--strict", "--format", "json", str(write(tmp_path, WARNING_ONLY)))
    assert result.exit_code == 1
    severities = {f["code"]: f["severity"] for f in findings_of(result)}
    assert severities["PRC301"] == "error"
    assert severities["PRC401"] == "info"


def test_strict_makes_placeholders_errors(tmp_path: Path) -> None:
    draft = write(tmp_path, variant({"tender.submission_deadline": None, "tender.award_decision": None,
                                     "tender.contract_start": None}).replace(": null", ":"))
    lenient = run("--format", "json", str(draft))
    placeholders = [f for f in findings_of(lenient) if f["code"] == "PRC020"]
    assert placeholders and all(f["severity"] == "info" for f in placeholders)
    assert any(f["field"] == "tender.submission_deadline" for f in placeholders)
    assert lenient.exit_code == 0
    strict = run("--strict", "--format", "json", str(draft))
    assert strict.exit_code == 1
    assert {f["severity"] for f in findings_of(strict) if f["code"] == "PRC020"} == {"error"}


def test_each_placeholder_is_one_finding_naming_every_document_that_shows_it(tmp_path: Path) -> None:
    draft = write(tmp_path, variant({"tender.submission_deadline": None,
                                     "outcomes.0.measured_by": None}).replace(": null", ":"))
    found = [f for f in findings_of(run("--format", "json", str(draft))) if f["code"] == "PRC020"]
    placed = [(f["field"], re.search(r"\[to be completed: [^\]]*\]", f["message"]).group(0)) for f in found]
    assert len(placed) == len(set(placed)), placed  # never once per document
    message = {f["field"]: f["message"] for f in found}
    assert message["outcomes[0].measured_by"].startswith(
        "outcomes[0].measured_by: the consultation invitation and the tender document show [to be completed: ")
    assert message["tender.submission_deadline"].startswith(
        "tender.submission_deadline: the tender document shows [to be completed: ")
    assert message["consultation.max_pages"].startswith(
        "consultation.max_pages: the consultation invitation shows [to be completed: ")
    # one placeholder, missing in two list items: one finding at each item, as before
    assert {"tender.evaluation.criteria[0].description", "tender.evaluation.criteria[1].description"} <= set(message)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_passes_strict(example: Path) -> None:
    result = run("--strict", str(example))
    assert result.exit_code == 0, result.output
    assert " error: " not in result.stdout and " warning: " not in result.stdout


# --- --explain and --list-rules -------------------------------------------------------------------


def test_explain_prints_the_reasoning_and_sources() -> None:
    result = run("--explain", "PRC301")
    assert result.exit_code == 0
    assert result.stdout.startswith("PRC301 (warning) iteration-too-long: ")
    assert "Sources:" in result.stdout and "stop/go" in result.stdout


def test_explain_accepts_lower_case() -> None:
    assert run("--explain", "prc502").stdout.startswith("PRC502 (error) questions-after-answer-limit")


@pytest.mark.parametrize(("code", "hint"), [("NOPE", "--list-rules"), ("PRC31", "did you mean PRC301?")])
def test_explaining_an_unknown_code_is_a_usage_error_with_a_suggestion(code: str, hint: str) -> None:
    result = run("--explain", code)
    assert result.exit_code == 2
    assert hint in result.stderr and repr(code) in result.stderr
    assert "Traceback" not in result.output


def test_list_rules_lists_every_rule() -> None:
    result = run("--list-rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert listed == [rule.code for rule in RULES]
    for rule in RULES:
        assert f"  {rule.code} {rule.severity:<7} {rule.name}: " in result.stdout


# --- --words and checks.ignore --------------------------------------------------------------------


def test_words_file_extends_the_solution_words(tmp_path: Path) -> None:
    problem = write(tmp_path, variant({"problem.statement": "Our Suites system is slow to decide."}))
    words = write(tmp_path, "en: [Suites]\n", "words.yaml")
    assert " PRC101 " not in run(str(problem)).stdout
    result = run("--words", str(words), str(problem))
    line = next(t for t in result.stdout.splitlines() if " PRC101 " in t)
    assert "problem.statement: names a solution ('Suites')" in line


def test_a_bad_words_file_is_reported_not_a_traceback(tmp_path: Path) -> None:
    problem = write(tmp_path, BASE)
    words = write(tmp_path, "de: [Suites]\n", "words.yaml")
    result = run("--words", str(words), str(problem))
    assert result.exit_code == 1
    assert f"{words}" in result.output and "mapping with keys" in result.output
    assert "Traceback" not in result.output


REASON = "A closed pilot of one quarter; scaling up is decided separately by the council."


def _docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(texts)


def test_checks_ignore_switches_a_rule_off_and_the_documents_never_print_the_reason(tmp_path: Path) -> None:
    noisy = {"iteration_budget.option_iterations": 0, "iteration_budget.iteration_weeks": 10}
    before = run("--format", "json", str(write(tmp_path, variant(noisy), "before.yaml")))
    assert {"PRC301", "PRC302"} <= {f["code"] for f in findings_of(before)}
    quiet = write(tmp_path, variant({**noisy, "checks": {"ignore": [{"code": "PRC301", "reason": REASON}]}}))
    after = run("--format", "json", str(quiet))
    codes = {f["code"] for f in findings_of(after)}
    assert "PRC301" not in codes and "PRC302" in codes
    out = tmp_path / "out"
    rendered = CliRunner().invoke(cli, ["render", str(quiet), "-o", str(out)], catch_exceptions=False)
    assert rendered.exit_code == 0, rendered.output
    documents = sorted(out.glob("*.docx"))
    assert len(documents) == 5
    for document in documents:
        text = _docx_text(document.read_bytes())
        assert "closed pilot" not in text and "PRC301" not in text and "checks.ignore" not in text
        with zipfile.ZipFile(document) as archive:  # nor in any part: core properties, comments, custom XML
            assert not any(b"closed pilot" in archive.read(name) for name in archive.namelist())


# --- the buyer's own bands ------------------------------------------------------------------------


def test_procurement_policy_bands_in_the_file_drive_the_check(tmp_path: Path) -> None:
    policy = {"procurement_policy": {"bands": [{"procedure": "single_private", "below": 20000},
                                               {"procedure": "multiple_private", "below": 100000}]},
              "tender.procedure": "multiple_private"}
    result = run(str(write(tmp_path, variant(policy))))
    assert result.exit_code == 0
    line = next(t for t in result.stdout.splitlines() if " PRC403 " in t)
    assert "lighter than national_open, which procurement_policy.bands give" in line


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_words_file_that_is_not_a_regular_file_is_refused_not_read(tmp_path: Path) -> None:
    problem = write(tmp_path, BASE)
    result = run("--words", "/dev/zero", str(problem))  # reading it would never end
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == "/dev/zero: error: the words file is not a regular file; give a YAML file"


def test_a_words_file_with_a_yaml_error_is_one_located_line(tmp_path: Path) -> None:
    problem = write(tmp_path, BASE)
    words = write(tmp_path, "nl: [Suites\nen: [x]\n", "words.yaml")
    result = run("--words", str(words), str(problem))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (f"{words}:2:3: error: the words file is not valid YAML: while parsing a "
                                     "flow sequence, did not find expected ',' or ']'")


def test_explain_states_the_numbers_in_force() -> None:
    from procure.checks.policy import check_policy
    from procure.legal import legal_data

    text = " ".join(run("--explain", "PRC505").stdout.split())
    assert f"at least {legal_data().standstill_days} calendar days" in text
    title = run("--explain", "PRC301").stdout.splitlines()[0]
    assert title.endswith(f"longer than {check_policy().longest_short_iteration_weeks} weeks")


# --- Dutch law: the kind between the thresholds, non-euro amounts, planning dates ------------------


def test_a_kind_between_the_thresholds_is_reported_and_an_error_under_strict(tmp_path: Path) -> None:
    from tests.test_checks import DELETE

    path = write(tmp_path, variant({"buyer.kind": DELETE}))  # EUR 180,000: between 140,000 and 216,000
    lenient = findings_of(run("--format", "json", str(path)))
    kind = [f for f in lenient if f["code"] == "PRC404"]
    assert kind and kind[0]["severity"] == "warning" and kind[0]["field"] == "buyer.kind"
    assert "140,000" in kind[0]["message"] and "216,000" in kind[0]["message"]
    strict = run("--strict", "--format", "json", str(path))
    assert strict.exit_code == 1
    assert [f["severity"] for f in findings_of(strict) if f["code"] == "PRC404"] == ["error"]
    decided = write(tmp_path, variant({**ABOVE, "buyer.kind": DELETE}), "above.yaml")
    assert not [f for f in findings_of(run("--format", "json", str(decided))) if f["code"] == "PRC404"]


def test_non_euro_amounts_are_a_check_error_and_render_refuses_them(tmp_path: Path) -> None:
    path = write(tmp_path, variant({"iteration_budget.currency": "GBP"}))
    result = run("--format", "json", str(path))
    assert result.exit_code == 1
    assert [f["severity"] for f in findings_of(result) if f["code"] == "PRC407"] == ["error"]
    out = tmp_path / "out"
    rendered = CliRunner().invoke(cli, ["render", str(path), "-o", str(out)])
    assert rendered.exit_code != 0
    assert "iteration_budget.currency is GBP" in rendered.output
    assert f"{path.name}:" in rendered.output  # located: file and line
    assert not out.exists() or not list(out.iterdir())


def test_a_planning_date_on_a_dutch_public_holiday_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, variant({"tender.award_decision": "2027-04-27", "tender.contract_start": "2027-05-24"}))
    found = [f for f in findings_of(run("--format", "json", str(path))) if f["code"] == "PRC508"]
    assert [(f["field"], f["severity"]) for f in found] == [("tender.award_decision", "warning")]
    assert "King's Day" in found[0]["message"] and "2027-04-28" in found[0]["message"]


def test_explanations_state_the_dutch_periods_and_the_working_day_rule() -> None:
    periods = " ".join(run("--explain", "PRC501").stdout.split())
    assert "open procedure: tenders 45 days (40 when submitted electronically)" in periods
    assert "2.71" in periods and "2.74a" in periods
    answers = " ".join(run("--explain", "PRC502").stdout.split())
    assert "10 days" in answers and "2.54" in answers
    standstill = " ".join(run("--explain", "PRC505").stdout.split())
    assert "Algemene termijnenwet" in standstill and "does not know holidays" not in standstill
