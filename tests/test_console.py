"""A console that is not UTF-8 (cp1252 on Windows) shows escapes, never a crash after the files are written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import MINIMAL

ROOT = Path(__file__).resolve().parent.parent


def run_cp1252(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "procure", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=300)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_render_on_a_cp1252_console(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "offerte-č"
    folder.mkdir()
    good = folder / "good.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    bad = folder / "bad.yaml"
    bad.write_text(MINIMAL.replace("title: Faster answers", "title: ''"), encoding="utf-8")
    result = run_cp1252("render", str(good), str(bad), "-o", str(folder / "out"), "--format", fmt, cwd=tmp_path)
    assert b"Traceback" not in result.stderr, result.stderr.decode("cp1252", "replace")
    assert result.returncode == 1
    assert (folder / "out" / "T-1-tender.docx").exists()
    out = result.stdout.decode("cp1252")
    if fmt == "json":
        first = json.loads(out)["results"][0]
        assert first["documents"][0]["path"].endswith("T-1-consultation.docx")
        assert "offerte-č" in first["input"]
    else:
        assert "offerte-\\u010d" in out and "wrote" in out
        assert "offerte-\\u010d" in result.stderr.decode("cp1252")


def test_check_on_a_cp1252_console(tmp_path: Path) -> None:
    problem = tmp_path / "probleem-ğ.yaml"
    problem.write_text(MINIMAL.replace("statement: Applicants wait too long.", "statement: Wait ≥ 40 days →"),
                       encoding="utf-8")
    result = run_cp1252("check", str(problem), cwd=tmp_path)
    assert b"Traceback" not in result.stderr, result.stderr.decode("cp1252", "replace")
    assert result.returncode in (0, 1)
    assert "probleem-\\u011f" in result.stdout.decode("cp1252")
