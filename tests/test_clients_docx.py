"""Real clients show what the documents say about themselves: LibreOffice prints the draft mark
on every page, pandoc reads the comments on placeholders back, and references saved by
LibreOffice and shaped like Word's default template keep the contents title unnumbered.

Locally these skip when a client is missing; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from procure.build import BuildOptions, build_pack
from tests.conftest import EXAMPLES, require_client
from tests.test_cli import MINIMAL
from tests.test_styles import FIXTURES, reference_with_styles

pytestmark = pytest.mark.client
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def to_pdf(docs: list[Path], out: Path) -> dict[Path, Path]:
    soffice = require_client("soffice")
    subprocess.run([soffice, f"-env:UserInstallation=file://{out}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out / "pdf"), *map(str, docs)], check=True, capture_output=True, timeout=600)
    return {doc: out / "pdf" / f"{doc.stem}.pdf" for doc in docs}


def pdf_pages(pdf: Path) -> list[str]:
    pdftotext = require_client("pdftotext")
    text = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def render(tmp_path: Path, text: str, **options: object) -> list[Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "problem.yaml"
    source.write_text(text, encoding="utf-8")
    result = build_pack(source, BuildOptions(out_dir=tmp_path / "out", **options))
    assert result.ok, result.issues
    return [doc.path for doc in result.documents]


def test_a_draft_says_so_on_every_page_and_a_final_document_on_none(tmp_path: Path) -> None:
    drafts = render(tmp_path / "draft", MINIMAL)
    example = next(e for e in EXAMPLES if e.stem == "gemeente-bijstand")
    complete = render(tmp_path / "final", example.read_text(encoding="utf-8"))
    assert "document:" in example.read_text(encoding="utf-8")
    pdfs = to_pdf(drafts + complete, tmp_path)
    for doc in drafts:
        pages = pdf_pages(pdfs[doc])
        # a title page, the contents and at least one page of text; the consultation report, a skeleton
        # completed after the consultation, has no more than that, the tender runs over many pages
        assert len(pages) >= 3 and (len(pages) > 3 or doc.stem.endswith("consultation_report")), (doc.name, len(pages))
        assert all("DRAFT" in page for page in pages), [i + 1 for i, p in enumerate(pages) if "DRAFT" not in p]
        assert "Status" in pages[0] and "Draft" in pages[0]
    # A complete example with its version: final exactly when no placeholder or proposal is left.
    for doc in complete:
        data = doc.read_bytes()
        body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
        has_gaps = b'w:val="Placeholder"' in body or b'w:val="Proposal"' in body
        pages = pdf_pages(pdfs[doc])
        assert any("CONCEPT" in page for page in pages) == has_gaps
        # a form the contracting authority completes (the consultation report) says so instead of final
        final = "In te vullen door de aanbestedende dienst" if doc.stem.endswith("consultation_report") else "Definitief"
        assert (final in pages[0]) != has_gaps, (doc.name, pages[0][-120:])


def test_pandoc_reads_the_field_of_each_placeholder_from_its_comment(tmp_path: Path) -> None:
    pandoc = require_client("pandoc")
    (tender,) = render(tmp_path, MINIMAL, kinds=("tender",))
    shown = subprocess.run([pandoc, "-f", "docx", "-t", "plain", str(tender)], check=True, capture_output=True,
                           text=True).stdout
    with_comments = subprocess.run([pandoc, "--track-changes=all", "-f", "docx", "-t", "html", str(tender)],
                                   check=True, capture_output=True, text=True).stdout
    assert "[to be completed: date of publication]" in shown
    assert "tender.published" not in shown
    assert 'class="comment-start"' in with_comments and 'data-author="procure"' in with_comments
    assert "To be completed in the problem statement (YAML), field tender.published" in " ".join(with_comments.split())


def _libreoffice_saved_reference(tmp_path: Path) -> Path:
    """A .docx saved by LibreOffice (a procure document opened and saved again), as an office would."""
    soffice = require_client("soffice")
    (source,) = render(tmp_path / "src", MINIMAL, kinds=("tender",))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "lo"), str(source)], check=True,
                   capture_output=True, timeout=300)
    saved = tmp_path / "lo" / source.name
    assert saved.exists()
    return saved


@pytest.mark.parametrize("kind", ["libreoffice", "word-default"])
def test_references_keep_the_contents_title_unnumbered_and_style_ids_unique(tmp_path: Path, kind: str) -> None:
    if kind == "libreoffice":
        reference = _libreoffice_saved_reference(tmp_path)
    else:
        reference = reference_with_styles(tmp_path / "word.docx", (FIXTURES / "word_default_styles.xml").read_bytes())
    docs = render(tmp_path / "doc", MINIMAL, reference_doc=reference, kinds=("tender",))
    styles = etree.fromstring(zipfile.ZipFile(docs[0]).read("word/styles.xml"))
    ids = [s.get(f"{{{W}}}styleId") for s in styles.iter(f"{{{W}}}style")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    pages = pdf_pages(to_pdf(docs, tmp_path)[docs[0]])
    contents = [line.strip() for line in pages[1].splitlines() if line.strip()]
    title = next(i for i, line in enumerate(contents) if "Contents" in line)
    assert contents[title].endswith("Contents") and not contents[title][0].isdigit(), contents[title]
    body = " ".join("\n".join(pages[2:]).split())
    assert "1 Introduction" in body and "2 Introduction" not in body, body[:300]
