"""Reproducible .docx bytes (pinned dates, fixed order, across processes) and atomic writes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from docx import Document

from procure import package
from procure.docx_render import DocMeta, build_docx
from procure.errors import OutputError

MARKDOWN = ("# Inleiding\n\nTekst met [een link](https://example.nl).\n\n1. een\n2. twee\n\n"
            "| a | b |\n|---|---|\n| c | d |\n")


def meta(created: datetime | None = None) -> DocMeta:
    return DocMeta(title="Titel", subtitle="Aanbestedingsleidraad", language="nl",
                   reference="ZV-2027-004", creator="Gemeente Zuiderveld",
                   created=created or package.pinned_datetime())


# --- pinned dates ------------------------------------------------------------------


def test_pinned_datetime_is_fixed_without_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert package.pinned_datetime() == datetime(2000, 1, 1, tzinfo=timezone.utc)


def test_pinned_datetime_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert package.pinned_datetime() == datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["yesterday", "1.5", "99999999999999999999"])
def test_malformed_source_date_epoch_is_an_output_error(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(OutputError, match="SOURCE_DATE_EPOCH"):
        package.pinned_datetime()


def test_zip_dates_before_1980_are_clamped():
    data = package.write_zip([("a.xml", b"<a/>", False)], datetime(1970, 1, 1, tzinfo=timezone.utc))
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def test_zip_dates_are_utc():
    amsterdam = timezone(timedelta(hours=1))
    data = package.write_zip([("a.xml", b"<a/>", False)], datetime(2027, 2, 10, 10, 30, tzinfo=amsterdam))
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].date_time == (2027, 2, 10, 9, 30, 0)


# --- the zip container -------------------------------------------------------------


def test_hand_written_zip_is_valid_deflated_and_readable():
    entries = [("[Content_Types].xml", b"<Types/>", True), ("word/document.xml", b"<d>" + b"x" * 5000 + b"</d>", False)]
    data = package.write_zip(entries, datetime(2027, 2, 10, tzinfo=timezone.utc))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert archive.namelist() == ["[Content_Types].xml", "word/document.xml"]
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    assert archive.read("word/document.xml") == entries[1][1]
    assert archive.infolist()[1].compress_size < 100


def test_stored_zip_for_templates():
    data = package.write_zip([("a.xml", b"<a/>", False)], package.DEFAULT_DATE, compress=False)
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert info.compress_type == zipfile.ZIP_STORED


def test_repeated_parts_are_compressed_once_and_the_cache_is_bounded():
    blob = b"<styles>" + b"s" * 1000 + b"</styles>"
    first = package._deflate(blob, cache=True)
    assert package._deflate(bytes(blob), cache=True) is first
    for n in range(package._CACHE_SIZE + 10):
        package._deflate(b"%d" % n, cache=True)
    assert len(package._deflated) <= package._CACHE_SIZE


def test_docx_entries_in_a_fixed_order_with_pinned_times():
    when = datetime(2027, 2, 10, 9, 30, tzinfo=timezone.utc)
    archive = zipfile.ZipFile(io.BytesIO(build_docx(MARKDOWN, meta(when))))
    names = archive.namelist()
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert "word/document.xml" in names and "word/_rels/document.xml.rels" in names
    assert {i.date_time for i in archive.infolist()} == {(2027, 2, 10, 9, 30, 0)}
    assert archive.testzip() is None


def test_content_types_cover_every_part():
    archive = zipfile.ZipFile(io.BytesIO(build_docx(MARKDOWN, meta())))
    types = archive.read("[Content_Types].xml").decode()
    for name in archive.namelist():
        if not name.endswith(".rels") and name != "[Content_Types].xml":
            assert f'PartName="/{name}"' in types
    assert "wordprocessingml.document.main+xml" in types


# --- determinism -------------------------------------------------------------------


def test_two_builds_are_byte_identical():
    assert build_docx(MARKDOWN, meta()) == build_docx(MARKDOWN, meta())


def test_source_date_epoch_reaches_zip_entries_and_core_properties(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    data = build_docx(MARKDOWN, meta())
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {i.date_time for i in archive.infolist()} == {(2027, 1, 15, 8, 0, 0)}
    props = Document(io.BytesIO(data)).core_properties
    assert props.created == props.modified == datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000002")
    assert build_docx(MARKDOWN, meta()) != data


def test_two_processes_build_identical_bytes():
    script = textwrap.dedent(f"""
        import hashlib, sys
        from procure.docx_render import DocMeta, build_docx
        from procure.package import pinned_datetime
        meta = DocMeta(title="Titel", subtitle="Aanbestedingsleidraad", language="nl",
                       reference="ZV-2027-004", creator="Gemeente Zuiderveld",
                       created=pinned_datetime())
        sys.stdout.write(hashlib.sha256(build_docx({MARKDOWN!r}, meta)).hexdigest())
    """)
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1800000000"}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                text=True, check=True, cwd=Path(__file__).parent.parent)
        digests.add(result.stdout)
    assert len(digests) == 1


# --- atomic writes -----------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "out.docx"
    package.write_atomic(target, b"first")
    package.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert leftovers(tmp_path) == []
    assert target.stat().st_mode & 0o777 == 0o666 & ~package.umask()


def test_write_atomic_into_a_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        package.write_atomic(tmp_path / "missing" / "out.docx", b"data")


def test_write_atomic_onto_a_folder_leaves_no_temp_file(tmp_path):
    (tmp_path / "out.docx").mkdir()
    with pytest.raises(OutputError, match="out.docx"):
        package.write_atomic(tmp_path / "out.docx", b"data")
    assert leftovers(tmp_path) == []


def test_write_atomic_failure_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.docx"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package.os, "replace", broken_replace)
    with pytest.raises(OutputError, match="No space left"):
        package.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_write_atomic_interrupted_leaves_no_temp(tmp_path, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(package.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        package.write_atomic(tmp_path / "out.docx", b"data")
    assert list(tmp_path.iterdir()) == []


def test_written_docx_opens(tmp_path):
    target = tmp_path / "leidraad.docx"
    package.write_atomic(target, build_docx(MARKDOWN, meta()))
    assert Document(str(target)).paragraphs[0].text == "Titel"



def test_a_failed_rename_puts_back_the_files_already_replaced(tmp_path, monkeypatch):
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")
    real_replace = os.replace
    calls = []

    def failing_second(src, dst):
        calls.append(dst)
        if str(dst) == str(second) and str(src).endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(package.os, "replace", failing_second)
    with pytest.raises(OutputError, match="b.docx"):
        package.write_all_atomic([(first, b"new a"), (second, b"new b")])
    assert first.read_bytes() == b"old a" and second.read_bytes() == b"old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx", "b.docx"]


def test_a_failed_rename_removes_a_file_that_was_new(tmp_path, monkeypatch):
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    real_replace = os.replace

    def failing_second(src, dst):
        if str(dst) == str(second):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(package.os, "replace", failing_second)
    with pytest.raises(OutputError, match="No space left"):
        package.write_all_atomic([(first, b"new a"), (second, b"new b")])
    assert list(tmp_path.iterdir()) == []
