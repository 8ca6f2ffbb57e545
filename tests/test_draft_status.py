"""What a document says about itself: draft or final, version, date, and the real date in its properties."""

from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from procure.build import BuildOptions, build_document, build_pack
from procure.errors import InputError
from procure.loader import load_problem
from procure.package import DEFAULT_DATE
from tests.test_cli import MINIMAL

COMPLETE = MINIMAL + """\
cpv_codes: ["72000000-5"]
tender:
  published: 2027-03-01T09:00
document:
  version: "1.10"
  date: 2027-02-20
"""


def cover(data: bytes) -> dict[str, str]:
    return {row.cells[0].text: row.cells[1].text for row in Document(BytesIO(data)).tables[0].rows}


def tender(tmp_path: Path, text: str) -> bytes:
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    return build_document(load_problem(path), "tender", BuildOptions(out_dir=tmp_path)).data


def test_without_version_and_dates_the_title_page_shows_placeholders_and_a_draft(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    data = tender(tmp_path, MINIMAL)
    rows = cover(data)
    assert rows["Version"] == "[to be completed: version]"
    assert rows["Date"] == "[to be completed: date]"
    assert rows["Status"] == "Draft"
    document = Document(BytesIO(data))
    assert document.sections[0].header.paragraphs[0].text.startswith("DRAFT · T-1")
    assert document.sections[0].first_page_header.paragraphs[0].text == "DRAFT"
    assert document.core_properties.created == DEFAULT_DATE


def test_the_document_date_defaults_to_the_publication_date_which_dates_the_properties(tmp_path):
    text = MINIMAL + "tender:\n  published: 2027-03-01T09:00\n"
    data = tender(tmp_path, text)
    assert cover(data)["Date"] == "1 March 2027"
    assert Document(BytesIO(data)).core_properties.created == datetime(2027, 3, 1, tzinfo=timezone.utc)
    assert tender(tmp_path, text) == data  # still the same bytes, run after run


def test_a_given_version_and_date_are_printed_as_given(tmp_path):
    data = tender(tmp_path, COMPLETE)
    rows = cover(data)
    assert rows["Version"] == "1.10"
    assert rows["Date"] == "20 February 2027"
    assert Document(BytesIO(data)).core_properties.created == datetime(2027, 2, 20, tzinfo=timezone.utc)


def test_the_invitation_is_dated_by_its_own_publication(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(MINIMAL + "consultation:\n  questions: [What would you try first?]\n"
                    "  published: 2027-01-11\n", encoding="utf-8")
    data = build_document(load_problem(path), "consultation", BuildOptions(out_dir=tmp_path)).data
    assert cover(data)["Date"] == "11 January 2027"


def test_a_version_written_as_a_number_is_refused_with_its_line(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(MINIMAL + "document:\n  version: 1.10\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_problem(path)
    (issue,) = caught.value.issues
    assert issue.location.line == MINIMAL.count("\n") + 2 and issue.location.field == "document.version"
    assert "quotes" in issue.message and "1.10" in issue.message


def test_a_whole_number_version_is_text(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(MINIMAL + "document:\n  version: 2\n", encoding="utf-8")
    assert load_problem(path).problem.document.version == "2"


def test_every_placeholder_of_a_rendered_pack_still_names_its_field_for_check(tmp_path):
    result = build_pack(_write(tmp_path, MINIMAL), BuildOptions(out_dir=tmp_path / "out"))
    gaps = [g for doc in result.documents for g in doc.placeholders]
    assert "[to be completed: date of publication, tender.published]" in gaps


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("label", "visible", "field"), [
    ("[in te vullen: datum van publicatie, tender.published]", "[in te vullen: datum van publicatie]",
     "tender.published"),
    ("[to be completed: CPV code or codes of the contract, cpv_codes]",
     "[to be completed: CPV code or codes of the contract]", "cpv_codes"),
    ("[to be completed: a title, title]", "[to be completed: a title]", "title"),
    ("[in te vullen: datum uitnodiging tot inschrijving]", "[in te vullen: datum uitnodiging tot inschrijving]", None),
    ("[to be completed: one, two]", "[to be completed: one, two]", None),
    ("[to be completed: choose another in tender.procedure]", "[to be completed: choose another in tender.procedure]",
     None),
    ("[, tender.published]", "[, tender.published]", None),
])
def test_a_label_splits_into_the_words_shown_and_the_field_commented(label, visible, field):
    from procure.markdown import split_label

    assert split_label(label) == (visible, field)
