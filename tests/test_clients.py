"""Real clients read what we write: LibreOffice lays every example out as PDF, pandoc reads it back.

These tests run the programs a reader's machine runs. Locally they skip when a
client is missing; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from procure.build import BuildOptions, build_pack
from procure.loader import load_problem
from tests.conftest import EXAMPLES, require_client

pytestmark = pytest.mark.client

#: Fields whose values are codes, not text a reader sees verbatim.
CODE_FIELDS = {"language", "kind", "authority_type", "value_area", "payment", "currency", "procedure", "schema_version", "checks", "covers"}


def user_strings(value: Any, key: str = "") -> list[str]:
    """Every free-text string the user wrote, split into paragraphs."""
    if key in CODE_FIELDS:
        return []
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in user_strings(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in user_strings(v, key)]
    if isinstance(value, str):
        return [p for p in re.split(r"\n\s*\n", value) if p.strip()]
    return []


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[Path]]:
    """Every example rendered once for this module."""
    out = tmp_path_factory.mktemp("docs")
    packs = {}
    for example in EXAMPLES:
        result = build_pack(example, BuildOptions(out_dir=out))
        assert result.ok, result.issues
        packs[example] = [doc.path for doc in result.documents]
    return packs


@pytest.fixture(scope="module")
def pdfs(rendered: dict[Path, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """LibreOffice converts every .docx to PDF in one run (as a reader's office suite would open them)."""
    soffice = require_client("soffice")
    out = tmp_path_factory.mktemp("pdf")
    profile = tmp_path_factory.mktemp("lo-profile")
    docs = [doc for docs in rendered.values() for doc in docs]
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *map(str, docs)],
        check=True, capture_output=True, timeout=600,
    )
    return {doc: out / f"{doc.stem}.pdf" for doc in docs}


def pdf_text(pdf: Path) -> str:
    pdftotext = require_client("pdftotext")
    return subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_libreoffice_lays_out_every_document(pdfs: dict[Path, Path], rendered: dict[Path, list[Path]]) -> None:
    for example, docs in rendered.items():
        problem = load_problem(example).problem
        for doc in docs:
            pdf = pdfs[doc]
            assert pdf.exists() and pdf.stat().st_size > 10_000, f"LibreOffice did not convert {doc.name}"
            text = squash(pdf_text(pdf))
            assert squash(problem.title) in text
            assert squash(problem.buyer.organisation) in text
            # The footer's PAGE and NUMPAGES fields were filled in: "Pagina 2 van 9" / "Page 2 of 9".
            assert re.search(r"(Pagina|Page) 2 (van|of) \d+", text), f"no page numbers in {doc.name}"


def test_pandoc_reads_back_every_user_string(rendered: dict[Path, list[Path]]) -> None:
    pandoc = require_client("pandoc")
    for example, docs in rendered.items():
        loaded = load_problem(example)
        wanted = user_strings(loaded.problem.model_dump(exclude_none=True))
        text = ""
        for doc in docs:
            out = subprocess.run([pandoc, "-f", "docx", "-t", "html", str(doc)], check=True,
                                 capture_output=True, text=True).stdout
            text += " " + html.unescape(re.sub(r"<[^>]+>", " ", out))
        text = squash(text)
        missing = [s for s in wanted if squash(s) not in text]
        assert not missing, f"{example.name}: user text missing from the documents: {missing}"
