"""Layered template sets: --templates and PROCURE_TEMPLATES in front of the built-in set, block overrides,
misplaced files reported, and the `procure templates list/show/export` commands."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from procure import template_sets
from procure.build import BuildOptions, build_pack, render_markdown
from procure.cli import cli
from procure.errors import ProcureError
from procure.loader import load_problem
from procure.template_sets import ENV_VAR, TemplateSetError, effective_set, layout_issues, search_path
from procure.templating import builtin_templates_dir
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "template_sets"
EXAMPLE = ROOT / "examples" / "gemeente-bijstand.yaml"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def standard_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A built-in set whose tender.md has named blocks (the fixture's standard set over the real built-in)."""
    builtin = tmp_path / "builtin"
    shutil.copytree(builtin_templates_dir(), builtin)
    shutil.copytree(FIXTURES / "standard", builtin, dirs_exist_ok=True)
    monkeypatch.setattr(template_sets, "builtin_dir", lambda: builtin.resolve())
    template_sets.builtin_names.cache_clear()
    yield builtin
    template_sets.builtin_names.cache_clear()


def test_an_organisations_block_override_inherits_everything_else(standard_builtin: Path) -> None:
    loaded = load_problem(EXAMPLE)
    standard = render_markdown(loaded, "tender")
    org = render_markdown(loaded, "tender", (FIXTURES / "org",))
    assert "binnen veertien dagen na goedkeuring" in org
    assert "binnen dertig dagen" not in org and "binnen dertig dagen" in standard
    # every other line is the standard text, in the same place
    changed = [line for line in org.splitlines() if line not in standard.splitlines()]
    assert changed == ["De aanbestedende dienst betaalt binnen veertien dagen na goedkeuring van de factuur."]
    assert org.replace(changed[0], "") == standard.replace(
        "De aanbestedende dienst betaalt binnen dertig dagen na ontvangst van een juiste factuur.", "")


def test_extending_the_real_builtin_without_blocks_gives_the_builtin_document(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "tender.md").write_text('{% extends "builtin/nl/tender.md" %}\n', encoding="utf-8")
    loaded = load_problem(EXAMPLE)
    assert render_markdown(loaded, "tender", tmp_path) == render_markdown(loaded, "tender")


def test_a_file_replaces_the_builtin_one_and_the_first_folder_wins(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, word in ((first, "EERSTE"), (second, "TWEEDE")):
        (folder / "nl" / "partials").mkdir(parents=True)
        (folder / "nl" / "partials" / "contact.md").write_text(f"- {word} {{{{ p.buyer.contact.name }}}}\n",
                                                               encoding="utf-8")
    loaded = load_problem(EXAMPLE)
    text = render_markdown(loaded, "tender", (first, second))
    assert "EERSTE" in text and "TWEEDE" not in text
    # PROCURE_TEMPLATES comes after --templates, and its first folder wins over its second
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(second), str(first)]))
    assert "TWEEDE" in render_markdown(loaded, "tender")
    assert "EERSTE" in render_markdown(loaded, "tender", first)
    assert search_path(None) == (second.resolve(), first.resolve(), builtin_templates_dir())


def test_strings_of_several_folders_merge_with_the_first_folder_winning(tmp_path: Path) -> None:
    from procure.templating import load_strings

    first, second = tmp_path / "a", tmp_path / "b"
    for folder, value in ((first, "Blad"), (second, "Folio")):
        (folder / "nl").mkdir(parents=True)
        (folder / "nl" / "strings.yaml").write_text(f"page: {value}\n", encoding="utf-8")
    (second / "nl" / "strings.yaml").write_text("page: Folio\nof: uit\n", encoding="utf-8")
    strings = load_strings("nl", (first, second))
    assert strings["page"] == "Blad" and strings["of"] == "uit"


