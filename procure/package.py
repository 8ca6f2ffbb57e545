"""Writing a .docx reproducibly and fast, and putting it on disk atomically.

Reproducible: the same input gives byte-identical files in any process, on any
day. python-docx's own ``save()`` stamps every zip entry with the current time;
here entry times come from the document's pinned date (``SOURCE_DATE_EPOCH``
when set, see :func:`pinned_datetime`), entries are in a fixed order, and the
zip is written by hand so nothing else varies.

Fast: most of a document's bytes are parts that are the same for every document
(styles, theme, font table, settings). :mod:`zipfile` cannot store data that is
already compressed, so the zip container (a few dozen lines of struct packing)
is written here, and the deflated form of every part but the body is kept in a
small per-process cache keyed by its bytes: a repeated part costs one lookup.
Measured on a ten-page tender: about 1.4 ms to save, against 12 ms for
python-docx's ``save()`` on its default template.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import struct
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procure.errors import Location, OutputError

if TYPE_CHECKING:
    from collections.abc import Iterable

#: The date used when nothing pins one: fixed, so builds never depend on the clock.
DEFAULT_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)
#: Deflate levels. Parts that repeat across documents are deflated once per process, so
#: they get the smallest form; the body is deflated per document, where zlib's fast
#: mode (level 3) is three times quicker than level 6 and hardly larger.
CACHED_LEVEL = 9
BODY_LEVEL = 3
_CACHE_SIZE = 64
_MAIN_DOCUMENT = "/word/document.xml"
_CONTENT_TYPES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
)



def quoteattr(value: str) -> str:
    """An XML attribute value with its quotes, as ``xml.sax.saxutils.quoteattr`` makes it.

    Written out here because importing ``xml.sax.saxutils`` pulls in
    ``urllib.request`` and with it the e-mail, HTTP and SSL modules: a tenth of
    a render's start-up for two string replacements.
    """
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))

def pinned_datetime() -> datetime:
    """The date stamped on a document: ``SOURCE_DATE_EPOCH`` (UTC) if set, else 2000-01-01.

    Never the clock: a rebuild of an unchanged problem statement must give the
    same bytes (reproducible-builds.org convention). A malformed value is an
    :class:`OutputError` rather than a silent fallback.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return DEFAULT_DATE
    try:
        return datetime.fromtimestamp(int(raw), tz=timezone.utc)
    except (ValueError, OverflowError, OSError) as exc:
        raise OutputError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, "
                          f"not {raw!r}") from exc


