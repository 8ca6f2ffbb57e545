"""One problem -> one pack: the whole pipeline, end to end, in memory and on disk."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procure.build import (KINDS, BuildOptions, build_document, build_pack, declared_kinds, output_path,
                           pack_kinds, render_batch)
from procure.errors import ProcureError
from procure.docx_render import DocMeta, render_document
from procure.loader import load_problem, load_problem_text
from procure.markdown import parse
from procure.package import docx_bytes, pinned_datetime
from procure.templating import environment
from tests.conftest import EXAMPLES
from tests.test_cli import MINIMAL

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
META = DocMeta(title="T", subtitle="S", language="en", reference="R-1", creator="Buyer", subject="S: T",
               keywords="R-1", cover_rows=(), toc_title="Contents", header_text="R-1 · T", page_word="Page",
               of_word="of", created=pinned_datetime())
#: What the loader guarantees a value never holds (it removes them with a warning).
NOT_FROM_LOADER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
#: What XML 1.0, and so a .docx, cannot hold at all.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ADVERSARIAL = ["# x", "1. x", "- x", "*x*", "_x_", "a | b", "<b>bold</b>", "&amp;", "{{ x }}", "   lead",
               "back\\slash\\", "[[not a placeholder]]", "[link](https://example.org)", "> quote", "---",
               "``code``", "trail   ", "tab\there", "two\nlines", "\n\nblank first", "emoji 🚀 עברית"]


def body_text(data: bytes) -> str:
    """The text of the body after the title page and table of contents (what a value renders to)."""
    paragraphs = Document(BytesIO(data)).paragraphs
    last_break = max(i for i, p in enumerate(paragraphs) if p._p.findall(f".//{W}br[@{W}type='page']"))
    return "\n".join(p.text for p in paragraphs[last_break + 1 :])


def roundtrip(value: str) -> str:
    markdown = environment().from_string("{{ v }}\n").render(v=value)
    document = render_document(parse(markdown), META)
    return body_text(docx_bytes(document, META))


@pytest.mark.parametrize("value", ADVERSARIAL)
def test_user_text_comes_out_literally(value: str) -> None:
    assert roundtrip(value) == value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
def test_any_text_a_user_can_write_comes_back_the_same(value: str) -> None:
    value = NOT_FROM_LOADER.sub("", value)
    assert roundtrip(value) == value


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_characters_a_docx_cannot_hold_never_break_the_file(value: str) -> None:
    """Even past the loader, the renderer drops what XML cannot hold instead of failing. The value is
    escaped as every value is on its way into a template's Markdown (unescaped, a backtick would be
    code, which documents refuse)."""
    from procure.templating import md_escape

    data = docx_bytes(render_document(parse("Text: " + md_escape(value.replace("\n", " "))), META), META)
    assert Document(BytesIO(data)).paragraphs


def test_a_yaml_value_reaches_the_document_literally() -> None:
    hostile = "# Not a heading | *not bold* {{ p.title }} <script>"
    text = MINIMAL.replace("title: Faster answers", f"title: '{hostile}'")
    rendered = build_document(load_problem_text(text, "p.yaml"), "tender", BuildOptions())
    texts = [p.text for p in Document(BytesIO(rendered.data)).paragraphs]
    assert hostile in texts


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_render_without_placeholders(example: Path) -> None:
    loaded = load_problem(example)
    for kind in pack_kinds(loaded):
        assert build_document(loaded, kind, BuildOptions()).placeholders == ()


def test_two_renders_give_identical_bytes(tmp_path: Path) -> None:
    first = build_pack(EXAMPLES[0], BuildOptions(out_dir=tmp_path / "a"))
    second = build_pack(EXAMPLES[0], BuildOptions(out_dir=tmp_path / "b"))
    for a, b in zip(first.documents, second.documents, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()


def test_renders_in_two_processes_give_identical_bytes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-m", "procure", "render", str(EXAMPLES[0]), "-o", str(tmp_path / name)],
                       check=True, capture_output=True, env={**env, "PYTHONHASHSEED": name == "a" and "1" or "2"})
    for doc in (tmp_path / "a").iterdir():
        assert doc.read_bytes() == (tmp_path / "b" / doc.name).read_bytes()


def test_source_date_epoch_sets_the_timestamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    data = build_document(load_problem(EXAMPLES[0]), "tender", BuildOptions()).data
    props = Document(BytesIO(data)).core_properties
    assert props.created is not None and props.created.year == 2027


def test_invalid_input_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(MINIMAL.replace("iterations: 3", "iterations: 0"), encoding="utf-8")
    result = build_pack(source, BuildOptions(out_dir=tmp_path / "out"))
    assert not result.ok and not result.documents
    assert not (tmp_path / "out").exists()
    assert "iteration_budget.iterations" in str(result.issues[0])


def test_a_failing_template_writes_no_document_of_the_pack(tmp_path: Path) -> None:
    source = tmp_path / "p.yaml"
    source.write_text(MINIMAL, encoding="utf-8")
    broken = tmp_path / "tpl" / "en"
    broken.mkdir(parents=True)
    (broken / "tender.md").write_text("{{ p.nope }}\n", encoding="utf-8")
    result = build_pack(source, BuildOptions(out_dir=tmp_path / "out", templates_dir=tmp_path / "tpl"))
    assert not result.ok
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_output_path_is_a_safe_file_name(tmp_path: Path) -> None:
    assert output_path(tmp_path, "ZV-2027-004", "tender").name == "ZV-2027-004-tender.docx"
    assert output_path(tmp_path, "..a/b", "tender").name == "a_b-tender.docx"
    assert output_path(tmp_path, "...", "tender").name == "document-tender.docx"


def test_batch_keeps_going_past_a_failing_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("language: [", encoding="utf-8")
    results = render_batch([bad, good], BuildOptions(out_dir=tmp_path / "out"), jobs=2)
    assert [r.ok for r in results] == [False, True]
    assert len(results[1].documents) == len(KINDS) - 1  # every kind but the single-supplier request


def test_two_files_with_one_reference_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    files = []
    for name, reference in (("a.yaml", "T-1"), ("b.yaml", "t-1"), ("c.yaml", "T-2")):
        files.append(tmp_path / name)
        files[-1].write_text(MINIMAL.replace("reference: T-1", f"reference: {reference}"), encoding="utf-8")
    results = render_batch(files + [files[0]], BuildOptions(out_dir=tmp_path / "out"), jobs=2)
    assert [r.ok for r in results] == [True, False, True, False]
    assert "would replace those of" in str(results[1].issues[0]) and str(files[0]) in str(results[1].issues[0])
    assert results[1].documents == [] and results[3].documents == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"T-{n}-{declared_kinds()[k].file}.docx" for n in (1, 2) for k in KINDS if k != "request_single"])


def test_a_pack_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    source = tmp_path / "p.yaml"
    source.write_text(MINIMAL, encoding="utf-8")
    out = tmp_path / "out"
    (out / "T-1-tender.docx").mkdir(parents=True)  # the second document cannot replace a folder
    result = build_pack(source, BuildOptions(out_dir=out))
    assert not result.ok and "T-1-tender.docx" in str(result.issues[0])
    assert sorted(p.name for p in out.iterdir()) == ["T-1-tender.docx"]  # no consultation, no temporary files


# --------------------------------------------------------------------------- document kinds as data


def test_kinds_are_declared_in_pack_order() -> None:
    kinds = declared_kinds()
    assert tuple(kinds) == KINDS
    assert [k.order for k in kinds.values()] == sorted(k.order for k in kinds.values())
    assert {"consultation", "tender"} <= set(KINDS)


def test_render_writes_the_whole_pack_by_default(tmp_path: Path) -> None:
    loaded = load_problem(EXAMPLES[0])
    result = build_pack(EXAMPLES[0], BuildOptions(out_dir=tmp_path))
    assert result.ok
    assert [d.kind for d in result.documents] == list(pack_kinds(loaded))
    assert set(KINDS) - set(pack_kinds(loaded)) == {"request_single"}  # the single-supplier request replaces the tender


def _own_kind(folder: Path, procedures: str = "all") -> None:
    (folder / "en").mkdir(parents=True)
    (folder / "kinds.yaml").write_text(
        "kinds:\n  memo:\n    template: memo\n    file: memo\n    order: 99\n"
        f"    procedures: {procedures}\n    title: {{en: Internal memo, nl: Interne notitie}}\n", encoding="utf-8")
    (folder / "en" / "memo.md").write_text("# Memo\n\nAbout {{ p.title }}.\n", encoding="utf-8")


def test_a_templates_folder_adds_a_kind_of_its_own(tmp_path: Path) -> None:
    source = tmp_path / "p.yaml"
    source.write_text(MINIMAL, encoding="utf-8")
    _own_kind(tmp_path / "tpl")
    result = build_pack(source, BuildOptions(out_dir=tmp_path / "out", templates_dir=tmp_path / "tpl"))
    assert result.ok, result.issues
    assert [d.kind for d in result.documents][-1] == "memo"
    memo = Document(BytesIO(result.documents[-1].path.read_bytes()))
    assert "Internal memo" in [p.text for p in memo.paragraphs]
    assert result.documents[-1].path.name.endswith("-memo.docx")


def test_a_kind_outside_the_procedure_is_left_out_of_the_pack_and_refused_alone(tmp_path: Path) -> None:
    source = tmp_path / "p.yaml"
    source.write_text(MINIMAL, encoding="utf-8")
    _own_kind(tmp_path / "tpl", procedures="[innovation_partnership]")
    options = BuildOptions(out_dir=tmp_path / "out", templates_dir=tmp_path / "tpl")
    assert "memo" not in [d.kind for d in build_pack(source, options).documents]
    alone = build_pack(source, BuildOptions(out_dir=tmp_path / "o2", templates_dir=tmp_path / "tpl",
                                            kinds=("memo",)))
    assert not alone.ok and not alone.documents
    assert "memo document is not part of the pack" in str(alone.issues[0])


@pytest.mark.parametrize(("entry", "field"), [
    ("    template: memo\n    file: memo\n", "kinds.memo.order"),
    ("    template: Memo!\n    file: memo\n    order: 1\n", "kinds.memo.template"),
    ("    template: memo\n    file: memo\n    order: 1\n    procedures: [auction]\n", "kinds.memo.procedures"),
    ("    template: memo\n    file: memo\n    order: 1\n    colour: red\n", "kinds.memo.colour"),
    ("    template: memo\n    file: memo\n    order: 1\n    form: ja\n", "kinds.memo.form"),
    ("    template: memo\n    file: memo\n    order: 1\n    cover_label_private: invited\n",
     "kinds.memo.cover_label_private"),
])
def test_a_faulty_kind_declaration_is_located(tmp_path: Path, entry: str, field: str) -> None:
    (tmp_path / "kinds.yaml").write_text(f"kinds:\n  memo:\n{entry}", encoding="utf-8")
    with pytest.raises(ProcureError) as err:
        declared_kinds(tmp_path)
    assert err.value.location.field == field
    assert err.value.location.file == str((tmp_path / "kinds.yaml").resolve())


@pytest.mark.parametrize(("language", "status"), [("nl", "In te vullen door de aanbestedende dienst"),
                                                  ("en", "To be completed by the contracting authority")])
def test_a_form_says_the_contracting_authority_completes_it_not_that_it_is_final(language: str, status: str) -> None:
    """The consultation report's answers are not in the problem statement: its title page must not
    call the empty form final (nor a draft of procure's: nothing in the YAML would complete it)."""
    from procure.build import doc_meta

    text = MINIMAL if language == "en" else MINIMAL.replace("language: en", "language: nl")
    loaded = load_problem_text(text, "p.yaml")
    assert loaded.problem.language == language
    assert doc_meta(loaded, "consultation_report").final_word == status
    assert doc_meta(loaded, "tender").final_word in ("Final", "Definitief")
