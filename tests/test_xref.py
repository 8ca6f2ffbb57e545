"""Cross-references that follow the numbering: heading keys, ref(), REF fields to bookmarks, and
references into another document of the pack."""

from __future__ import annotations

import re
import shutil
import zipfile
from io import BytesIO
from pathlib import Path

from msgspec.structs import replace
import pytest

from procure import xref
from procure.build import render_markdown
from procure.docx_render import DocMeta, build_docx, render_document
from procure.dump import dump_docx
from procure.errors import TemplateError
from procure.loader import load_problem
from procure.markdown import heading_keys, parse
from procure.package import docx_bytes
from procure.styles import house_style
from procure.template_lint import check_templates
from procure.template_sets import ENV_VAR
from procure.templating import CrossReferenceError, builtin_templates_dir
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "gemeente-bijstand.yaml"
META = DocMeta(title="T", subtitle="S", language="nl", reference="R", creator="C")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


# --------------------------------------------------------------------------- the pure pieces


def test_a_heading_splits_into_title_and_key() -> None:
    assert xref.split_heading("Beoogde uitkomsten {#outcomes}") == ("Beoogde uitkomsten", "outcomes")
    assert xref.split_heading("Beoogde uitkomsten {#a.b:c-d_e}  ") == ("Beoogde uitkomsten", "a.b:c-d_e")
    assert xref.split_heading("Beoogde uitkomsten") == ("Beoogde uitkomsten", None)
    assert xref.split_heading("Prijs {#niet geldig}") == ("Prijs {#niet geldig}", None)
    assert xref.split_heading("{#x} in het midden") == ("{#x} in het midden", None)


def test_reference_targets_round_trip_and_external_links_are_not_references() -> None:
    assert xref.parse_target(xref.target("outcomes")) == ("outcomes", xref.NUMBER)
    assert xref.parse_target(xref.target("outcomes", xref.TITLE)) == ("outcomes", xref.TITLE)
    assert xref.parse_target("https://example.org/#x") is None
    assert xref.parse_target("#outcomes/page") is None
    assert xref.parse_target("#") is None


def test_bookmark_names_are_valid_for_word_and_unique() -> None:
    taken: set[str] = set()
    names = [xref.bookmark_name(key, taken) for key in ("outcomes", "a.b", "a_b", "a:b", "x" * 80, "x" * 81)]
    assert names[0] == "_Ref_outcomes"
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"_[A-Za-z0-9_]{1,39}", name), name
    assert xref.bookmark_name("a.b") == xref.bookmark_name("a.b")  # the same key, the same name, every render


def test_headings_are_numbered_as_the_renderer_numbers_them() -> None:
    markdown = "# Een\n\n## Een.een {#s11}\n\n# Twee {#two}\n\n## A\n\n## B {#s22}\n\n### Diep {#deep}\n"
    found = xref.scan_headings(markdown)
    assert {key: h.number for key, h in found.items()} == {"s11": "1.1", "two": "2", "s22": "2.2", "deep": ""}
    assert found["deep"].shown(xref.NUMBER) == "Diep"  # no number: the title
    assert found["two"].shown(xref.TITLE) == "Twee"
    with pytest.raises(xref.DuplicateKey, match="lines 1 and 3"):
        xref.scan_headings("# A {#x}\n\n# B {#x}\n")


def test_the_markdown_layer_lists_the_heading_keys() -> None:
    tree = parse("# Inleiding\n\nTekst {#geen}\n\n# Uitkomsten {#outcomes}\n\n## Meer **vet** {#more}\n")
    assert heading_keys(tree) == ["outcomes", "more"]


# --------------------------------------------------------------------------- the Word document

REFERRING = """# Inleiding

Zie hoofdstuk [](#out) ([](#out/title)) en paragraaf [](#sub); **vet [](#out)**.

# Beoogde uitkomsten {#out}

## Sub {#sub}

### Diep {#deep}

Terug naar hoofdstuk [](#out), en [](#deep).
"""


def _fields(data: bytes) -> list[tuple[str, str]]:
    """(instruction, cached result) of every REF field in document order."""
    xml = zipfile.ZipFile(BytesIO(data)).read("word/document.xml").decode()
    return re.findall(r"<w:instrText[^>]*> (REF [^<]*?) </w:instrText></w:r><w:r>(?:<w:rPr>.*?</w:rPr>)?"
                      r"<w:fldChar w:fldCharType=\"separate\"/></w:r><w:r>(?:<w:rPr>.*?</w:rPr>)?<w:t[^>]*>([^<]*)",
                      xml)


