"""The README shows real output: its `procure check` example is what the command prints today."""

from __future__ import annotations

import re

from click.testing import CliRunner

from procure.cli import cli
from tests.conftest import ROOT


def test_readme_check_example_is_the_real_output(monkeypatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```console\n\$ procure check (\S+)\n(.*?)\n```", readme, re.S)
    assert match, "README lost its `procure check` example"
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["check", match.group(1)])
    assert result.exit_code == 1
    assert result.stdout.rstrip("\n") == match.group(2)


def test_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert block[0].endswith("procure render examples/gemeente-bijstand.yaml -o out")
    assert block[1].endswith("python3 -m pytest")
    assert (ROOT / "examples" / "gemeente-bijstand.yaml").exists()
