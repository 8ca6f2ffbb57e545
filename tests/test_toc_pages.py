"""The table of contents carries page numbers as delivered: LibreOffice lays each document out
once, and the pages it found are written into the contents (needs LibreOffice and poppler;
skips without them locally, fails in CI)."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from procure import toc_pages
from procure.build import BuildOptions, build_pack
from procure.docx_render import DocMeta, LayoutPages, build_docx
from tests.conftest import EXAMPLES, require_client

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
META = DocMeta(title="T", subtitle="S", language="nl", reference="R-1", creator="C")
MARKDOWN = "# Een\n\nTekst.\n\n## Twee\n\n---\n\n# Drie\n\nMeer.\n"


def part(data: bytes, name: str = "word/document.xml") -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))


def toc_entries(data: bytes) -> list[tuple[str, str]]:
    """(entry text without its page, page) of every contents entry."""
    root = part(data)
    entries = []
    for p in root.iter(f"{{{W}}}p"):
        style = p.find("w:pPr/w:pStyle", NS)
        if style is None or not style.get(f"{{{W}}}val").startswith("TOC") or style.get(f"{{{W}}}val") == "TOCHeading":
            continue
        texts = [t.text for t in p.iter(f"{{{W}}}t")]
        entries.append((" ".join(texts[:-1]), texts[-1]))
    return entries


# --- without LibreOffice: the renderer's part -------------------------------------------------


def test_given_page_numbers_complete_the_contents_and_word_is_not_asked_to_update():
    data = build_docx(MARKDOWN, META, page_numbers={"_Toc00000001": 3, "_Toc00000002": 3, "_Toc00000003": 4})
    root = part(data)
    assert [i.text for i in root.iter(f"{{{W}}}instrText")][1:] == [
        " PAGEREF _Toc00000001 \\h ", " PAGEREF _Toc00000002 \\h ", " PAGEREF _Toc00000003 \\h "]
    assert toc_entries(data) == [("1 Een", "3"), ("1.1 Twee", "3"), ("2 Drie", "4")]
    assert root.find(".//w:fldChar[@w:dirty]", NS) is None
    assert part(data, "word/footer1.xml").find(".//w:fldChar[@w:dirty]", NS) is None
    assert part(data, "word/settings.xml").find("w:updateFields", NS) is None


def test_without_page_numbers_word_fills_them_in_on_opening():
    data = build_docx(MARKDOWN, META)
    assert part(data).find(".//w:fldChar[@w:dirty='true']", NS) is not None
    assert part(data, "word/settings.xml").find("w:updateFields", NS) is not None
    assert "PAGEREF" not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()


def test_a_heading_the_layout_did_not_place_leaves_the_numbering_to_word():
    data = build_docx(MARKDOWN, META, page_numbers={"_Toc00000001": 3})
    assert "PAGEREF" not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert part(data, "word/settings.xml").find("w:updateFields", NS) is not None


def test_the_layout_pass_reserves_two_digits_for_every_page():
    assert toc_entries(build_docx(MARKDOWN, META, page_numbers=LayoutPages()))[0] == ("1 Een", "88")


def test_a_failed_layout_is_a_warning_and_the_documents_are_still_written(tmp_path, monkeypatch):
    monkeypatch.setattr(toc_pages, "tools", lambda: None)
    result = build_pack(EXAMPLES[0], BuildOptions(out_dir=tmp_path, toc_pages=True))
    assert result.ok and result.documents
    (warning,) = [i for i in result.issues if "page numbers" in i.message]
    assert warning.severity == "warning" and "LibreOffice" in warning.message


def test_pdf_destination_names_are_read_back_as_bookmarks():
    assert toc_pages._unescape("5FToc00000012") == "_Toc00000012"
    assert toc_pages._unescape("#5FToc00000012") == "_Toc00000012"
    assert toc_pages._DEST.match('   3 [ XYZ  105  749 null      ] "5FToc00000001"').groups() == ("3", "5FToc00000001")


# --- with LibreOffice: the pages are right ------------------------------------------------------


@pytest.mark.client
def test_every_contents_entry_names_the_page_its_heading_is_on_in_libreoffice(tmp_path):
    soffice = require_client("soffice")
    pdftotext = require_client("pdftotext")
    require_client("pdfinfo")
    docs = []
    for example in EXAMPLES:
        result = build_pack(example, BuildOptions(out_dir=tmp_path / example.stem, toc_pages=True))
        assert result.ok and not result.issues, result.issues
        docs += [doc.path for doc in result.documents]
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, docs)], check=True, capture_output=True,
                   timeout=600)
    for doc in docs:
        data = doc.read_bytes()
        entries = toc_entries(data)
        assert entries and all(page.isdigit() for _, page in entries), doc.name
        pdf = tmp_path / "pdf" / f"{doc.stem}.pdf"
        assert_entries_name_their_pages(pdftotext, pdf, entries, doc.name)
        assert part(data, "word/settings.xml").find("w:updateFields", NS) is None
    again = build_pack(EXAMPLES[0], BuildOptions(out_dir=tmp_path / "again", toc_pages=True))
    first = tmp_path / EXAMPLES[0].stem
    assert [d.path.read_bytes() for d in again.documents] == [(first / d.path.name).read_bytes()
                                                             for d in again.documents]


def assert_entries_name_their_pages(pdftotext: str, pdf: Path, entries: list[tuple[str, str]], name: str) -> None:
    """Every contents page shows its entries' numbers, and each heading stands on the page its entry names.
    The contents start on page 2 and run up to the page before the first heading's, however many that is."""
    pages = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    first = min(int(page) for _, page in entries)
    assert first >= 3, (name, first)
    contents = " ".join(" ".join(pages[1:first - 1]).split())
    for title, page in entries:
        assert re.search(re.escape(" ".join(title.split())) + r"[ .…]*" + page + r"\b", contents), (name, title)
        heading = " ".join(title.split()[1:]) if title.split()[0][0].isdigit() else title
        assert " ".join(heading.split()) in " ".join(pages[int(page) - 1].split()), (name, title, page)


@pytest.mark.client
def test_contents_longer_than_a_page_are_laid_out_with_their_own_length(tmp_path):
    """Contents that take two pages push every heading a page further: the layout pass renders the
    contents in full, so the pages it finds already count them."""
    soffice = require_client("soffice")
    pdftotext = require_client("pdftotext")
    require_client("pdfinfo")
    markdown = "".join(f"# Onderwerp {n:02d}\n\n" + "Een alinea over dit onderwerp. " * 12 + "\n\n"
                       + f"## Onderdeel {n:02d}a\n\nKort.\n\n## Onderdeel {n:02d}b\n\nKort.\n\n" for n in range(1, 31))
    (pages,) = toc_pages.heading_pages([build_docx(markdown, META, page_numbers=LayoutPages())])
    doc = tmp_path / "long.docx"
    doc.write_bytes(build_docx(markdown, META, page_numbers=pages))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(doc)], check=True, capture_output=True, timeout=300)
    entries = toc_entries(doc.read_bytes())
    assert len(entries) == 90 and all(page.isdigit() for _, page in entries)
    assert min(int(page) for _, page in entries) >= 4, "the contents should take pages 2 and 3"
    assert_entries_name_their_pages(pdftotext, tmp_path / "long.pdf", entries, doc.name)