def test_forward_and_backward_references_are_ref_fields_with_the_right_number() -> None:
    data = build_docx(REFERRING, META)
    assert _fields(data) == [
        ("REF _Ref_out \\r \\h", "2"), ("REF _Ref_out \\h", "Beoogde uitkomsten"), ("REF _Ref_sub \\r \\h", "2.1"),
        ("REF _Ref_out \\r \\h", "2"),  # forward, inside bold
        ("REF _Ref_out \\r \\h", "2"), ("REF _Ref_deep \\h", "Diep"),  # backward; level 3 has no number
    ]
    xml = zipfile.ZipFile(BytesIO(data)).read("word/document.xml").decode()
    for name in ("_Ref_out", "_Ref_sub", "_Ref_deep"):
        assert xml.count(f'w:name="{name}"') == 1
    dump = dump_docx(data)
    assert "[Heading 1] Beoogde uitkomsten\n" in dump and "{#" not in dump  # the key is never shown
    assert "[toc 1] 2\\tBeoogde uitkomsten" in dump
    assert "{Strong|vet }{Strong|<field REF _Ref_out \\r \\h>}{Strong|2}" in dump  # the number keeps the bold


def test_without_heading_numbers_a_reference_shows_the_title() -> None:
    """A reference document that numbers headings its own way (or not at all): procure cannot know
    the number Word will show, so the reference is to the heading's text, which is always right."""
    style = replace(house_style(), heading_numbers=False)
    document = render_document(parse(REFERRING), META, style)
    data = docx_bytes(document, META)
    assert {instr for instr, _ in _fields(data)} == {"REF _Ref_out \\h", "REF _Ref_sub \\h", "REF _Ref_deep \\h"}
    assert [result for _, result in _fields(data)][:3] == ["Beoogde uitkomsten", "Beoogde uitkomsten", "Sub"]


def test_a_reference_to_no_heading_fails_in_the_renderer_too() -> None:
    from procure.errors import RenderError

    with pytest.raises(RenderError, match=r"cross-reference to 'uit' at line 3.*did you mean 'out'\?"):
        build_docx("# Uitkomsten {#out}\n\nZie [](#uit).\n", META)


def test_the_word_file_with_references_is_valid_and_pandoc_reads_the_numbers(tmp_path: Path) -> None:
    from tests.ooxml_validator import describe, validate

    path = tmp_path / "refs.docx"
    path.write_bytes(build_docx(REFERRING, META))
    errors = validate([path])[path]
    assert not errors, describe(errors)
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        pytest.skip("pandoc is not installed")
    import subprocess

    text = subprocess.run([pandoc, str(path), "-t", "plain"], capture_output=True, text=True, check=True).stdout
    assert "Zie hoofdstuk 2 (Beoogde uitkomsten) en paragraaf 2.1" in " ".join(text.split())


# --------------------------------------------------------------------------- templates


def _org(tmp_path: Path) -> Path:
    folder = tmp_path / "org"
    (folder / "nl" / "partials").mkdir(parents=True)
    return folder


