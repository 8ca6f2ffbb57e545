"""``--pdf`` / ``--pdfa``: LibreOffice makes tagged PDFs (PDF/A-2b when asked) with the TOC's page numbers."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from procure import pdf
from procure.cli import cli
from procure.errors import OutputError
from tests.conftest import ROOT, require_client

EXAMPLE = ROOT / "examples" / "waterschap-meldingen.yaml"
TOC_LINE = re.compile(r"^\s*(\d+(?:\.\d+)*)\s+(\S.*?)\s*\.{3,}\s*(\d+)\s*$")


def info(path: Path) -> str:
    return subprocess.run([require_client("pdfinfo"), str(path)], check=True, capture_output=True, text=True).stdout


def metadata(path: Path) -> str:
    return subprocess.run([require_client("pdfinfo"), "-meta", str(path)], check=True, capture_output=True,
                          text=True).stdout


def pages(path: Path) -> list[str]:
    text = subprocess.run([require_client("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    return text.split("\f")


def check_toc(path: Path) -> None:
    """The TOC lists the headings with page numbers, and each heading is on the page its entry names."""
    text = pages(path)
    entries = []
    for page in text[1:]:  # the contents start on page 2 and may take more than one page
        found = [m for m in map(TOC_LINE.match, page.splitlines()) if m]
        if not found:
            break
        entries += found
    assert len(entries) >= 5, "no TOC with page numbers"
    total = int(re.search(r"Pages:\s+(\d+)", info(path)).group(1))
    for match in entries:
        number, title, page = match.group(1), match.group(2), int(match.group(3))
        assert 2 <= page <= total
        flat = " ".join(text[page - 1].split())
        assert f"{number} {title.split()[0]}" in flat, f"{number} {title} is not on page {page}"


@pytest.mark.client
def test_batch_pdfa_is_tagged_archival_and_has_toc_page_numbers(tmp_path: Path) -> None:
    require_client("soffice")
    result = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "-o", str(tmp_path), "--pdfa", "-j", "1"])
    assert result.exit_code == 0, result.stderr
    pack = tmp_path / "WLL-2027-012"
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    documents = sorted(o["name"] for o in manifest["outputs"] if o["name"].endswith(".docx"))
    assert "WLL-2027-012-tender.docx" in documents and "WLL-2027-012-consultation.docx" in documents
    assert sorted(o["name"] for o in manifest["outputs"] if o["kind"] == "pdf/a-2b") == [
        name.replace(".docx", ".pdf") for name in documents]
    for name in ("WLL-2027-012-consultation.pdf", "WLL-2027-012-tender.pdf"):
        path = pack / name
        assert re.search(r"Tagged:\s+yes", info(path))
        meta = metadata(path)
        assert "<pdfaid:part>2</pdfaid:part>" in meta and "<pdfaid:conformance>B</pdfaid:conformance>" in meta
        check_toc(path)
    footer = pages(pack / "WLL-2027-012-tender.pdf")[2]
    assert re.search(r"Pagina 3 van \d+", footer)
    again = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "-o", str(tmp_path), "--pdfa", "-j", "1"])
    assert "0 built, 1 skipped" in again.stderr


@pytest.mark.client
def test_render_pdf_is_tagged_and_not_pdfa(tmp_path: Path) -> None:
    require_client("soffice")
    result = CliRunner().invoke(cli, ["render", str(ROOT / "examples" / "agency-permits.yaml"), "-o", str(tmp_path),
                                      "--pdf"])
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "NPA-2027-007-tender.pdf"
    assert f"wrote {path}" in result.stdout
    assert re.search(r"Tagged:\s+yes", info(path))
    assert "pdfaid:part" not in metadata(path)
    check_toc(path)


def test_missing_libreoffice_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCURE_SOFFICE", raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    monkeypatch.setattr(pdf, "_KNOWN_PATHS", ())
    with pytest.raises(OutputError, match="apt-get install libreoffice-writer-nogui"):
        pdf.find_soffice()
    result = CliRunner().invoke(cli, ["batch", str(EXAMPLE), "-o", str(tmp_path), "--pdf", "-j", "1"])
    assert result.exit_code == 1
    assert "--pdf needs LibreOffice, which was not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "WLL-2027-012").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".procure")]
    monkeypatch.setenv("PROCURE_SOFFICE", str(tmp_path / "nowhere"))
    with pytest.raises(OutputError, match="PROCURE_SOFFICE is .* not a program"):
        pdf.find_soffice()
