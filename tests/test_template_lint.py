"""`procure templates check`: every problem of a template set at once, at its file and line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from procure.cli import cli
from procure.model import Problem
from procure.template_lint import check_templates, model_members
from procure.template_sets import ENV_VAR, export_builtin
from procure.templating import builtin_templates_dir
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "template_sets"
ONE_EXAMPLE = [ROOT / "examples" / "gemeente-bijstand.yaml"]


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def exported(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    export_builtin(folder)
    return folder


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in a file; returns the line it is on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def codes(findings: list, file: Path | None = None) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings if file is None or Path(f.file).resolve() == file.resolve()]


def test_the_builtin_set_and_the_fixture_sets_are_clean() -> None:
    assert check_templates(None) == []
    assert check_templates(builtin_templates_dir(), examples=ONE_EXAMPLE) == []


def test_every_kind_of_mistake_at_once_each_at_its_line(tmp_path: Path) -> None:
    folder = exported(tmp_path)
    tender, award = folder / "nl" / "tender.md", folder / "nl" / "partials" / "award.md"
    misspelt = edit(tender, "{{ b.per_iteration | money(cur) }}", "{{ b.per_iteraton | money(cur) }}")
    in_loop = edit(award, "{{ c.name | oneline }}", "{{ c.nam | oneline }}")
    contact = folder / "en" / "partials" / "contact.md"
    contact.write_text(contact.read_text(encoding="utf-8") + "{% if p.title %}\n", encoding="utf-8")
    budget = folder / "en" / "partials" / "budget.md"
    curly = edit(budget, 'plural("week")', "plural(\u201cweek\u201d)")
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    by_code = {f.code: f for f in findings}
    assert ("TPL004", misspelt) in codes(findings, tender)
    assert "did you mean 'p.iteration_budget.per_iteration'?" in next(
        f.message for f in findings if f.line == misspelt and f.code == "TPL004")
    assert ("TPL004", in_loop) in codes(findings, award)
    assert "'p.tender.evaluation.criteria[].name'" in next(f.message for f in findings if f.line == in_loop)
    assert [c for c in codes(findings, contact) if c[0] == "TPL002"] == [("TPL002", 7)]
    assert "endif" in by_code["TPL002"].message
    quotes = [f for f in findings if f.code == "TPL003"]
    assert [(f.line, f.file.endswith("budget.md")) for f in quotes] == [(curly, True), (curly, True)]
    assert quotes[0].column < quotes[1].column


def test_a_derived_property_and_a_new_model_field_are_fields(tmp_path: Path) -> None:
    members = model_members(Problem)
    assert set(Problem.model_fields) <= set(members)
    assert {"maximum_value", "initial_commitment", "maximum_duration_weeks"} <= set(members)
    folder = tmp_path / "set"
    (folder / "nl" / "partials").mkdir(parents=True)
    (folder / "nl" / "partials" / "contact.md").write_text(
        "- {{ p.maximum_duration_weeks }} {{ p.iteration_budget.initial_commitment | money }}\n", encoding="utf-8")
    (folder / "en" / "partials").mkdir(parents=True)
    (folder / "en" / "partials" / "contact.md").write_text(
        "- {{ p.maximum_duration_weeks }} {{ p.iteration_budget.initial_commitment | money }}\n", encoding="utf-8")
    assert check_templates(folder, examples=ONE_EXAMPLE) == []


@pytest.mark.parametrize(("added", "code"), [("Zie `bijlage`.", "TPL020"), ("{{ organisatie }}", "TPL005"),
                                             ("{{ 3 | plural(\"weekk\") }}", "TPL021")],
                         ids=["inline-code", "unknown-name", "unknown-unit"])
def test_unknown_names_unsupported_markdown_and_failing_renders(tmp_path: Path, added: str, code: str) -> None:
    folder = exported(tmp_path)
    users = folder / "nl" / "partials" / "users.md"
    users.write_text(users.read_text(encoding="utf-8") + f"\n{added}\n", encoding="utf-8")
    line = len(users.read_text(encoding="utf-8").splitlines())
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    assert (code, line) in {(f.code, f.line) for f in findings if f.file.endswith("nl/partials/users.md")}


def test_languages_in_step_blocks_sections_and_fields(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    shutil.copytree(FIXTURES / "standard", folder)
    nl = folder / "nl" / "tender.md"
    edit(nl, "{% block looptijd %}", "{% block opties %}Opties.{% endblock %}\n{% block looptijd %}")
    edit(nl, "# Looptijd", "# Opties\n\n# Looptijd")
    edit(nl, "{{ p.buyer.organisation }}", "{{ p.buyer.organisation }} ({{ p.reference }})")
    lines = nl.read_text(encoding="utf-8").splitlines()
    extra_block = next(n for n, line in enumerate(lines, 1) if "block opties" in line)
    extra_heading = lines.index("# Opties") + 1
    extra_field = next(n for n, line in enumerate(lines, 1) if "p.reference" in line)
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    assert ("TPL010", extra_block) in codes(findings, nl)
    sections = [line for code, line in codes(findings, nl) if code == "TPL011"]
    assert len(sections) == 1 and sections[0] in (extra_heading, extra_heading + 2)  # either of two equal levels
    assert ("TPL012", extra_field) in codes(findings, nl)
    assert "nl/tender.md uses p.reference but en/tender.md does not" in " ".join(f.message for f in findings)


def test_an_organisations_override_is_checked_through_the_parent(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from procure import template_sets

    builtin = tmp_path / "builtin"
    shutil.copytree(builtin_templates_dir(), builtin)
    shutil.copytree(FIXTURES / "standard", builtin, dirs_exist_ok=True)
    monkeypatch.setattr(template_sets, "builtin_dir", lambda: builtin.resolve())
    monkeypatch.setattr("procure.template_lint.builtin_dir", lambda: builtin.resolve())
    folder = tmp_path / "org"
    shutil.copytree(FIXTURES / "org", folder)
    assert check_templates(folder, examples=ONE_EXAMPLE) == []
    nl = folder / "nl" / "tender.md"
    line = edit(nl, "van de factuur.", "van de factuur, uiterlijk {{ p.tender.contract_strat }}.")
    edit(nl, "{% block betaling %}", "{% block betalingen %}")
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    assert ("TPL004", line) in codes(findings, nl)
    assert "did you mean 'p.tender.contract_start'?" in " ".join(f.message for f in findings)
    orphan = [f for f in findings if f.code == "TPL009"]
    assert len(orphan) == 1 and "did you mean 'betaling'?" in orphan[0].message


def test_a_block_the_real_builtin_lacks_overrides_nothing(tmp_path: Path) -> None:
    """Against the real built-in set: the fixture's block is reported exactly when the built-in has no such block."""
    findings = check_templates(FIXTURES / "org", examples=ONE_EXAMPLE)
    has_block = "{% block betaling" in (builtin_templates_dir() / "nl" / "tender.md").read_text(encoding="utf-8")
    assert [f.code for f in findings if f.code == "TPL009"] == ([] if has_block else ["TPL009", "TPL009"])