def test_the_builtin_templates_hold_no_literal_chapter_or_article_numbers() -> None:
    literal = re.compile(r"(hoofdstuk|artikel|artikelen|section|article|articles|chapter)\s+\d+(?!\.\d)", re.I)
    for path in builtin_templates_dir().rglob("*.md"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in literal.finditer(line):
                after = line[match.end():match.end() + 40]
                # statutes keep their numbers: artikel 1 van de Algemene termijnenwet, article 2.114 of the Act
                assert re.match(r"\s*(van de Algemene|of the General|van Richtlijn|of Directive)", after), \
                    f"{path}:{number}: literal reference {match.group(0)!r}; use ref()"


def test_an_organisation_adding_a_chapter_shifts_every_reference(tmp_path: Path) -> None:
    loaded = load_problem(EXAMPLE)
    before = render_markdown(loaded, "tender")
    assert "hoofdstuk [5](#outcomes) ([Beoogde uitkomsten](#outcomes/title))" in before
    folder = _org(tmp_path)
    users = (builtin_templates_dir() / "nl" / "partials" / "users.md").read_text(encoding="utf-8")
    (folder / "nl" / "partials" / "users.md").write_text(users + "\n# Eigen hoofdstuk\n\nTekst.\n\n", encoding="utf-8")
    after = render_markdown(loaded, "tender", (folder,))
    assert "hoofdstuk [6](#outcomes) ([Beoogde uitkomsten](#outcomes/title))" in after
    # "hoofdstuk 3 (Gebruikers en hun behoeften)" is before the new chapter: it stays
    assert "hoofdstuk [3](#users)" in after


def test_an_article_added_to_the_agreement_shifts_the_tenders_references_to_it(tmp_path: Path) -> None:
    loaded = load_problem(EXAMPLE)
    before = render_markdown(loaded, "tender")
    assert "(artikel 6 van de conceptovereenkomst)" in before
    folder = _org(tmp_path)
    agreement = (builtin_templates_dir() / "nl" / "agreement.md").read_text(encoding="utf-8")
    agreement = agreement.replace("# Voorwerp van de overeenkomst", "# Duur\n\nTekst.\n\n# Voorwerp van de overeenkomst")
    (folder / "nl" / "agreement.md").write_text(agreement, encoding="utf-8")
    after = render_markdown(loaded, "tender", (folder,))
    assert "(artikel 7 van de conceptovereenkomst)" in after
    assert "(artikel [7](#acceptance))" not in after  # into another file: plain text, no field
    assert "artikel [7](#acceptance) over herstel" in render_markdown(loaded, "agreement", (folder,))


def test_a_dangling_reference_is_a_render_error_at_its_line_with_the_nearest_key(tmp_path: Path) -> None:
    folder = _org(tmp_path)
    users = (builtin_templates_dir() / "nl" / "partials" / "users.md").read_text(encoding="utf-8")
    (folder / "nl" / "partials" / "users.md").write_text(users + 'Zie {{ ref("outcome") }}.\n', encoding="utf-8")
    line = len(users.splitlines()) + 1
    with pytest.raises(CrossReferenceError) as caught:
        render_markdown(load_problem(EXAMPLE), "tender", (folder,))
    err = caught.value
    assert err.location.file.endswith("nl/partials/users.md") and err.location.line == line
    assert "cross-reference to 'outcome'" in err.message and "did you mean 'outcomes'?" in err.message


def test_a_dangling_reference_into_the_agreement_names_its_line(tmp_path: Path) -> None:
    folder = _org(tmp_path)
    terms = (builtin_templates_dir() / "nl" / "partials" / "terms.md").read_text(encoding="utf-8")
    (folder / "nl" / "partials" / "terms.md").write_text(terms.replace('ref("precedence"', 'ref("precedance"'),
                                                          encoding="utf-8")
    line = next(n for n, text in enumerate(terms.splitlines(), 1) if 'ref("precedence"' in text)
    with pytest.raises(CrossReferenceError) as caught:
        render_markdown(load_problem(EXAMPLE), "tender", (folder,))
    assert caught.value.location.line == line and caught.value.doc == "agreement"
    assert "no heading of nl/agreement.md defines; did you mean 'precedence'?" in caught.value.message


@pytest.mark.parametrize(("text", "message"), [
    ("# Twee {{ key('outcomes') }}\n", "is given to two headings"),
    ("Tekst {{ key('los') }}\n", "must end a heading line"),
    ("# Kop {{ key('met spatie') }}\n", "is not a heading key"),
    ("Zie {{ ref('outcomes', 'pagina') }}.\n", "'number' or 'title'"),
])
def test_misused_keys_and_refs_are_located_template_errors(tmp_path: Path, text: str, message: str) -> None:
    folder = _org(tmp_path)
    users = (builtin_templates_dir() / "nl" / "partials" / "users.md").read_text(encoding="utf-8")
    (folder / "nl" / "partials" / "users.md").write_text(users + text, encoding="utf-8")
    with pytest.raises(TemplateError, match=re.escape(message)) as caught:
        render_markdown(load_problem(EXAMPLE), "tender", (folder,))
    assert caught.value.location.file.endswith("users.md")
    assert caught.value.location.line == len(users.splitlines()) + 1
    if "two headings" in message:  # and the message names the other heading's template line
        assert "the other key() is at " in caught.value.message and "nl/tender.md:" in caught.value.message


def test_templates_check_reports_a_dangling_reference_once_at_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    (folder / "nl").mkdir(parents=True)
    tender = (builtin_templates_dir() / "nl" / "tender.md").read_text(encoding="utf-8")
    tender = tender.replace("# Het probleem\n", '# Het probleem\n\nZie {{ ref("outcomes") }} en {{ ref("outcome") }} '
                            'en artikel {{ ref("prices", doc="agreement") }} en {{ ref("price", doc="agreement") }}.\n')
    (folder / "nl" / "tender.md").write_text(tender, encoding="utf-8")
    line = tender.splitlines().index("# Het probleem") + 3
    findings = check_templates(folder, examples=[EXAMPLE])
    dangling = sorted((f.code, f.line, f.field) for f in findings if f.code == "TPL007")
    assert dangling == [("TPL007", line, "outcome"), ("TPL007", line, "price")]
    assert all(f.code == "TPL007" for f in findings), [f.message for f in findings]
    messages = " ".join(f.message for f in findings)
    assert "did you mean 'outcomes'?" in messages and "nl/agreement.md defines; did you mean 'prices'?" in messages


def test_a_renumbered_reference_is_no_change_in_the_redline(tmp_path: Path) -> None:
    """A new chapter shifts every later number, in the headings and in the references to them: the
    redline shows the new chapter only (the REF fields point at bookmarks named by key, and their
    results are numbers Word computes)."""
    from procure.diff import render_all
    from procure.redline import compare

    base, head = tmp_path / "base", _org(tmp_path)
    (base / "nl").mkdir(parents=True)
    users = (builtin_templates_dir() / "nl" / "partials" / "users.md").read_text(encoding="utf-8")
    (head / "nl" / "partials" / "users.md").write_text(users + "\n# Eigen hoofdstuk\n\nTekst.\n\n", encoding="utf-8")
    before = render_all(EXAMPLE, base, ("tender",))["tender"][1]
    after = render_all(EXAMPLE, head, ("tender",))["tender"][1]
    assert ("REF _Ref_outcomes \\r \\h", "6") in _fields(after) and ("REF _Ref_outcomes \\r \\h", "5") in _fields(before)
    result = compare(before, after)
    assert {c.kind for c in result.changes} == {"inserted"}
    assert sorted(c.head for c in result.changes if c.story == "body")[-2:] == ["Eigen hoofdstuk", "Tekst."]
