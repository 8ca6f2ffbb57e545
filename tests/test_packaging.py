"""The installed package carries what a non-editable ``pip install .`` needs to run from any folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_ships_templates_house_style_starters_and_legal_data(tmp_path: Path) -> None:
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True)
    files = tracked.stdout.split() or [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()]
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("procure-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected_templates = {f"procure/templates/{p.relative_to(ROOT / 'templates')}" for p in
                          (ROOT / "templates").rglob("*") if p.is_file()}
    assert expected_templates <= names
    modules = {f"procure/{p.relative_to(ROOT / 'procure').as_posix()}" for p in (ROOT / "procure").rglob("*.py")}
    assert modules <= names, f"subpackages missing from setup.cfg: {sorted(modules - names)}"
    assert {"procure/templates/nl/tender.md", "procure/templates/en/consultation.md",
            "procure/data/house_styles.xml", "procure/data/legal.yaml", "procure/starters/nl.yaml",
            "procure/data/findings.schema.json", "procure/checks/__init__.py"} <= names
