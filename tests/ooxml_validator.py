"""Microsoft's Open XML SDK validator, run under Node, for the tests.

The npm package ``@ooxml-tools/validate`` wraps the Open XML SDK's validator (the
closest check to "Word opens this without a repair prompt" short of Word itself).
It is installed once into a cache folder of its own; every file of a call is
validated in one Node process (starting the validator costs seconds, a file
about one more).

Without Node or npm, or when the package cannot be installed, a test skips, except
in CI (``CI=true``), where it fails: CI installs nodejs and npm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

PACKAGE = "@ooxml-tools/validate@0.4.6"
OFFICE_VERSION = "Microsoft365"
_SCRIPT = """\
import { readFile } from "node:fs/promises";
import validate from "@ooxml-tools/validate";
const out = {};
for (const file of process.argv.slice(2)) {
  out[file] = await validate(new Uint8Array(await readFile(file)), "docx", "%s");
}
process.stdout.write(JSON.stringify(out));
""" % OFFICE_VERSION


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "procure-tests" / "ooxml-validate"


def validator() -> tuple[str, Path]:
    """(node, the script in the cache folder), installing the package on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not installed (apt-get install nodejs npm)")
    folder = cache_dir()
    version = PACKAGE.rsplit("@", 1)[1]
    installed = folder / "node_modules" / "@ooxml-tools" / "validate" / "package.json"
    if not installed.exists() or json.loads(installed.read_text()).get("version") != version:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"name": "procure-validate", "private": true}\n')
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", PACKAGE], cwd=folder,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not installed.exists():
            _unavailable(f"cannot install {PACKAGE} with npm: {done.stderr.strip()[-500:]}")
    script = folder / "validate-many.mjs"
    if not script.exists() or script.read_text() != _SCRIPT:
        script.write_text(_SCRIPT)
    return node, script


def validate(paths: list[Path]) -> dict[Path, list[dict]]:
    """Every error the validator reports, per file (an empty list: valid)."""
    node, script = validator()
    done = subprocess.run([node, str(script), *(str(p.resolve()) for p in paths)], cwd=script.parent,
                          capture_output=True, text=True, timeout=60 + 30 * len(paths))
    if done.returncode != 0:
        raise AssertionError(f"the validator failed: {done.stderr.strip()[-2000:]}")
    found = json.loads(done.stdout)
    return {path: found[str(path.resolve())] for path in paths}


def describe(errors: list[dict]) -> str:
    """One line per error: part, XPath, what is wrong."""
    return "\n".join(f"  {e['path']['partUri']} {e['path']['xpath']}: {e['description']}" for e in errors)
