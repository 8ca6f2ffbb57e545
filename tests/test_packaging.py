"""The installed package carries what a non-editable ``pip install .`` needs to run from any folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def build_wheel(tmp_path: Path) -> Path:
    """A wheel built from the files git tracks (what a fresh clone has)."""
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True)
    files = tracked.stdout.split() or [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()]
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True)
    return next((tmp_path / "dist").glob("procure-*.whl"))


def test_wheel_ships_templates_house_style_starters_and_legal_data(tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(build_wheel(tmp_path)).namelist())
    expected_templates = {f"procure/templates/{p.relative_to(ROOT / 'templates')}" for p in
                          (ROOT / "templates").rglob("*") if p.is_file()}
    assert expected_templates <= names
    modules = {f"procure/{p.relative_to(ROOT / 'procure').as_posix()}" for p in (ROOT / "procure").rglob("*.py")}
    assert modules <= names, f"subpackages missing from setup.cfg: {sorted(modules - names)}"
    assert {"procure/templates/nl/tender.md", "procure/templates/en/consultation.md",
            "procure/data/house_styles.xml", "procure/data/legal.yaml", "procure/starters/nl.yaml",
            "procure/data/findings.schema.json", "procure/data/report.schema.json",
            "procure/locale/nl/LC_MESSAGES/procure.po", "procure/checks/__init__.py"} <= names


def test_installed_wheel_renders_from_any_folder(tmp_path: Path) -> None:
    """A non-editable install renders with no checkout in sight.

    The dependencies come from the environment running the tests, whatever it is
    (a venv, a venv made inside a venv, the system Python): its site-packages
    folders are listed in a .pth file of the new venv. ``--system-site-packages``
    would not do, as it means the base interpreter's packages, not this venv's.
    Folders a .pth file adds do not have their own .pth files read, so this
    environment's editable install of procure stays out of sight.
    """
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ours = dict.fromkeys(p for p in sys.path if p.endswith("-packages") and Path(p).is_dir())
    (Path(site) / "deps-of-the-test-run.pth").write_text("".join(f"{p}\n" for p in ours), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    example = ROOT / "examples" / "agency-permits.yaml"
    where = subprocess.run([str(python), "-c", "import procure, sys; print(procure.__file__)"], cwd=elsewhere,
                           check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(venv)), where
    subprocess.run([str(python), "-m", "procure", "render", str(example), "-o", "out"], cwd=elsewhere, check=True,
                   capture_output=True)
    assert sorted(p.name for p in (elsewhere / "out").iterdir()) == ["NPA-2027-007-consultation.docx",
                                                                     "NPA-2027-007-tender.docx"]