def utc_naive(moment: datetime) -> datetime:
    """``moment`` in UTC without tzinfo (a naive value is taken to be UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _dos_datetime(moment: datetime) -> tuple[int, int]:
    """Zip (MS-DOS) time and date words; clamped to 1980-2107, the range the format holds."""
    m = utc_naive(moment)
    if m.year < 1980:
        m = datetime(1980, 1, 1)
    elif m.year > 2107:
        m = datetime(2107, 12, 31, 23, 59, 58)
    time = (m.hour << 11) | (m.minute << 5) | (m.second // 2)
    date = ((m.year - 1980) << 9) | (m.month << 5) | m.day
    return time, date


_deflated: OrderedDict[bytes, tuple[int, bytes]] = OrderedDict()


def _deflate(data: bytes, cache: bool) -> tuple[int, bytes]:
    """(CRC-32, raw deflate stream) of ``data``; cached for parts that repeat."""
    if cache:
        hit = _deflated.get(data)
        if hit is not None:
            _deflated.move_to_end(data)
            return hit
    packer = zlib.compressobj(CACHED_LEVEL if cache else BODY_LEVEL, zlib.DEFLATED, -15)
    result = (zlib.crc32(data), packer.compress(data) + packer.flush())
    if cache:
        _deflated[data] = result
        if len(_deflated) > _CACHE_SIZE:
            _deflated.popitem(last=False)
    return result


def write_zip(entries: Iterable[tuple[str, bytes, bool]], moment: datetime, compress: bool = True) -> bytes:
    """A zip archive of ``(name, data, cacheable)`` entries, all dated ``moment``.

    Entries are deflated, or stored when ``compress`` is false (an in-memory
    template that is read back at once needs no compression). The layout is plain
    PKZIP 2.0 (no zip64, no extra fields, no data descriptors), which every Office
    and LibreOffice version reads.
    """
    time, date = _dos_datetime(moment)
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data, cacheable in entries:
        crc, packed = _deflate(data, cacheable) if compress else (zlib.crc32(data), data)
        raw_name = name.encode("utf-8")
        flags = 0 if raw_name.isascii() else 0x800
        fields = (20, flags, 8 if compress else 0, time, date, crc, len(packed), len(data), len(raw_name))
        header = struct.pack("<I5H3I2H", 0x04034B50, *fields, 0)
        central.append(struct.pack("<I6H3I5H2I", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset)
                       + raw_name)
        chunks += (header, raw_name, packed)
        offset += len(header) + len(raw_name) + len(packed)
    directory = b"".join(central)
    end = struct.pack("<I4H2IH", 0x06054B50, 0, 0, len(central), len(central), len(directory),
                      offset, 0)
    return b"".join(chunks) + directory + end


def content_types_xml(parts: Iterable[Any]) -> bytes:
    """``[Content_Types].xml``: two defaults and one override per part, sorted by name."""
    return content_types_for((str(p.partname), p.content_type) for p in parts)


def content_types_for(pairs: Iterable[tuple[str, str]]) -> bytes:
    """``[Content_Types].xml`` from (part name, content type) pairs."""
    overrides = sorted(pairs)
    body = "".join(f"<Override PartName={quoteattr(n)} ContentType={quoteattr(t)}/>"
                   for n, t in overrides)
    return (_CONTENT_TYPES_HEAD + body + "</Types>").encode("utf-8")


def package_entries(package: Any) -> list[tuple[str, bytes, bool]]:
    """Every zip entry of a python-docx package, in a fixed order, with its bytes.

    The order is python-docx's own depth-first walk over the relationships, which
    depends only on the content; relationship parts follow their source part.
    """
    parts = list(package.iter_parts())
    entries = [("[Content_Types].xml", content_types_xml(parts), True),
               ("_rels/.rels", package.rels.xml, True)]
    for part in parts:
        name = str(part.partname)
        entries.append((name[1:], part.blob, name != _MAIN_DOCUMENT))
        if len(part.rels):
            entries.append((part.partname.rels_uri[1:], part.rels.xml, True))
    return entries


def package_bytes(package: Any, moment: datetime = DEFAULT_DATE, compress: bool = True) -> bytes:
    """The .docx bytes of a python-docx package (``document.part.package``)."""
    return write_zip(package_entries(package), moment, compress)


def docx_bytes(document: Any, meta: Any) -> bytes:
    """The .docx bytes of a rendered document (a :class:`procure.docx_package.DocxPackage`), entries
    dated ``meta.created``."""
    return document.to_bytes(meta.created)


def umask() -> int:
    """The process umask (read by setting and restoring it; there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    write_all_atomic([(Path(path), data)])


#: The journal a pack's swap writes in its folder, and our own temporary files (see write_all_atomic).
JOURNAL = ".procure-pack.journal"
_OURS = re.compile(r"^\.(?P<target>.+\.docx|\.procure-pack\.journal)\.(?:[a-z0-9_]{8}\.tmp|[0-9a-f]{12}\.old)$")
_DEFERRED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
                          if hasattr(signal, name))


def write_all_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write several files so that either all are replaced or none is.

    Each goes to a temporary file in its target folder (same file system, so the
    rename is atomic), flushed and fsynced; only when all are on disk are they
    renamed into place with ``os.replace``. Should a rename fail half-way, the
    files already replaced get their old contents back (kept as hard links while
    the set is swapped in). On any failure no temporary file is left behind and
    an :class:`OutputError` names the path.

    Against kills and a second render into the same folder: the folder is locked
    for the whole write (two packs never mix); the swap runs with SIGINT, SIGTERM,
    SIGHUP and SIGQUIT held back (such a kill lands after it, on a whole pack); and
    a journal records the swap, so after a SIGKILL or power loss the next write into
    the folder first puts the interrupted pack back as it was, and clears temporary
    files our own earlier runs left.
    """
    folders = sorted({Path(path).parent for path, _ in files}, key=str)
    with _locked(folders):
        for folder in folders:
            _recover(folder)
        _write_all(files)


def _write_all(files: Sequence[tuple[Path, bytes]]) -> None:
    staged: list[tuple[str, Path]] = []
    current: Path | None = None
    try:
        for current, data in files:
            staged.append((_stage(current, data), current))
        _swap_in(staged)
    except BaseException as exc:
        for tmp, _ in staged:
            _remove_quietly(tmp)
        if isinstance(exc, OSError):
            failed = getattr(exc, "target", current)
            raise OutputError(f"cannot write {failed}: {exc.strerror or exc}", Location(file=str(failed))) from exc
        raise


@contextmanager
def _locked(folders: Sequence[Path]) -> Iterator[None]:
    """An exclusive lock on each folder (flock on the folder itself: no lock file is left behind)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no locking
        yield
        return
    handles: list[int] = []
    try:
        for folder in folders:
            try:
                handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError as exc:
                raise OutputError(f"cannot write into {folder}: {exc.strerror or exc}",
                                  Location(file=str(folder))) from exc
            handles.append(handle)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError:  # a file system without locks: go on unlocked, as before
                pass
        yield
    finally:
        for handle in handles:
            os.close(handle)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back the catchable kill signals for a short critical section (main thread only)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _recover(folder: Path) -> None:
    """Undo a swap a kill interrupted (from its journal) and clear our own stale temporary files.

    Called with the folder locked, so no other render of ours is writing there: every file
    named like our temporary files is left over from a run that was killed.
    """
    journal = folder / JOURNAL
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        entries = None
    except (OSError, ValueError):
        entries = []  # unreadable: it is replaced whole (never written in place), so this is not ours
    for entry in entries or []:
        target, backup, staged = folder / entry["target"], entry.get("backup"), folder / entry["staged"]
        if backup and (folder / backup).exists():
            os.replace(folder / backup, target)  # the old file, as it was before the swap
        elif not backup and not staged.exists() and target.exists():
            target.unlink()  # new in the interrupted pack and already moved in: not part of the old pack
        _remove_quietly(str(staged))
    if entries is not None:
        _fsync_folder(folder)
        _remove_quietly(str(journal))
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if _OURS.match(name):
            _remove_quietly(str(folder / name))