def test_misplaced_files_are_reported_not_ignored(tmp_path: Path) -> None:
    for name in ("tender.md", "partials/award.md", "nl/tendr.md", "nl/partials/notes.txt", "README.md",
                 "tests/test_x.py", ".git/config", "nl/partials/award.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    issues = layout_issues((tmp_path.resolve(), builtin_templates_dir()))
    reported = {Path(i.location.file or "").relative_to(tmp_path.resolve()).as_posix(): i.message for i in issues}
    assert sorted(reported) == ["nl/partials/notes.txt", "nl/tendr.md", "partials/award.md", "tender.md"]
    assert "move it to en/tender.md or nl/tender.md" in reported["tender.md"]
    assert "move it to nl/tender.md" in reported["nl/tendr.md"]
    result = build_pack(EXAMPLE, BuildOptions(out_dir=tmp_path / "out", templates_dir=(tmp_path,)))
    assert not result.ok and len(result.issues) == 4 and not (tmp_path / "out").exists()


def test_a_missing_folder_in_the_environment_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(TemplateSetError) as caught:
        search_path(None)
    assert ENV_VAR in str(caught.value) and "nowhere" in str(caught.value)


def test_effective_set_names_where_each_template_comes_from(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "org", tmp_path / "org")
    entries = {e.name: e for e in effective_set(search_path(tmp_path / "org"))}
    assert entries["nl/tender.md"].origin() == f"{(tmp_path / 'org').resolve()} (extends builtin/nl/tender.md)"
    assert entries["nl/partials/award.md"].origin() == "built-in"
    assert set(entries) == template_sets.builtin_names()


def test_cli_list_show_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    exported = tmp_path / "set"
    result = runner.invoke(cli, ["templates", "export", str(exported)])
    assert result.exit_code == 0, result.output
    assert (exported / "nl" / "tender.md").read_bytes() == (builtin_templates_dir() / "nl/tender.md").read_bytes()
    assert runner.invoke(cli, ["templates", "export", str(exported)]).exit_code == 1  # never overwrites
    (exported / "nl" / "partials" / "award.md").write_text("Eigen gunning.\n", encoding="utf-8")
    listing = runner.invoke(cli, ["templates", "list", "--templates", str(exported)])
    assert listing.exit_code == 0
    lines = {line.split()[0]: line for line in listing.output.splitlines()}
    assert "replaces the built-in" in lines["nl/partials/award.md"]
    assert "same as the built-in" in lines["nl/tender.md"]
    shown = runner.invoke(cli, ["templates", "show", "nl/partials/award.md", "--templates", str(exported)])
    assert shown.output == "Eigen gunning.\n"
    builtin = runner.invoke(cli, ["templates", "show", "builtin/nl/partials/award.md", "--templates", str(exported)])
    assert builtin.output == (builtin_templates_dir() / "nl/partials/award.md").read_text(encoding="utf-8")
    missing = runner.invoke(cli, ["templates", "show", "nl/tendr.md"])
    assert missing.exit_code == 1 and "did you mean nl/tender.md?" in missing.output


def test_render_accepts_several_template_folders(tmp_path: Path) -> None:
    runner = CliRunner()
    shutil.copytree(FIXTURES / "org", tmp_path / "org")
    (tmp_path / "other" / "nl" / "partials").mkdir(parents=True)
    (tmp_path / "other" / "nl" / "partials" / "contact.md").write_text("- Loket\n", encoding="utf-8")
    result = runner.invoke(cli, ["render", str(EXAMPLE), "-o", str(tmp_path / "out"), "--templates",
                                 str(tmp_path / "org"), "--templates", str(tmp_path / "other")])
    assert result.exit_code == 0, result.output
    written = {p.name for p in (tmp_path / "out").glob("*.docx")}
    assert {"ZV-2027-004-tender.docx", "ZV-2027-004-consultation.docx"} <= written


def test_template_set_error_is_a_procure_error() -> None:
    assert issubclass(TemplateSetError, ProcureError)


def test_a_document_kind_declared_in_kinds_yaml_may_have_its_own_template(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "annex.md").write_text("# Bijlage\n", encoding="utf-8")
    issues = layout_issues((tmp_path.resolve(), builtin_templates_dir()))
    assert [i.location.file for i in issues] == [str(tmp_path.resolve() / "nl" / "annex.md")]
    assert "kinds.yaml" in issues[0].message
    (tmp_path / "kinds.yaml").write_text("kinds:\n  annex:\n    template: annex\n    file: annex\n", encoding="utf-8")
    assert layout_issues((tmp_path.resolve(), builtin_templates_dir())) == []


# --------------------------------------------------------------------------- one clause of the real built-in set

def _blocks(text: str) -> list[str]:
    import re

    return re.findall(r"{%-?\s*block\s+(\w+)", text)


def test_every_builtin_document_names_its_clauses_alike_in_both_languages() -> None:
    builtin = builtin_templates_dir()
    for nl in sorted((builtin / "nl").rglob("*.md")):
        en = builtin / "en" / nl.relative_to(builtin / "nl")
        names = _blocks(nl.read_text(encoding="utf-8"))
        assert names == _blocks(en.read_text(encoding="utf-8")), nl.name
        assert len(names) == len(set(names)), nl.name
        assert all(name.isascii() and name == name.lower() for name in names)
    headings = [line for line in (builtin / "nl" / "tender.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("#")]
    assert len(_blocks((builtin / "nl" / "tender.md").read_text(encoding="utf-8"))) > len(headings)
    assert {"payment", "acceptance", "remedy", "ip_transfer", "parties"} <= set(
        _blocks((builtin / "nl" / "agreement.md").read_text(encoding="utf-8")))


@pytest.mark.parametrize(("document", "block", "new", "old"), [
    ("tender", "payment", "## Betaling\n\nDe aanbestedende dienst betaalt binnen {{ num(14) }} dagen, in {{ cur }}.",
     "De opdrachtnemer factureert na acceptatie"),
    ("agreement", "payment", "Wij betalen binnen veertien dagen na ontvangst van de factuur (artikel {{ ref(\"remedy_x\") "
     "if false else ref(\"acceptance\") }}).", "De opdrachtgever betaalt binnen dertig dagen"),
])
def test_an_organisation_overrides_one_clause_of_the_builtin_set_and_inherits_the_rest(
        tmp_path: Path, document: str, block: str, new: str, old: str) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / f"{document}.md").write_text(
        f'{{% extends "builtin/nl/{document}.md" %}}\n{{% block {block} %}}\n{new}\n{{% endblock %}}\n', encoding="utf-8")
    loaded = load_problem(EXAMPLE)
    standard = render_markdown(loaded, document).splitlines()
    org = render_markdown(loaded, document, tmp_path).splitlines()
    assert not any(old in line for line in org) and any(old in line for line in standard)
    start = next(n for n, line in enumerate(standard) if line not in org)  # the clause replaced
    end = start + next(n for n, line in enumerate(standard[start:]) if line in org[start:])
    added = len(org) - len(standard) + (end - start)
    assert org[:start] == standard[:start] and org[start + added:] == standard[end:]  # everything else inherited
    text = "\n".join(org[start:start + added])
    assert "veertien" in text or "14" in text
    if document == "tender":
        assert "in EUR" in text  # the document's own variables and macros reach the override
    else:
        assert "(artikel [6](#acceptance))" in text  # and cross-references


def test_a_clause_inside_a_partial_is_overridden_by_extending_the_builtin_partial(tmp_path: Path) -> None:
    """A block in an included partial cannot be overridden from the document that includes it (Jinja
    renders an include on its own); the organisation's partial of the same name extends the built-in one."""
    (tmp_path / "nl" / "partials").mkdir(parents=True)
    (tmp_path / "nl" / "partials" / "award.md").write_text(
        '{% extends "builtin/nl/partials/award.md" %}\n{% block price_evaluation %}\n## Beoordeling van de prijs\n\n'
        'Eigen prijsbeoordeling.\n{% endblock %}\n', encoding="utf-8")
    loaded = load_problem(EXAMPLE)
    standard, org = render_markdown(loaded, "tender"), render_markdown(loaded, "tender", tmp_path)
    assert "Eigen prijsbeoordeling." in org and "Eigen prijsbeoordeling." not in standard
    assert org.split("## Beoordeling van de prijs")[0] == standard.split("## Beoordeling van de prijs")[0]
