"""Page numbers for the table of contents, from one layout of the document by LibreOffice.

A .docx holds no layout: Word computes page numbers when it opens a file, and
asks first (``updateFields``). A reader who declines, a previewer, or a PDF made
with LibreOffice (which shows a TOC's cached text as is) would see a contents
page without pages. So when LibreOffice is installed, procure lets it lay each
document out once, headless, with a private profile, as PDF: every heading's
bookmark becomes a named destination there with its page (``pdfinfo -dests``).
The document is then rendered again with those numbers in its contents.

The layout pass renders the contents in full, every entry with a two-digit
number (see :class:`procure.docx_render.LayoutPages`): contents that run over
two or more pages push the headings back in the layout exactly as in the final
document, so the pages found already count the contents' own length, and
filling in the real numbers changes nothing on the pages. The result depends only on the document and the fonts
installed, so a rebuild on the same machine gives the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from msgspec import Struct

#: Seconds one LibreOffice run may take for a pack before procure gives up (and warns).
TIMEOUT = 180
_DEST = re.compile(r"^\s*(\d+)\s+\[.*\]\s+\"(.*)\"\s*$")
_EXPORT = ('pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"},'
           '"ExportNotes":{"type":"boolean","value":"false"}}')


class LayoutFailed(Exception):
    """LibreOffice could not lay the documents out; the message says why."""


class Tools(Struct, frozen=True):
    soffice: str
    pdfinfo: str


def tools() -> Tools | None:
    """LibreOffice and poppler's pdfinfo, when both are installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdfinfo = shutil.which("pdfinfo")
    return Tools(soffice, pdfinfo) if soffice and pdfinfo else None


def available() -> bool:
    return tools() is not None


def heading_pages(documents: list[bytes]) -> list[dict[str, int]]:
    """For each .docx, its headings' bookmarks (``_Toc00000001``...) and the page each starts on.

    One LibreOffice run lays out all documents (its start-up is most of the cost).
    Raises :class:`LayoutFailed` when LibreOffice or pdfinfo is missing or fails.
    """
    found = tools()
    if found is None:
        raise LayoutFailed("LibreOffice (soffice) and pdfinfo (poppler-utils) are needed to number the contents")
    with tempfile.TemporaryDirectory(prefix="procure-toc-") as folder:
        work = Path(folder)
        names = []
        for index, data in enumerate(documents):
            name = work / f"d{index}.docx"
            name.write_bytes(data)
            names.append(name)
        profile = work / "profile"
        command = [found.soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", _EXPORT, "--outdir", str(work / "pdf"), *map(str, names)]
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False,
                           env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LayoutFailed(f"LibreOffice did not lay the documents out: {exc}") from exc
        return [_destinations(found.pdfinfo, work / "pdf" / f"{name.stem}.pdf") for name in names]


def _destinations(pdfinfo: str, pdf: Path) -> dict[str, int]:
    if not pdf.is_file():
        raise LayoutFailed("LibreOffice could not convert a document to PDF to number its contents")
    try:
        listing = subprocess.run([pdfinfo, "-dests", str(pdf)], capture_output=True, text=True,
                                 timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise LayoutFailed(f"pdfinfo could not read the laid-out document: {exc}") from exc
    pages: dict[str, int] = {}
    for line in listing.splitlines():
        match = _DEST.match(line)
        if match:
            name = _unescape(match.group(2))
            pages.setdefault(name, int(match.group(1)))
    return pages


def _unescape(name: str) -> str:
    """A bookmark name as pdfinfo prints it: LibreOffice writes the leading ``_`` as ``#5F``
    (printed ``5F`` or ``#5F``)."""
    for escaped in ("#5F", "5F"):
        if name.startswith(escaped):
            return "_" + name[len(escaped):]
    return name
