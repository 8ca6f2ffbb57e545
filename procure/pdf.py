"""Tagged PDF, or PDF/A-2b, from the .docx documents, with LibreOffice.

The documents carry their table of contents complete, page numbers included
(procure.toc_pages lays them out once and writes the pages in), so LibreOffice
only has to convert: one ``soffice --convert-to`` run, with a private profile,
takes every document of the call, with the ``writer_pdf_Export`` filter options
``UseTaggedPDF`` (accessibility: Dutch public bodies must publish accessible
documents) and, for ``--pdfa``, ``SelectPdfVersion`` 2 (PDF/A-2b, for archiving).

Earlier versions ran a Basic macro that updated the indexes before exporting.
LibreOffice 7.4 aborts (SIGABRT) when it updates a table of contents in a
document with comments, which every draft has (a comment on each placeholder);
the abort left its lock files beside the documents, so every later attempt to
open them failed ("Object variable not set"). Converting the finished .docx
needs neither the macro nor an index update, and LibreOffice opens copies in a
temporary folder, so a failure leaves nothing beside the user's files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from procure.errors import Issue, Location, OutputError

INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; macOS: brew install "
                "--cask libreoffice; Windows and others: https://www.libreoffice.org/download/) and make sure "
                "soffice is on the PATH, or set PROCURE_SOFFICE to its full path")
_CANDIDATES = ("soffice", "libreoffice")
_KNOWN_PATHS = ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
                r"C:\Program Files\LibreOffice\program\soffice.exe")
_SECONDS_START = 180
_SECONDS_PER_DOCUMENT = 60


def export_filter(pdfa: bool) -> str:
    """The ``--convert-to`` argument: PDF, tagged, PDF/A-2b when ``pdfa``, comments not printed."""
    options = {"UseTaggedPDF": {"type": "boolean", "value": "true"},
               "SelectPdfVersion": {"type": "long", "value": "2" if pdfa else "0"},
               "ExportNotes": {"type": "boolean", "value": "false"}}
    return "pdf:writer_pdf_Export:" + json.dumps(options, separators=(",", ":"))


def find_soffice() -> str:
    """The LibreOffice program: ``PROCURE_SOFFICE``, else soffice/libreoffice on the PATH or where installers put it."""
    configured = os.environ.get("PROCURE_SOFFICE", "").strip()
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise OutputError(f"PROCURE_SOFFICE is {configured!r}, which is not a program; {INSTALL_HINT}")
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in _KNOWN_PATHS:
        if Path(path).is_file():
            return path
    raise OutputError(f"--pdf needs LibreOffice, which was not found; {INSTALL_HINT}")


def convert_all(jobs: Sequence[tuple[Path, Path]], pdfa: bool = False) -> dict[Path, Issue]:
    """Convert each (source .docx, target .pdf) with one LibreOffice process; the sources that failed,
    each with a located issue. Raises :class:`OutputError` when LibreOffice is missing or does not run."""
    if not jobs:
        return {}
    soffice = find_soffice()
    failures: dict[Path, Issue] = {}
    with tempfile.TemporaryDirectory(prefix="procure-soffice-") as tmp:
        work = Path(tmp)
        copies = []
        for index, (source, _) in enumerate(jobs):
            copy = work / "in" / f"d{index}.docx"  # unique names: two sources may share a file name
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, copy)
            copies.append(copy)
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--convert-to", export_filter(pdfa), "--outdir", str(work / "out"),
                   *map(str, copies)]
        stopped = _run(command, _SECONDS_START + _SECONDS_PER_DOCUMENT * len(jobs))
        for (source, target), copy in zip(jobs, copies):
            produced = work / "out" / f"{copy.stem}.pdf"
            if not produced.is_file() or produced.stat().st_size == 0:
                why = stopped or "LibreOffice wrote no PDF for it"
                failures[source] = Issue(Location(file=str(source)), f"LibreOffice could not convert it to PDF: {why}")
                continue
            shutil.move(str(produced), target)
    return failures


def _run(command: list[str], timeout: float) -> str:
    """Run LibreOffice; what went wrong when it stopped abnormally (the converted files may still be there)."""
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                   stdin=subprocess.DEVNULL, env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    except FileNotFoundError:
        raise OutputError(f"--pdf needs LibreOffice, and {command[0]} could not be started; {INSTALL_HINT}") from None
    except subprocess.TimeoutExpired:
        raise OutputError(f"LibreOffice ({command[0]}) did not finish within {timeout:.0f} s; try again, or "
                          "convert fewer documents at a time") from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        return f"LibreOffice ({command[0]}) stopped with exit code {completed.returncode}" + (
            f": {detail[-1]}" if detail else "")
    return ""


def convert_in_place(documents: Sequence[Path], pdfa: bool = False) -> list[Path]:
    """``render --pdf``: a PDF beside each document, each written whole (to a temporary name, then renamed)."""
    with tempfile.TemporaryDirectory(prefix="procure-pdf-") as tmp:
        jobs = [(doc, Path(tmp) / f"{index}.pdf") for index, doc in enumerate(documents)]
        failures = convert_all(jobs, pdfa)
        if failures:
            raise OutputError("; ".join(str(issue) for issue in failures.values()))
        written = []
        for (doc, staged) in jobs:
            target = doc.with_suffix(".pdf")
            shutil.copyfile(staged, target.with_name(f".{target.name}.tmp"))
            os.replace(target.with_name(f".{target.name}.tmp"), target)
            written.append(target)
        return written