def _write_journal(staged: list[tuple[str, Path]], backups: list[str | None]) -> None:
    """Record the swap about to happen, durably, in each folder it touches."""
    by_folder: dict[Path, list[dict[str, str | None]]] = {}
    for (tmp, path), backup in zip(staged, backups):
        by_folder.setdefault(path.parent, []).append(
            {"target": path.name, "staged": Path(tmp).name, "backup": Path(backup).name if backup else None})
    for folder, entries in by_folder.items():
        name = folder / f".{JOURNAL}.{secrets.token_hex(4)}.tmp"
        try:
            with open(name, "w", encoding="utf-8") as handle:
                json.dump(entries, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(name, folder / JOURNAL)
        except BaseException:
            _remove_quietly(str(name))
            raise
        _fsync_folder(folder)


def _drop_journal(staged: list[tuple[str, Path]]) -> None:
    for folder in {path.parent for _, path in staged}:
        _remove_quietly(str(folder / JOURNAL))


def _fsync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable (where the platform allows fsync on a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _swap_in(staged: list[tuple[str, Path]]) -> None:
    """Rename staged files over their targets; on a failure, restore the targets already replaced.

    The old files are first kept as hard links and the swap is journalled; catchable
    kill signals wait until the swap is over.
    """
    with _signals_held():
        backups: list[str | None] = []
        try:
            for _, path in staged:
                backups.append(_keep_old(path))
            _write_journal(staged, backups)
        except BaseException:
            for backup in backups:
                if backup is not None:
                    _remove_quietly(backup)
            _drop_journal(staged)
            raise
        done: list[Path] = []
        try:
            for tmp, path in staged:
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    exc.target = path  # type: ignore[attr-defined]  # which target, for the message
                    raise
                done.append(path)
        except BaseException:
            for path, backup in reversed(list(zip(done, backups))):
                if backup is None:
                    _remove_quietly(str(path))
                else:
                    os.replace(backup, path)
            for backup in backups[len(done):]:
                if backup is not None:
                    _remove_quietly(backup)
            _drop_journal(staged)
            raise
        _drop_journal(staged)
        for backup in backups:
            if backup is not None:
                _remove_quietly(backup)


def _keep_old(path: Path) -> str | None:
    """A hard link to the file now at ``path`` (None when there is none), to put back on failure."""
    if not path.exists():
        return None
    name = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.old")
    try:
        os.link(path, name)
    except OSError:  # a file system without hard links: a copy serves as well
        shutil.copy2(path, name)
    return name


def _stage(path: Path, data: bytes) -> str:
    """``data`` in a fsynced temporary file beside ``path``; its name.

    A folder in the target's place is refused here, before any file of the set is
    renamed: it is the one thing that would make a rename fail after staging.
    """
    if path.is_dir():
        raise OutputError(f"cannot write {path}: a folder has that name; move it or choose another output folder",
                          Location(file=str(path)))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~umask())
    except BaseException:
        _remove_quietly(tmp)
        raise
    return tmp


def _remove_quietly(name: str) -> None:
    """Delete a temporary file if it is still there."""
    try:
        os.unlink(name)
    except OSError:
        pass
