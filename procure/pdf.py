"""Tagged PDF, or PDF/A-2b, from the .docx documents, with LibreOffice.

``soffice --convert-to pdf`` would leave the table of contents as the .docx
carries it (entries without page numbers: LibreOffice does not recompute a
TOC on import), and it starts one office per call. Instead, one LibreOffice
process, with a private profile, runs a small Basic macro over the whole list
of documents: it opens each one hidden, updates its indexes (the TOC gets its
page numbers) and its fields, and exports it with ``writer_pdf_Export`` and
the filter options ``UseTaggedPDF`` (accessibility: Dutch public bodies must
publish accessible documents) and, for ``--pdfa``, ``SelectPdfVersion`` 2
(PDF/A-2b, for archiving). The private profile is set up by a first start of
LibreOffice (which writes the profile and then stops); the macro is written
into it before the converting process starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from procure.errors import Issue, Location, OutputError

INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; macOS: brew install "
                "--cask libreoffice; Windows and others: https://www.libreoffice.org/download/) and make sure "
                "soffice is on the PATH, or set PROCURE_SOFFICE to its full path")
_CANDIDATES = ("soffice", "libreoffice")
_KNOWN_PATHS = ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
                r"C:\Program Files\LibreOffice\program\soffice.exe")
_SECONDS_START = 180
_SECONDS_PER_DOCUMENT = 60

_MACRO = """
Sub ConvertAll(listUrl As String)
  Dim listFile As Integer, doneFile As Integer, entry As String, parts
  listFile = FreeFile
  Open ConvertFromURL(listUrl) For Input As #listFile
  doneFile = FreeFile
  Open ConvertFromURL(listUrl) & ".done" For Output As #doneFile
  Do While Not EOF(listFile)
    Line Input #listFile, entry
    If Len(entry) > 0 Then
      parts = Split(entry, Chr(9))
      Print #doneFile, ConvertOne(parts(1), parts(2), parts(0) = "1") & Chr(9) & parts(2)
    End If
  Loop
  Close #listFile
  Close #doneFile
  StarDesktop.terminate()
End Sub

Function ConvertOne(source As String, target As String, archive As Boolean) As String
  Dim doc As Object, indexes As Object, i As Integer
  On Error GoTo Failed
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = "Hidden"
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(source, "_blank", 0, load())
  indexes = doc.getDocumentIndexes()
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next i
  doc.getTextFields().refresh()
  ' The TOC's own page numbers may move the headings: update once more now that they are in.
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next i
  Dim options(1) As New com.sun.star.beans.PropertyValue
  options(0).Name = "UseTaggedPDF"
  options(0).Value = True
  options(1).Name = "SelectPdfVersion"
  options(1).Value = CLng(IIf(archive, 2, 0))
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = "FilterName"
  store(0).Value = "writer_pdf_Export"
  store(1).Name = "FilterData"
  store(1).Value = options()
  doc.storeToURL(target, store())
  doc.close(True)
  ConvertOne = "ok"
  Exit Function
Failed:
  ConvertOne = "error " & Err & ": " & Error$
  On Error Resume Next
  If Not IsNull(doc) Then doc.close(True)
End Function
"""


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
    with tempfile.TemporaryDirectory(prefix="procure-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        profile_arg = f"-env:UserInstallation={profile.as_uri()}"
        _run([soffice, profile_arg, "--headless", "--norestore", "--terminate_after_init"], _SECONDS_START)
        module = profile / "user" / "basic" / "Standard" / "Module1.xba"
        if not module.parent.is_dir():
            raise OutputError(f"LibreOffice ({soffice}) did not set up its profile in {profile}; check that it "
                              f"runs (soffice --headless --version), or {INSTALL_HINT}")
        module.write_text(_module_xml(), encoding="utf-8")
        listing = Path(tmp) / "documents.txt"
        listing.write_text("".join(f"{1 if pdfa else 0}\t{Path(s).resolve().as_uri()}\t{Path(t).resolve().as_uri()}\n"
                                   for s, t in jobs), encoding="ascii")
        macro = f'macro:///Standard.Module1.ConvertAll("{listing.as_uri()}")'
        _run([soffice, profile_arg, "--headless", "--norestore", "--nologo", "--nodefault", "--invisible", macro],
             _SECONDS_START + _SECONDS_PER_DOCUMENT * len(jobs))
        done = listing.with_name(listing.name + ".done")
        status = {}
        if done.is_file():
            for line in done.read_text(encoding="utf-8", errors="replace").splitlines():
                result, _, target = line.partition("\t")
                status[target] = result
    failures: dict[Path, Issue] = {}
    for source, target in jobs:
        result = status.get(Path(target).resolve().as_uri(), "not converted (LibreOffice stopped before it)")
        if result != "ok" or not Path(target).is_file() or Path(target).stat().st_size == 0:
            failures[source] = Issue(Location(file=str(source)), f"LibreOffice could not convert it to PDF: {result}")
    return failures


def _module_xml() -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
            '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
            f'script:language="StarBasic">{escape(_MACRO, {chr(34): "&quot;"})}</script:module>\n')


def _run(command: list[str], timeout: float) -> None:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                   stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise OutputError(f"--pdf needs LibreOffice, and {command[0]} could not be started; {INSTALL_HINT}") from None
    except subprocess.TimeoutExpired:
        raise OutputError(f"LibreOffice ({command[0]}) did not finish within {timeout:.0f} s; try again, or "
                          "convert fewer documents at a time") from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise OutputError(f"LibreOffice ({command[0]}) stopped with exit code {completed.returncode}"
                          + (f": {detail[-1]}" if detail else ""))


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
