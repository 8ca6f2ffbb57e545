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
    assert block == ["python3 bootstrap.py && .venv/bin/procure render examples/gemeente-bijstand.yaml -o out",
                     "python3 bootstrap.py test && .venv/bin/python -m pytest"]
    assert (ROOT / "examples" / "gemeente-bijstand.yaml").exists()
    assert (ROOT / "bootstrap.py").exists()


def test_ci_runs_the_readme_commands_it_reads_from_the_readme() -> None:
    """.ci/run extracts the README's block (so the two cannot drift) and runs it in a fresh clone."""
    import subprocess

    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in script and "git clone" in script and "libreoffice-writer-nogui" in script
    assert "apt-get update" in script.split("apt-get install")[0]
    extract = script[script.index("awk"):].split(" \"", 1)[0].split("< <(", 1)[-1]
    awk = extract[extract.index("'") + 1: extract.rindex("'")]
    found = subprocess.run(["awk", awk, str(ROOT / "README.md")], check=True, capture_output=True, text=True)
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert found.stdout.splitlines() == lines[lines.index("```sh") + 1: lines.index("```")]


def test_bootstrap_makes_a_venv_with_pip_even_without_ensurepip(tmp_path, monkeypatch) -> None:
    """The stock-Debian path: no ensurepip, so pip comes from PyPI's wheel (here faked: no network in tests)."""
    import hashlib
    import importlib.util
    import io
    import json
    import zipfile

    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "bootstrap.py")
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pip/__main__.py", "import sys; open(sys.argv[-1] + '.ran', 'w').write(' '.join(sys.argv[1:]))")
    data = wheel.getvalue()
    record = {"urls": [{"packagetype": "bdist_wheel", "filename": "pip-99-py3-none-any.whl",
                        "url": "../../packages/pip-99-py3-none-any.whl",
                        "digests": {"sha256": hashlib.sha256(data).hexdigest()}}]}
    asked = []

    def urlopen(url, timeout):
        asked.append(url)
        return io.BytesIO(json.dumps(record).encode() if url == bootstrap.PYPI_PIP else data)

    monkeypatch.setattr(bootstrap.urllib.request, "urlopen", urlopen)
    ran = []
    monkeypatch.setattr(bootstrap.subprocess, "run", lambda cmd, **kw: ran.append(cmd))
    bootstrap.pip_from_pypi(tmp_path / "python")
    assert asked == [bootstrap.PYPI_PIP, "https://pypi.org/packages/pip-99-py3-none-any.whl"]
    assert ran[0][1].endswith("pip-99-py3-none-any.whl/pip") and ran[0][2] == "install"
    record["urls"][0]["digests"]["sha256"] = "0" * 64
    try:
        bootstrap.pip_from_pypi(tmp_path / "python")
    except SystemExit as refused:
        assert "does not match PyPI's SHA-256" in str(refused)
    else:
        raise AssertionError("a wheel with the wrong hash was installed")
