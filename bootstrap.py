"""Set up procure in a virtual environment, on any machine that has python3 (3.11 or later).

    python3 bootstrap.py          # .venv with procure installed (editable)
    python3 bootstrap.py test     # the same, plus what the tests need

Why a script: on a stock Debian or Ubuntu, ``pip install`` into the system Python
is refused (externally-managed-environment), and ``python3 -m venv`` fails
because the ``python3-venv`` package (ensurepip) is not installed. This script
uses only the standard library: it creates ``.venv`` next to itself without pip,
installs pip with ensurepip when Python has it, and otherwise downloads pip's
wheel from PyPI (checking its SHA-256 against PyPI's record) and lets that wheel
install itself. Then pip installs procure. Running it again reuses ``.venv``.
Set ``PROCURE_VENV`` to put the environment elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PYPI_PIP = "https://pypi.org/pypi/pip/json"
EXTRAS = {"": ".", "test": ".[test]", "bench": ".[bench]"}


def say(message: str) -> None:
    print(f"bootstrap: {message}", file=sys.stderr, flush=True)


def venv_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def has_pip(python: Path) -> bool:
    return subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode == 0


def pip_from_pypi(python: Path) -> None:
    """Download pip's newest wheel from PyPI, check its hash, and run it to install itself."""
    say(f"this Python has no ensurepip; fetching pip from {PYPI_PIP}")
    with urllib.request.urlopen(PYPI_PIP, timeout=60) as response:
        release = json.load(response)
    wheels = [f for f in release["urls"] if f["packagetype"] == "bdist_wheel" and f["filename"].endswith(".whl")]
    if not wheels:
        sys.exit("bootstrap: PyPI lists no wheel for pip's latest release; install python3-venv instead")
    wheel = wheels[0]
    url = urllib.parse.urljoin(PYPI_PIP, wheel["url"])
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
        sys.exit(f"bootstrap: {wheel['filename']} from {url} does not match PyPI's SHA-256; not installing it")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        path.write_bytes(data)
        # A pip wheel runs as a zip application: <wheel>/pip installs the wheel itself.
        subprocess.run([str(python), f"{path}/pip", "install", "--quiet", "--no-index", str(path)], check=True)


def ensure_venv(env_dir: Path) -> Path:
    python = venv_python(env_dir)
    if not python.exists():
        say(f"creating {env_dir}")
        venv.EnvBuilder(with_pip=False, upgrade_deps=False).create(env_dir)
    if not has_pip(python):
        try:
            subprocess.run([str(python), "-m", "ensurepip", "--default-pip"], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            pip_from_pypi(python)
    return python


def main(argv: list[str]) -> int:
    extra = argv[0] if argv else ""
    if extra not in EXTRAS or len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    if sys.version_info < (3, 11):
        say(f"procure needs Python 3.11 or later; this is {sys.version.split()[0]}")
        return 1
    env_dir = Path(os.environ.get("PROCURE_VENV") or ROOT / ".venv")
    python = ensure_venv(env_dir)
    say(f"installing procure{'[' + extra + ']' if extra else ''} into {env_dir}")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", EXTRAS[extra]], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as err:
        say(f"{' '.join(map(str, err.cmd))} failed (exit {err.returncode})")
        sys.exit(1)
    except OSError as err:
        say(f"{err}")
        sys.exit(1)
