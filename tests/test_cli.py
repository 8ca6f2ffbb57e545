"""The command line: wiring, exit codes (0 ok, 1 invalid input, 2 usage) and messages.

Logic is tested against the library; these tests check that each command
reaches it, that every error path ends in a located message, never a
traceback, and that nothing is written for an invalid input.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from procure import __version__
from procure.cli import cli
from tests.conftest import EXAMPLES

MINIMAL = """\
language: en
reference: T-1
title: Faster answers
buyer:
  organisation: Test Agency
  contact:
    name: A. Tester
    email: buyer@example.org
problem:
  statement: Applicants wait too long.
  affected_users: [applicants]
outcomes:
  - title: Quick decisions
    indicator: median days to decision
    baseline: 40 days (2026)
    target: 10 days
iteration_budget:
  iteration_weeks: 4
  iterations: 3
  per_iteration: 30000
"""


def run(*args: str) -> Result:
    """Invoke the CLI; an exception that escapes it (a traceback a user would see) fails the test."""
    result = CliRunner().invoke(cli, list(args))
    assert_no_traceback(result)
    return result


def pack_names(text: str, reference: str) -> list[str]:
    """The file names of the pack a problem statement gets, in pack order (the kinds are data)."""
    from procure.build import kind_path, pack_kinds
    from procure.loader import load_problem_text

    loaded = load_problem_text(text, "problem.yaml")
    return [kind_path(Path(), reference, kind).name for kind in pack_kinds(loaded)]


def write(tmp_path: Path, text: str, name: str = "problem.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_no_traceback(result: Result) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}") from result.exception


def test_version_and_help() -> None:
    assert __version__ in run("--version").output
    for command in ([], ["render"], ["check"], ["init"], ["schema"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom procure.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        "heavy = ('docx', 'jinja2', 'markdown_it', 'yaml', 'babel', 'pydantic', 'lxml', 'msgspec')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_render_example_writes_the_whole_pack(example: Path, tmp_path: Path) -> None:
    from procure.build import KINDS, declared_kinds

    result = run("render", str(example), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    ends = tuple(f"-{declared_kinds()[kind].file}.docx" for kind in KINDS)
    assert len(written) == len(KINDS) - 1 == 5  # every kind but the single-supplier request and all(name.endswith(ends) for name in written)
    for path in tmp_path.iterdir():
        assert zipfile.is_zipfile(path)
    assert "placeholder" not in result.output


def test_render_one_document_and_placeholders_reported(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    result = run("render", str(problem), "-o", str(tmp_path / "out"), "--doc", "tender")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["T-1-tender.docx"]
    assert "placeholders to fill in" in result.output


def test_render_strict_refuses_placeholders_and_writes_nothing(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    result = run("render", str(problem), "-o", str(tmp_path / "out"), "--strict")
    assert result.exit_code == 1
    assert " PRC020 error: " in result.output and "nothing written: --strict refuses" in result.output
    assert not (tmp_path / "out").exists()


def test_render_invalid_input_is_located_and_writes_nothing(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL.replace("iteration_weeks: 4", "iteration_weeks: 20").replace(
        "title: Faster answers", "titel: Faster answers"))
    result = run("render", str(problem), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert_no_traceback(result)
    assert f"{problem}:3:1: PRC010 error: titel" in result.output
    assert "did you mean 'title'" in result.output
    assert f"{problem}:18:20: PRC010 error: iteration_budget.iteration_weeks" in result.output
    assert not (tmp_path / "out").exists()


def test_render_missing_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    good = write(tmp_path, MINIMAL)
    result = run("render", str(tmp_path / "absent.yaml"), str(good), "-o", str(tmp_path / "out"),
                 "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    records = report["results"]
    assert [r["status"] for r in records] == ["failed", "written"]
    assert [f["file"] for f in report["findings"] if f["severity"] == "error"] == [str(tmp_path / "absent.yaml")]
    assert len(records[1]["documents"]) == 5
    assert all(Path(d["path"]).exists() for d in records[1]["documents"])


def test_render_parallel_batch_keeps_order(tmp_path: Path) -> None:
    files = [write(tmp_path, MINIMAL.replace("T-1", f"T-{i}"), f"p{i}.yaml") for i in range(3)]
    result = run("render", *map(str, files), "-o", str(tmp_path / "out"), "-j", "2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["input"] for r in json.loads(result.stdout)["results"]] == [str(f) for f in files]


def test_render_into_a_file_is_an_error(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    blocker = write(tmp_path, "not a folder", "blocker")
    result = run("render", str(problem), "-o", str(blocker))
    assert result.exit_code in (1, 2)
    assert_no_traceback(result)


def test_reference_doc_that_is_not_a_docx(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    fake = write(tmp_path, "plain text", "house.docx")
    result = run("render", str(problem), "-o", str(tmp_path / "out"), "--reference-doc", str(fake))
    assert result.exit_code == 1
    assert "house.docx" in result.output
    assert not (tmp_path / "out").exists()


def test_broken_template_override_is_located(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    override = tmp_path / "tpl" / "en"
    override.mkdir(parents=True)
    (override / "tender.md").write_text("# Title\n\n{{ p.no_such_field }}\n", encoding="utf-8")
    result = run("render", str(problem), "-o", str(tmp_path / "out"), "--templates", str(tmp_path / "tpl"))
    assert result.exit_code == 1
    assert "tender.md:3" in result.output
    assert_no_traceback(result)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("render").exit_code == 2
    brochure = run("render", "x.yaml", "--doc", "brochure")
    assert brochure.exit_code == 2 and "consultation" in brochure.output and "tender" in brochure.output
    assert run("nonsense").exit_code == 2
    assert run("check").exit_code == 2
    assert run("init", str(tmp_path / "x.yaml"), "--lang", "de").exit_code == 2


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_init_writes_a_starter_that_passes_check(lang: str, tmp_path: Path) -> None:
    target = tmp_path / "problem.yaml"
    assert run("init", "--lang", lang, str(target)).exit_code == 0
    result = run("check", str(target))
    assert result.exit_code == 0, result.output


def test_init_never_overwrites(tmp_path: Path) -> None:
    target = write(tmp_path, "my own words\n")
    result = run("init", str(target))
    assert result.exit_code == 1
    assert "never overwrites" in result.output
    assert target.read_text(encoding="utf-8") == "my own words\n"


def test_schema_is_json_schema_of_the_problem() -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"language", "reference", "title", "buyer", "problem", "outcomes", "iteration_budget"} <= set(
        schema["required"]
    )
    assert schema["additionalProperties"] is False


def test_python_m_procure_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "procure", "--version"], check=True, capture_output=True, text=True)
    assert __version__ in out.stdout


#: One broken file per rule of SPEC.md, with the location and field its message must name.
SPEC_RULES = {
    "1 required value present": (MINIMAL.replace("  statement: Applicants wait too long.\n", "  statement: ' '\n"),
                                 "10:14: problem.statement"),
    "1 at least one item": (MINIMAL.replace("affected_users: [applicants]", "affected_users: []"),
                            "11:3: problem.affected_users"),
    "1 required key missing": (MINIMAL.replace("    indicator: median days to decision\n", ""),
                               "13:5: outcomes[0].indicator"),
    "2 iteration weeks 1 to 13": (MINIMAL.replace("iteration_weeks: 4", "iteration_weeks: 14"),
                                  "18:20: iteration_budget.iteration_weeks"),
    "3 ceiling covers the initial commitment": (MINIMAL + "  ceiling: 50000\n", "21:12: iteration_budget.ceiling"),
    "4 weights sum to 100": (MINIMAL + "tender:\n  evaluation:\n    price_weight: 30\n    criteria:\n"
                             "      - name: A\n        weight: 60\n", "22:3: tender.evaluation"),
    "4 weights are whole numbers": (MINIMAL + "tender:\n  evaluation:\n    price_weight: 30.5\n    criteria:\n"
                                    "      - name: A\n        weight: 70\n", "23:19: tender.evaluation.price_weight"),
    "5 dates in order": (MINIMAL + "tender:\n  published: 2027-03-01\n  submission_deadline: 2027-02-01\n",
                         "23:24: tender.submission_deadline"),
    "5 session before responses": (MINIMAL + "consultation:\n  questions: [Q]\n  session:\n    when: 2027-02-01T10:00\n"
                                   "  responses_due: 2027-01-15\n", "25:18: consultation.responses_due"),
    "6 reference is a file name": (MINIMAL.replace("reference: T-1", "reference: 'T 1/2'"), "2:12: reference"),
    "7 unknown key with a suggestion": (MINIMAL.replace("  iterations: 3", "  iteratons: 3"),
                                        "19:3: iteration_budget.iteratons"),
}


@pytest.mark.parametrize("text, where", SPEC_RULES.values(), ids=SPEC_RULES.keys())
def test_each_spec_rule_gives_a_located_message_and_exit_1(text: str, where: str, tmp_path: Path) -> None:
    problem = write(tmp_path, text)
    for command in (["check"], ["render", "-o", str(tmp_path / "out")]):
        result = run(*command, str(problem))
        assert result.exit_code == 1, result.output
        position, field = where.split(": ")
        line = next(line for line in result.output.splitlines() if line.startswith(f"{problem}:{position}: "))
        assert f" {field}: " in line or line.endswith(f" {field}")
        assert_no_traceback(result)
    assert not (tmp_path / "out").exists()


def test_control_characters_are_removed_with_a_warning_naming_the_field(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL.replace("title: Faster answers", 'title: "Faster\\u0007 answers"'))
    result = run("render", str(problem), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert f"{problem}:3:8: PRC011 warning: title" in result.output and "U+0007" in result.output
    assert run("check", "--strict", str(problem)).exit_code == 1


BAD_FILES = {
    "empty": (b"", "empty"),
    "top-level list": (b"- language: en\n", "1:1"),
    "invalid utf-8": (MINIMAL.encode().replace(b"Test Agency", b"Test \xff Agency"), "5:"),
    "syntax error": (MINIMAL.replace("  iterations: 3", "  iterations: [3").encode(), ":"),
    "duplicate key": (MINIMAL.replace("  iterations: 3", "  iterations: 3\n  iterations: 4").encode(), "20:3"),
    "python tag": (MINIMAL.replace("title: Faster answers", "title: !!python/object/apply:os.system ['true']")
                   .encode(), "3:8"),
    "billion laughs": (b"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       b"g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", ":"),
    "20 MB": (b"# " + b"x" * (20 * 1024 * 1024) + b"\n", "20.0 MiB"),
    "tab indentation": (MINIMAL.replace("  organisation: Test Agency", "\torganisation: Test Agency").encode(),
                        "never tabs"),
}


@pytest.mark.parametrize("data, expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_unusable_files_get_a_located_message(data: bytes, expected: str, tmp_path: Path) -> None:
    problem = tmp_path / "problem.yaml"
    problem.write_bytes(data)
    result = run("render", str(problem), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert_no_traceback(result)
    first = result.output.splitlines()[0]
    assert first.startswith(f"{problem}:") and expected in first, first
    assert not (tmp_path / "out").exists()


def test_reference_doc_restyles_the_documents(tmp_path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    house = Document()
    house.styles["Normal"].font.name = "Georgia"
    house.styles["Normal"].font.size = Pt(12)
    house.save(tmp_path / "house.docx")
    result = run("render", str(write(tmp_path, MINIMAL)), "-o", str(tmp_path / "out"),
                 "--reference-doc", str(tmp_path / "house.docx"))
    assert result.exit_code == 0, result.output
    rendered = Document(tmp_path / "out" / "T-1-tender.docx")
    assert rendered.styles["Normal"].font.name == "Georgia"
    assert rendered.styles["Normal"].font.size == Pt(12)
    assert {"Heading 1", "List Number", "Placeholder"} <= {s.name for s in rendered.styles}


def test_a_partial_strings_override_keeps_the_other_labels(tmp_path: Path) -> None:
    override = tmp_path / "tpl" / "en"
    override.mkdir(parents=True)
    (override / "strings.yaml").write_text("cover:\n  reference: Our reference\n", encoding="utf-8")
    result = run("render", str(write(tmp_path, MINIMAL)), "-o", str(tmp_path / "out"), "--templates",
                 str(tmp_path / "tpl"))
    assert result.exit_code == 0, result.output
    from docx import Document

    cover = Document(tmp_path / "out" / "T-1-tender.docx").tables[0]
    assert [row.cells[0].text for row in cover.rows][:2] == ["Our reference", "Contracting authority"]


@pytest.mark.parametrize("text, message", [
    ("documents: 5\n", "'documents' must be a mapping"),
    ("cover: [\n", "cannot read strings"),
    ("cover:\n  published: 5\n", "'cover.published' must be a text"),
    ("units:\n  week: [week]\n", "'units.week' must be a list of 2"),
    ("default_evaluation:\n  price_weight: 50\n", "'default_evaluation.criteria'"),
    ("default_evaluation:\n  price_weight: 50\n  criteria: [{name: A, weight: 40}]\n", "sum to 90"),
])
def test_a_broken_strings_override_is_located(text: str, message: str, tmp_path: Path) -> None:
    override = tmp_path / "tpl" / "en"
    override.mkdir(parents=True)
    (override / "strings.yaml").write_text(text, encoding="utf-8")
    result = run("render", str(write(tmp_path, MINIMAL)), str(write(tmp_path, MINIMAL.replace("T-1", "T-2"), "b.yaml")),
                 "-o", str(tmp_path / "out"), "--templates", str(tmp_path / "tpl"), "-j", "2")
    assert result.exit_code == 1
    assert "strings.yaml" in result.output and message in result.output
    assert not (tmp_path / "out").exists()


def test_a_missing_cover_date_is_a_highlighted_placeholder(tmp_path: Path) -> None:
    from docx import Document

    assert run("render", str(write(tmp_path, MINIMAL)), "-o", str(tmp_path)).exit_code == 0
    rows = {row.cells[0].text: row.cells[1] for row in Document(tmp_path / "T-1-tender.docx").tables[0].rows}
    date_cell = rows["Date the invitations are sent"]  # MINIMAL's value: a private procedure, nothing published
    # The words are shown; the field path is in a Word comment on them (tests/test_docx_render.py).
    assert date_cell.text == "[to be completed: date the invitations are sent]"
    assert date_cell.paragraphs[0].runs[0].style.name == "Placeholder"


@pytest.mark.parametrize("problem_text", [MINIMAL.replace("per_iteration: 30000", "per_iteration: 1" + "0" * 5000),
                                          MINIMAL.replace("iterations: 3", "iterations: " + "9" * 4500),
                                          MINIMAL.replace("per_iteration: 30000", "per_iteration: 1e999999"),
                                          MINIMAL.replace("iterations: 3", "iterations: !!int " + "9" * 5000),
                                          MINIMAL.replace("iterations: 3", "iterations: " + "9" * 45)])
def test_absurd_numbers_are_located_errors_with_short_messages(problem_text: str, tmp_path: Path) -> None:
    for command in ("check", "render"):
        result = run(command, str(write(tmp_path, problem_text)))
        assert result.exit_code == 1
        assert len(result.output) < 400 and "whole number" not in result.output
        assert f"{tmp_path / 'problem.yaml'}:19:" in result.output or f"{tmp_path / 'problem.yaml'}:20:" in result.output


def test_a_reference_doc_without_a_styles_part_gets_the_house_styles(tmp_path: Path) -> None:
    import io
    import re

    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(tmp_path / "bare.docx", "w") as bare:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/_rels/document.xml.rels":
                data = re.sub(rb'<Relationship [^>]*styles\.xml"/>', b"", data)
            if name != "word/styles.xml":
                bare.writestr(name, data)
    result = run("render", str(write(tmp_path, MINIMAL)), "-o", str(tmp_path / "out"),
                 "--reference-doc", str(tmp_path / "bare.docx"))
    assert result.exit_code == 0, result.output


def test_a_device_or_pipe_is_refused_without_reading_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    result = run("check", str(tmp_path / "pipe.yaml"))
    assert result.exit_code == 1 and "not a regular file" in result.output
    result = run("render", "/dev/zero", "-o", "/nonexistent-out")
    assert result.exit_code == 1
    assert "/dev/zero:1:1: PRC010 error: not a regular file" in result.output



# ---------------------------------------------------------------- one YAML parser everywhere


def test_a_question_mark_inside_a_flow_list_reads_the_same_everywhere(tmp_path: Path) -> None:
    """libyaml reads ``[What would you try?]`` as the YAML spec says; the pure-Python parser would refuse it."""
    import yaml

    from procure.errors import yaml_loader
    from procure.loader import load_problem

    assert yaml_loader() is yaml.CSafeLoader
    path = write(tmp_path, MINIMAL + "consultation:\n  questions: [What would you try in the first iteration?]\n")
    assert load_problem(path).problem.consultation.questions == ["What would you try in the first iteration?"]
    assert run("check", str(path)).exit_code == 0


def test_without_libyaml_procure_says_so_instead_of_reading_differently(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.delattr(yaml, "CSafeLoader")
    result = run("check", str(write(tmp_path, MINIMAL)))
    assert result.exit_code == 1
    assert "PyYAML was built without libyaml" in result.output


# ---------------------------------------------------------------- render runs the checks check runs

FAULTY = Path(__file__).resolve().parent.parent / "examples" / "faulty" / "solution-first.yaml"
REPORT_SCHEMA = Path(__file__).resolve().parent.parent / "procure" / "data" / "report.schema.json"


def validate_report(document: object) -> None:
    import jsonschema

    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


@pytest.mark.parametrize("example", [*EXAMPLES, FAULTY], ids=[p.stem for p in [*EXAMPLES, FAULTY]])
def test_render_strict_refuses_exactly_what_check_strict_refuses(example: Path, tmp_path: Path) -> None:
    checked = run("check", "--strict", "--format", "json", str(example))
    rendered = run("render", "--strict", "--format", "json", str(example), "-o", str(tmp_path))
    check_report, render_report = json.loads(checked.stdout), json.loads(rendered.stdout)
    validate_report(check_report)
    validate_report(render_report)
    assert render_report["findings"] == check_report["findings"]
    assert (rendered.exit_code == 1) == (checked.exit_code == 1)
    assert (render_report["results"][0]["status"] == "refused") == (checked.exit_code == 1)
    assert any(tmp_path.iterdir()) == (checked.exit_code == 0)


def test_render_without_strict_writes_drafts_and_exits_3_with_every_error_located(tmp_path: Path) -> None:
    result = run("render", str(FAULTY), "-o", str(tmp_path))
    assert result.exit_code == 3
    pack = pack_names(FAULTY.read_text(encoding="utf-8"), "FA-2027-001")
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == sorted(pack)
    for code, place in [("PRC501", ":35:24:"), ("PRC502", ":34:18:"), ("PRC505", ":37:19:")]:
        assert f"{FAULTY}{place} {code} error: tender." in result.stderr
    assert "written as drafts" in result.stderr
    summary = run("check", str(FAULTY)).stdout.strip().splitlines()[-1]
    assert summary.startswith("3 errors, ")
    assert result.stderr.rstrip().endswith(f"{summary}; {len(pack)} documents written")
    report = json.loads(run("render", str(FAULTY), "-o", str(tmp_path), "--format", "json").stdout)
    validate_report(report)
    assert report["results"][0]["status"] == "draft" and report["counts"]["error"] == 3
    assert {d["action"] for d in report["results"][0]["documents"]} == {"replaced"}
    assert {"PRC501", "PRC502", "PRC505"} <= {f["code"] for f in report["findings"] if f["severity"] == "error"}


def test_the_summary_counts_files_checked_not_files_with_findings(tmp_path: Path) -> None:
    clean = next(p for p in EXAMPLES if p.stem == "gemeente-bijstand").read_text(encoding="utf-8")
    ignored = "\nchecks:\n  ignore:\n    - code: PRC401\n      reason: The procedure is stated in the documents.\n"
    a, b = write(tmp_path, clean + ignored, "a.yaml"), write(tmp_path, clean + ignored, "b.yaml")
    assert run("check", str(a), str(b)).stdout.strip() == "0 errors, 0 warnings, 0 info in 2 files checked"
    report = json.loads(run("check", "--format", "json", str(a), str(b)).stdout)
    assert (report["files_checked"], report["findings"]) == (2, [])


def test_one_text_format_for_check_and_render(tmp_path: Path) -> None:
    line = re.compile(r"(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<code>PRC\d{3}) "
                      r"(?P<severity>error|warning|info): (?P<field>[a-z_.\[\]0-9]+): (?P<message>.+)")
    located = re.compile(rf"{re.escape(str(FAULTY))}:\d+:\d+: ")
    checked = [t for t in run("check", str(FAULTY)).stdout.splitlines() if located.match(t)]
    rendered = [t for t in run("render", str(FAULTY), "-o", str(tmp_path)).stderr.splitlines() if located.match(t)]
    assert checked == rendered and len(checked) >= 14
    assert all(line.fullmatch(t) for t in checked)


# ---------------------------------------------------------------- behaving like its peers


def test_dash_is_standard_input_for_check_and_render(tmp_path: Path) -> None:
    checked = CliRunner().invoke(cli, ["check", "-"], input=MINIMAL.replace("title: Faster answers", "titel: x"))
    assert checked.exit_code == 1 and "\n-:3:1: PRC010 error: titel: unknown key" in checked.stdout
    rendered = CliRunner().invoke(cli, ["render", "-", "-o", str(tmp_path)], input=MINIMAL)
    assert rendered.exit_code == 0, rendered.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(pack_names(MINIMAL, "T-1"))
    assert run("check", "-", "-").exit_code == 2


def test_init_refuses_dash_as_a_file_name(tmp_path: Path) -> None:
    result = run("init", "-")
    assert result.exit_code == 2 and "'-' (standard output) cannot be its name" in result.output


def test_a_folder_is_searched_for_yaml_files(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "a.yaml")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", MINIMAL.replace("T-1", "T-2"), "b.yml")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden", "not: [a problem", "c.yaml")
    write(tmp_path, "notes", "notes.txt")
    result = run("check", "--format", "json", str(tmp_path))
    report = json.loads(result.stdout)
    assert report["files_checked"] == 2
    assert {f["file"] for f in report["findings"]} == {str(tmp_path / "a.yaml"), str(tmp_path / "sub" / "b.yml")}
    out = tmp_path / "out"
    assert run("render", str(tmp_path), "-o", str(out)).exit_code == 0
    assert len(list(out.iterdir())) == 2 * len(pack_names(MINIMAL, "T-1"))
    (tmp_path / "empty").mkdir()
    empty = run("check", str(tmp_path / "empty"))
    assert empty.exit_code == 2 and "holds no .yaml or .yml files" in empty.output


def test_a_rerender_says_it_replaced_and_no_clobber_keeps(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    size = len(pack_names(MINIMAL, "T-1"))
    first = run("render", str(problem), "-o", str(tmp_path / "out"))
    assert first.stdout.count("wrote ") == size and "replaced" not in first.stdout
    tender = tmp_path / "out" / "T-1-tender.docx"
    tender.write_bytes(b"mine")
    again = run("render", str(problem), "-o", str(tmp_path / "out"))
    assert again.stdout.count("replaced ") == size and zipfile.is_zipfile(tender)
    tender.write_bytes(b"mine")
    kept = run("render", str(problem), "-o", str(tmp_path / "out"), "--no-clobber")
    assert kept.exit_code == 0 and kept.stdout.count("kept (--no-clobber) ") == size
    assert tender.read_bytes() == b"mine"
    assert kept.stderr.rstrip().endswith("0 documents written")


@pytest.mark.parametrize(("env", "coloured"), [({}, False), ({"FORCE_COLOR": "1"}, True),
                                               ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
                                               ({"FORCE_COLOR": "0"}, False)])
def test_no_color_and_force_color(tmp_path: Path, env: dict[str, str], coloured: bool) -> None:
    problem = write(tmp_path, MINIMAL.replace("iteration_weeks: 4", "iteration_weeks: 12"))
    base = {"NO_COLOR": "", "FORCE_COLOR": ""}
    checked = CliRunner().invoke(cli, ["check", str(problem)], env={**base, **env})
    rendered = CliRunner().invoke(cli, ["render", str(problem), "-o", str(tmp_path / "o")], env={**base, **env})
    for result in (checked, rendered):
        assert ("\033[" in result.output) == coloured, result.output


def test_ctrl_c_exits_130_and_names_the_documents_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from procure import build

    real = build.build_pack
    calls = []

    def interrupted_on_the_second(source: Path, options: object) -> object:
        calls.append(source)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(source, options)

    monkeypatch.setattr(build, "build_pack", interrupted_on_the_second)
    files = [write(tmp_path, MINIMAL.replace("T-1", f"T-{i}"), f"p{i}.yaml") for i in range(3)]
    result = run("render", *map(str, files), "-o", str(tmp_path / "out"))
    assert result.exit_code == 130
    assert "interrupted; these documents were written before it:" in result.stderr
    assert str(tmp_path / "out" / "T-0-tender.docx") in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(pack_names(MINIMAL, "T-0"))


def test_a_batch_reports_each_file_as_it_finishes_without_a_progress_bar_off_a_terminal(tmp_path: Path) -> None:
    files = [write(tmp_path, MINIMAL.replace("T-1", f"T-{i}"), f"p{i}.yaml") for i in range(3)]
    result = run("render", *map(str, files), "-o", str(tmp_path / "out"))
    assert "\r" not in result.output and "[#" not in result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert [Path(line.split()[1]).name for line in lines] == [name for i in range(3)
                                                               for name in pack_names(MINIMAL, f"T-{i}")]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_batch_shows_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import pty

    files = [write(tmp_path, MINIMAL.replace("T-1", f"T-{i}"), f"p{i}.yaml") for i in range(2)]
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                       env.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", "procure", "render", *map(str, files), "-o",
                                str(tmp_path / "out")], stdout=follower, stderr=follower, env=env)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0
    text = output.decode("utf-8")
    assert "] 1/2" in text and "\r\033[K" in text
    assert text.index("T-0-tender.docx") < text.index("] 1/2") < text.index("T-1-tender.docx")


# ---------------------------------------------------------------- start-up: what a command imports

_LOADED_AFTER = """
import sys
from procure.cli import main
sys.argv = ["procure", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""

#: The libraries that make a one-pack render several times slower to start than ``--help``.
_HEAVY = {"docx", "lxml", "markdown_it", "jinja2", "pydantic", "pydantic_core", "babel"}


@pytest.mark.parametrize(("args", "allowed"), [
    (["--help"], set()),
    (["--version"], set()),
    (["render", "--help"], set()),
    (["check", "--help"], set()),
    (["check", "--list-rules"], set()),
    (["check", "--explain", "PRC101"], set()),
    (["--lang", "nl", "check", "--help"], {"babel"}),  # the first Dutch run reads the catalogue with Babel
])
def test_commands_import_only_what_they_need(args: list[str], allowed: set[str], tmp_path: Path) -> None:
    """``--help``, ``--version`` and the rule listings load none of the libraries that building documents
    needs (python-docx, lxml, markdown-it, Jinja2, Pydantic, Babel): each costs start-up time."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", _LOADED_AFTER, *args], env=env, capture_output=True, text=True,
                          check=True)
    loaded = set(done.stderr.split("\n")[-2].split())
    assert "procure" in loaded and "click" in loaded
    assert loaded & _HEAVY <= allowed


def test_a_dutch_run_after_the_first_does_not_import_babel(tmp_path: Path) -> None:
    """The Dutch catalogue read once is kept in the user's cache: the next Dutch ``--help`` needs no Babel."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "NO_COLOR": "1"}
    env.pop("PROCURE_NO_CACHE", None)
    loaded = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", _LOADED_AFTER, "--lang", "nl", "--help"], env=env,
                              capture_output=True, text=True, check=True)
        assert "Gebruik" in done.stdout
        loaded.append(set(done.stderr.split("\n")[-2].split()))
    assert "babel" in loaded[0]
    assert "babel" not in loaded[1]
