"""Shared fixtures: the bundled examples and the real clients (LibreOffice, pandoc)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_client(name: str) -> str:
    """The path of a real client program; in CI a missing client fails the test rather than skipping it."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install libreoffice-writer-nogui pandoc poppler-utils)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request: pytest.FixtureRequest) -> Path:
    """Each bundled example problem statement."""
    return request.param


def pytest_configure(config: pytest.Config) -> None:
    """The test session's own cache folder (``XDG_CACHE_HOME``, inherited by the CLI processes tests
    start): tests render from temporary template folders, whose compiled templates would otherwise
    pile up in the user's cache run after run. Removed when the session ends."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="procure-test-cache-")
    config.stash[_CACHE_KEY] = (folder, os.environ.get("XDG_CACHE_HOME"))
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, before = config.stash.get(_CACHE_KEY, (None, None))
    if folder is None:
        return
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before
    shutil.rmtree(folder, ignore_errors=True)


_CACHE_KEY = pytest.StashKey[tuple]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture(autouse=True)
def _contents_without_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renders in tests leave the contents' page numbers to Word unless a test asks for them
    (BuildOptions(toc_pages=True)): the LibreOffice layout pass costs seconds a pack, and the
    tests of that pass (tests/test_toc_pages.py) ask for it themselves."""
    monkeypatch.setattr("procure.toc_pages.available", lambda: False)
