"""Dutch users read Dutch: the catalogue covers every message, keeps every placeholder, and is used."""

from __future__ import annotations

import re

import inspect
import os
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from procure import i18n
from procure.cli import cli
from tests.conftest import ROOT

PO = ROOT / "procure" / "locale" / "nl" / "LC_MESSAGES" / "procure.po"
FAULTY = ROOT / "examples" / "faulty" / "solution-first.yaml"


def _needed() -> dict[str, str]:
    """Every message procure shows that must have a Dutch text, with where it comes from."""
    from babel.messages.extract import extract_from_file

    from procure.checks import RULES
    from procure.checks.core import FAMILIES

    needed: dict[str, str] = {}
    for path in ("procure/cli.py", "procure/checks/output.py", "procure/scaffold.py", "procure/checking.py",
                 "procure/checks/money.py"):
        for _line, message, _comments, _context in extract_from_file(
                "python", str(ROOT / path), keywords={"_": None, "ngettext": (1, 2)}):
            needed[message[0] if isinstance(message, tuple) else message] = path
    commands = [cli, *cli.commands.values()]
    for command in commands:
        needed[inspect.cleandoc(command.help or "")] = f"{command.name} --help"
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                needed[param.help] = f"{command.name} {param.opts[0]}"
    for rule in RULES:
        for text in (rule.title_template, rule.message, rule.explanation_template, *rule.source_templates):
            needed[text] = rule.code
    for family in FAMILIES.values():
        needed[family] = "rule family"
    return needed


def test_every_message_has_a_dutch_translation() -> None:
    """A new message, help text or rule without Dutch fails here: add its msgstr to procure.po."""
    table = i18n.catalogue("nl")
    missing = sorted(f"{where}: {text[:60]!r}" for text, where in _needed().items() if text not in table)
    assert not missing, "translate these in procure/locale/nl/LC_MESSAGES/procure.po:\n" + "\n".join(missing)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_translations_keep_every_placeholder_of_the_english() -> None:
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        catalogue = read_po(handle, locale="nl")
    checked = 0
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, dutch in zip(ids, forms):
            assert _fields(dutch) == _fields(english), (english, dutch)
            checked += 1
    assert checked > 200


def test_no_compiled_catalogue_is_committed_and_the_po_is_the_source() -> None:
    tracked = subprocess.run(["git", "ls-files", "procure/locale"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "procure.po" in tracked and ".mo" not in tracked


@pytest.mark.parametrize(("env", "dutch"), [({"LANG": "nl_NL.UTF-8"}, True), ({"LC_ALL": "nl_BE.UTF-8"}, True),
                                            ({"LANG": "en_GB.UTF-8"}, False), ({"LANG": "C"}, False),
                                            ({"LANGUAGE": "nl:en", "LANG": "en_US.UTF-8"}, True),
                                            ({"PROCURE_LANG": "en", "LANG": "nl_NL.UTF-8"}, False)])
def test_the_language_comes_from_the_locale(env: dict[str, str], dutch: bool) -> None:
    assert i18n.detect(env) == ("nl" if dutch else "en")


def _procure(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
                                                               "PROCURE_LANG")}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), clean.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "procure", *args], capture_output=True, text=True,
                          env={**clean, **env})


def test_check_speaks_dutch_to_a_dutch_locale() -> None:
    result = _procure("check", str(FAULTY), LANG="nl_NL.UTF-8")
    assert result.returncode == 1
    assert "PRC505 error: tender.contract_start: ligt 11 dagen na de gunningsbeslissing" in result.stdout
    english = _procure("check", str(FAULTY), LANG="en_GB.UTF-8")
    counts = re.fullmatch(r"3 errors, (\d+) warnings, (\d+) info in 1 file checked",
                          english.stdout.rstrip().splitlines()[-1])
    assert counts, english.stdout[-200:]
    warnings, info = counts.groups()
    assert result.stdout.rstrip().endswith(f"3 fouten, {warnings} waarschuwingen, {info} info in 1 gecontroleerd bestand")


