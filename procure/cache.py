"""procure's folder in the user's cache, for what one run can hand to the next.

Compiled templates (Jinja's bytecode) and the parsed message catalogues are kept in
``$XDG_CACHE_HOME/procure/<name>`` (``~/.cache/procure/<name>`` without it), so that a
run after the first loads them instead of building them again. What is kept there is
loaded as it is (compiled templates are Python code), so a folder is used only when it
is a real folder (not a link), belongs to the user running procure and nobody else
may write to it. Otherwise, or when it cannot be made, nothing is cached: a run only
takes longer. ``PROCURE_NO_CACHE=1`` switches the cache off.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Setting this variable (to anything) switches the cache off.
NO_CACHE_VAR = "PROCURE_NO_CACHE"


def cache_folder(name: str) -> Path | None:
    """The cache folder ``name`` (made when missing), or None when there is none to use safely."""
    if os.environ.get(NO_CACHE_VAR):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "procure" / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except OSError:
        return None
    return folder if _private(info) else None


def _private(info: os.stat_result) -> bool:
    """Whether a folder's status shows a real folder only its owner, the current user, may write to.

    Owners and permission bits are POSIX's; elsewhere (Windows) only that it is a real folder."""
    if not stat.S_ISDIR(info.st_mode):
        return False
    if os.name != "posix":
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a new file renamed into place); an OSError is left to the caller."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_entry(name: str, key: str) -> bytes | None:
    """The bytes kept under ``key`` in cache folder ``name``, or None (no cache, or no such entry)."""
    folder = cache_folder(name)
    if folder is None:
        return None
    try:
        return (folder / key).read_bytes()
    except OSError:
        return None


def write_entry(name: str, key: str, data: bytes) -> None:
    """Keep ``data`` under ``key`` in cache folder ``name``; a cache that cannot be written only costs speed."""
    folder = cache_folder(name)
    if folder is None:
        return
    try:
        write_atomic(folder / key, data)
    except OSError:
        pass