def test_a_dangling_cross_reference_is_an_error(tmp_path: Path) -> None:
    """ref("key") names a heading key (``# Beoogde uitkomsten {{ key("outcomes") }}``); the keys are what
    the Markdown layer (procure.markdown.heading_keys) reads from the rendered headings."""
    folder = exported(tmp_path)
    tender = folder / "nl" / "tender.md"
    line = edit(tender, "# Het probleem\n", '# Het probleem\n\nZie {{ ref("outcomes") }} en {{ ref("outcome") }}.\n') + 2
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    dangling = [f for f in findings if f.code == "TPL007"]
    assert [(f.line, f.field) for f in dangling] == [(line, "outcome")]
    assert "did you mean 'outcomes'?" in dangling[0].message
    assert [f.code for f in findings] == ["TPL007"]  # the failing render says nothing more


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(folder)})


def start_repository(repo: Path) -> None:
    """A git repository at ``repo`` whose branch main holds everything in it."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")


def changed_in_dutch_only(repo: Path, document: str, old: str, new: str, block: str) -> tuple[Path, list]:
    """Commit ``repo``, change ``old`` to ``new`` in the Dutch ``document`` only, and check that
    ``templates check --base main`` reports exactly that block (TPL013) at its line."""
    start_repository(repo)
    nl = repo / "templates" / "nl" / document
    edit(nl, old, new)
    line = nl.read_text(encoding="utf-8").splitlines().index(f"{{% block {block} %}}") + 1
    findings = check_templates(repo / "templates", base="main", examples=ONE_EXAMPLE)
    assert [(f.code, f.line, f.field) for f in findings] == [("TPL013", line, block)]
    return nl, findings


def test_a_clause_changed_in_one_language_only_since_base(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "standard", repo / "templates")
    nl, findings = changed_in_dutch_only(repo, "tender.md", "binnen dertig dagen", "binnen veertien dagen", "betaling")
    assert "en/tender.md did not" in findings[0].message
    edit(nl, "{% block betaling %}", "{% block betaling %}{# lang-only: de Engelse tekst volgt #}")
    assert check_templates(repo / "templates", base="main", examples=ONE_EXAMPLE) == []
    unknown = check_templates(repo / "templates", base="no-such-branch", examples=ONE_EXAMPLE)
    assert [f.code for f in unknown] == ["TPL013"] and "not a revision" in unknown[0].message


def test_cli_json_has_the_keys_of_check_and_exits_1(tmp_path: Path) -> None:
    folder = exported(tmp_path)
    (folder / "tender.md").write_text("# Verkeerd\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "check", str(folder), "--format", "json"])
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert [f["code"] for f in findings] == ["TPL001"]
    assert set(findings[0]) == {"file", "line", "column", "field", "code", "severity", "message"}
    clean = CliRunner().invoke(cli, ["templates", "check"])
    assert clean.exit_code == 0 and "no problems found" in clean.output


def test_without_a_folder_a_template_repository_checks_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = exported(tmp_path)
    edit(folder / "nl" / "tender.md", "{{ p.reference }}", "{{ p.refrence }}")
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["templates", "check", "--format", "json"])
    assert result.exit_code == 1
    assert [(f["file"], f["code"]) for f in json.loads(result.output)] == [("nl/tender.md", "TPL004")]


def test_pre_commit_hook_runs_the_check() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["entry"] == "procure templates check" and hooks[0]["pass_filenames"] is False


def test_a_builtin_clause_changed_in_dutch_only_is_reported_at_its_block(tmp_path: Path) -> None:
    """The built-in documents name their clauses as blocks, so --base sees a one-language change per clause."""
    repo = tmp_path / "repo"
    export_builtin(repo / "templates")
    changed_in_dutch_only(repo, "agreement.md", "binnen dertig dagen na ontvangst van een juiste factuur",
                          "binnen veertien dagen na ontvangst van een juiste factuur", "payment")
    en = repo / "templates" / "en" / "agreement.md"
    edit(en, "within thirty days of receiving a correct invoice", "within fourteen days of receiving a correct invoice")
    assert check_templates(repo / "templates", base="main", examples=ONE_EXAMPLE) == []


def test_a_block_renamed_in_one_language_of_the_builtin_set_is_out_of_step(tmp_path: Path) -> None:
    folder = exported(tmp_path)
    en = folder / "en" / "agreement.md"
    line = edit(en, "{% block remedy %}", "{% block repair %}")
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    assert ("TPL010", line) in codes(findings, en)


def test_an_organisation_overriding_one_builtin_clause_in_one_language_is_clean(tmp_path: Path) -> None:
    """An extending template holds only the clauses it overrides: the other language's built-in file,
    with all its blocks, is not 'out of step' with it; a block the parent lacks still is (TPL009)."""
    folder = tmp_path / "org"
    (folder / "nl" / "partials").mkdir(parents=True)
    (folder / "nl" / "tender.md").write_text('{% extends "builtin/nl/tender.md" %}\n{% block payment %}\n## Betaling\n\n'
                                             'Wij betalen binnen {{ num(14) }} dagen.\n{% endblock %}\n', encoding="utf-8")
    award = folder / "nl" / "partials" / "award.md"
    award.write_text('{% extends "builtin/nl/partials/award.md" %}\n{% block price_evaluation %}\n'
                     '## Beoordeling van de prijs\n\nEigen.\n{% endblock %}\n', encoding="utf-8")
    assert check_templates(folder, examples=ONE_EXAMPLE) == []
    edit(award, "block price_evaluation", "block price_evalution")
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    assert ("TPL009", 2) in codes(findings, award)
    assert "did you mean 'price_evaluation'?" in " ".join(f.message for f in findings)


def test_a_heading_key_in_one_language_only_is_out_of_step(tmp_path: Path) -> None:
    folder = exported(tmp_path)
    en = folder / "en" / "tender.md"
    line = edit(en, '{{ key("users") }}', '{{ key("user_needs") }}')
    findings = check_templates(folder, examples=ONE_EXAMPLE)
    assert ("TPL011", line) in codes(findings, en)
    assert "heading key 'users' is in nl/tender.md but not in en/tender.md" in " ".join(f.message for f in findings)
    # and the English references to 'users' now dangle
    assert any(f.code == "TPL007" and f.field == "users" for f in findings)