def test_lang_option_help_list_rules_and_explain_in_dutch() -> None:
    runner = CliRunner()
    try:
        helped = runner.invoke(cli, ["--lang", "nl", "check", "--help"])
        assert "Gebruik: " in helped.output and "Toon deze hulp en stop." in helped.output
        assert "Valideer probleemstellingen" in helped.output
        rules = runner.invoke(cli, ["--lang", "nl", "check", "--list-rules"])
        assert "probleem, geen oplossing:" in rules.output
        explained = runner.invoke(cli, ["--lang", "nl", "check", "--explain", "PRC301"])
        assert "Familie: korte cycli" in explained.output and "Bronnen:" in explained.output
        assert "go/no-go-beslissing" in explained.output
        wrong = runner.invoke(cli, ["--lang", "nl", "render", "--bogus"])
        assert wrong.exit_code == 2 and "Fout: Onbekende optie '--bogus'" in wrong.output
        english = runner.invoke(cli, ["--lang", "en", "check", "--help"])
        assert "Usage: " in english.output and "Show this message and exit." in english.output
    finally:
        i18n.set_language("en")


# ---------------------------------------------------------------- the catalogue kept between runs


def test_the_catalogue_kept_between_runs_is_the_one_babel_reads(tmp_path: Path, monkeypatch) -> None:
    """The first run reads the .po with Babel and keeps the messages in the user's cache; the next run
    loads them from there, identical (plural forms included), and never from a damaged file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PROCURE_NO_CACHE", raising=False)
    expected = i18n.read_catalogue(PO.read_bytes(), "nl")
    i18n.catalogue.cache_clear()
    try:
        assert i18n.catalogue("nl") == expected
        kept = list((tmp_path / "procure" / "messages").glob("procure-nl-*.json"))
        assert len(kept) == 1
        i18n.catalogue.cache_clear()
        assert i18n.catalogue("nl") == expected
        assert any(isinstance(value, tuple) for value in i18n.catalogue("nl").values())
        kept[0].write_text('{"Usage": 3}', encoding="utf-8")  # damaged: read again from the .po
        i18n.catalogue.cache_clear()
        assert i18n.catalogue("nl") == expected
        assert i18n._read_kept(kept[0]) == expected
    finally:
        i18n.catalogue.cache_clear()


def test_an_older_kept_catalogue_is_replaced(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PROCURE_NO_CACHE", raising=False)
    folder = tmp_path / "procure" / "messages"
    folder.mkdir(parents=True, mode=0o700)
    stale = folder / "procure-nl-0.0.1-1-0000.json"
    stale.write_text('{"Usage": "Oud"}', encoding="utf-8")
    i18n.catalogue.cache_clear()
    try:
        assert i18n.catalogue("nl").get("Usage") != "Oud"
        assert not stale.exists()
    finally:
        i18n.catalogue.cache_clear()


@pytest.mark.skipif(os.name != "posix", reason="owners and permission bits are POSIX's")
def test_a_cache_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch) -> None:
    """What the cache holds is loaded as it is (compiled templates are code): a folder that another
    user could fill is never used, and neither is a link in its place."""
    from procure.cache import cache_folder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PROCURE_NO_CACHE", raising=False)
    assert cache_folder("jinja") == tmp_path / "procure" / "jinja"
    open_folder = tmp_path / "procure" / "open"
    open_folder.mkdir(mode=0o700)
    open_folder.chmod(0o777)
    assert cache_folder("open") is None
    (tmp_path / "procure" / "linked").symlink_to(tmp_path / "procure" / "jinja")
    assert cache_folder("linked") is None
    monkeypatch.setenv("PROCURE_NO_CACHE", "1")
    assert cache_folder("jinja") is None


def test_the_procedure_finding_is_dutch_through_and_through() -> None:
    """PRC401's values (relation, authority kind, regulation, procedure, how it was derived, amounts) are
    in the user's language too, not only the sentence around them."""
    result = CliRunner().invoke(cli, ["--lang", "nl", "check", str(ROOT / "examples" / "waterschap-meldingen.yaml")])
    (line,) = [line for line in result.output.splitlines() if "PRC401" in line]
    assert "EUR 457.200" in line and "gelijk aan of hoger dan" in line and "decentrale" in line
    assert "Gedelegeerde Verordening" in line and "openbare procedure, afgeleid van de waarde" in line
    for english in ("derived", "at or above", "sub-central", "Commission", "open procedure"):
        assert english not in line
