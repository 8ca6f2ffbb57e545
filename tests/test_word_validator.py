"""Microsoft's Open XML SDK validator reports no error in any document procure writes.

Every document of every example, on the house style and on references shaped as
Word's default template and LibreOffice save them. Needs Node and npm (skips
without them locally; fails in CI).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from procure.build import BuildOptions, build_pack
from tests.conftest import EXAMPLES
from tests.test_cli import MINIMAL
from tests.ooxml_validator import describe, validate

pytestmark = pytest.mark.client

FIXTURES = Path(__file__).parent / "fixtures"


def _render_all(out: Path, reference: Path | None = None, toc_pages: bool = False) -> list[Path]:
    paths = []
    for example in EXAMPLES:
        options = BuildOptions(out_dir=out / example.stem, reference_doc=reference, toc_pages=toc_pages)
        result = build_pack(example, options)
        assert result.ok, result.issues
        paths += [doc.path for doc in result.documents]
    return paths


def test_every_example_document_is_valid_for_word(tmp_path: Path) -> None:
    from tests.test_styles import reference_with_styles

    word_reference = reference_with_styles(tmp_path / "word.docx",
                                           (FIXTURES / "word_default_styles.xml").read_bytes())
    # The house style with the contents numbered by LibreOffice where it is installed, as delivered.
    paths = (_render_all(tmp_path / "house", toc_pages=shutil.which("soffice") is not None)
             + _render_all(tmp_path / "word", word_reference))
    # A draft: placeholders with comments on the body and the title page, a title-page header.
    draft = tmp_path / "draft.yaml"
    draft.write_text(MINIMAL, encoding="utf-8")
    result = build_pack(draft, BuildOptions(out_dir=tmp_path / "draft"))
    assert result.ok and all(doc.placeholders for doc in result.documents)
    paths += [doc.path for doc in result.documents]
    assert len(paths) >= 2 * len(EXAMPLES)
    report = validate(paths)
    invalid = {path: errors for path, errors in report.items() if errors}
    assert not invalid, "\n".join(f"{p.relative_to(tmp_path)}:\n{describe(e)}" for p, e in invalid.items())
