"""The user's cache folder for what procure keeps between runs (compiled templates, the prepared house
style): ``$XDG_CACHE_HOME/procure`` (``~/.cache/procure``), private to the user.

Everything there is an optimisation only: an entry is keyed by what it was made from, a missing or
unreadable one is made again, and a folder that cannot be written only costs speed.
``PROCURE_NO_CACHE=1`` switches the cache off.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_folder(name: str) -> Path | None:
    """``<cache>/procure/<name>``, created private to the user; None when off or not writable."""
    if os.environ.get("PROCURE_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "procure" / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return folder


def read_entry(name: str, key: str) -> bytes | None:
    """The bytes stored under ``key`` in cache folder ``name``, or None."""
    folder = cache_folder(name)
    if folder is None:
        return None
    try:
        return (folder / key).read_bytes()
    except OSError:
        return None


def write_entry(name: str, key: str, data: bytes) -> None:
    """Store ``data`` under ``key``, atomically (a reader never sees half an entry); failures are ignored."""
    folder = cache_folder(name)
    if folder is None:
        return
    try:
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, folder / key)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
