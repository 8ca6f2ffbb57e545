"""The house style and reference documents: styles resolved by name, missing ones defined."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Mm, RGBColor
from lxml import etree

from procure import styles
from procure.docx_render import DocMeta, build_docx
from procure.errors import StyleError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
DUTCH_IDS = {"Heading1": "Kop1", "Heading2": "Kop2", "Normal": "Standaard", "Title": "Titel",
             "BodyText": "Plattetekst"}
META = DocMeta(title="Sneller duidelijkheid", subtitle="Aanbestedingsleidraad", language="nl",
               reference="ZV-2027-004", creator="Gemeente Zuiderveld")
MARKDOWN = "# Inleiding\n\nTekst.\n\n## Doel\n\n- punt\n\n> Citaat\n"


def _rename_ids(xml: bytes, drop: tuple[str, ...]) -> bytes:
    """Rename style ids the way a Dutch Word does (names stay), and delete ``drop`` styles."""
    root = etree.fromstring(xml)
    refs = {f"{{{W}}}{t}" for t in ("basedOn", "next", "link", "pStyle", "rStyle")}
    for el in list(root.iter()):
        if el.tag == f"{{{W}}}style" and el.get(f"{{{W}}}styleId") in drop:
            el.getparent().remove(el)
        elif el.tag == f"{{{W}}}style" and el.get(f"{{{W}}}styleId") in DUTCH_IDS:
            el.set(f"{{{W}}}styleId", DUTCH_IDS[el.get(f"{{{W}}}styleId")])
        elif el.tag in refs and el.get(f"{{{W}}}val") in DUTCH_IDS:
            el.set(f"{{{W}}}val", DUTCH_IDS[el.get(f"{{{W}}}val")])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def make_reference(path: Path, drop: tuple[str, ...] = ("Quote", "ListBullet"),
                   numbering: bool = True) -> Path:
    """A reference .docx as Word might save it: Dutch style ids, some styles missing,
    its own header, a Letter page with 2 cm side margins, a dark red Georgia heading."""
    document = Document()
    document.add_heading("Oude kop", 1)
    document.add_paragraph("Oude tekst", style="List Bullet")
    document.sections[0].header.paragraphs[0].text = "Oude koptekst"
    section = document.sections[0]
    section.page_width, section.page_height = Mm(216), Mm(279)
    section.left_margin = section.right_margin = Mm(20)
    document.styles["Heading 1"].font.color.rgb = RGBColor(0x80, 0, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in ("word/styles.xml", "word/document.xml"):
                data = _rename_ids(data, drop)
            if not numbering and info.filename == "word/_rels/document.xml.rels":
                data = _without_numbering_rel(data)
            if not numbering and info.filename == "word/numbering.xml":
                continue
            target.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def _without_numbering_rel(rels: bytes) -> bytes:
    root = etree.fromstring(rels)
    for rel in list(root):
        if rel.get("Type").endswith("/numbering"):
            root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def part(data: bytes, name: str) -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))


def style_by_id(styles_root: etree._Element, style_id: str) -> etree._Element:
    return styles_root.find(f'w:style[@w:styleId="{style_id}"]', NS)


# --- the house style -------------------------------------------------------------------


def test_house_style_data_defines_every_required_style():
    assert styles.missing_styles(styles._house_xml("styles")) == []


def test_house_style_resolves_every_required_style_once_per_process():
    house = styles.house_style()
    assert house is styles.house_style()
    assert set(house.ids) == {name.casefold() for name in styles.REQUIRED_STYLES}
    assert house.id("Heading 1") == house.id("heading 1") == "Heading1"
    assert house.id("TOC 1") == "TOC1"
    assert house.source == "house style"


def test_house_template_is_lean_and_opens_in_python_docx():
    house = styles.house_style()
    names = zipfile.ZipFile(io.BytesIO(house.template)).namelist()
    assert "word/stylesWithEffects.xml" not in names
    assert not any(n.startswith(("customXml/", "docProps/thumbnail")) for n in names)
    assert len(zipfile.ZipFile(io.BytesIO(house.template)).read("word/styles.xml")) < 20_000
    document = Document(io.BytesIO(house.template))
    assert document.paragraphs == []
    assert document.styles["Heading 1"].style_id == "Heading1"


def test_house_page_is_a4_with_25mm_margins():
    house = styles.house_style()
    sect = Document(io.BytesIO(house.template)).sections[0]
    assert (sect.page_width, sect.page_height) == (11906 * 635, 16838 * 635)
    assert sect.left_margin == sect.right_margin == 1418 * 635
    assert house.text_width == 11906 - 2 * 1418


def test_house_headings_1_and_2_are_linked_to_the_heading_numbering():
    house = styles.house_style()
    root = part(house.template, "word/styles.xml")
    numbering = part(house.template, "word/numbering.xml")
    h1, h2, h3 = (style_by_id(root, i) for i in ("Heading1", "Heading2", "Heading3"))
    num_id = h1.find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val")
    assert h2.find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val") == num_id
    assert h2.find("w:pPr/w:numPr/w:ilvl", NS).get(f"{{{W}}}val") == "1"
    assert h3.find("w:pPr/w:numPr", NS) is None
    abstract_id = numbering.find(f'w:num[@w:numId="{num_id}"]/w:abstractNumId', NS).get(f"{{{W}}}val")
    abstract = numbering.find(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]', NS)
    levels = {lvl.find("w:pStyle", NS).get(f"{{{W}}}val"): lvl.find("w:lvlText", NS).get(f"{{{W}}}val")
              for lvl in abstract.iterfind("w:lvl", NS)}
    assert levels == {"Heading1": "%1", "Heading2": "%1.%2"}
    assert house.heading_numbers


def test_house_toc_heading_is_neither_numbered_nor_an_outline_level():
    root = part(styles.house_style().template, "word/styles.xml")
    toc_heading = style_by_id(root, "TOCHeading")
    assert toc_heading.find("w:pPr/w:numPr", NS) is None
    assert toc_heading.find("w:pPr/w:outlineLvl", NS) is None
    assert toc_heading.find("w:basedOn", NS).get(f"{{{W}}}val") == "Normal"


def test_house_placeholder_style_is_shaded_yellow_without_highlight():
    # w:highlight may not stand in a style's run properties (the Open XML SDK reports it);
    # shading shows in Word and LibreOffice alike.
    root = part(styles.house_style().template, "word/styles.xml")
    rpr = style_by_id(root, "Placeholder").find("w:rPr", NS)
    assert rpr.find("w:shd", NS).get(f"{{{W}}}fill") == "FFFF00"
    assert root.find(".//w:style/w:rPr/w:highlight", NS) is None


def test_house_table_style_shades_a_header_row():
    root = part(styles.house_style().template, "word/styles.xml")
    first_row = style_by_id(root, "TableGrid").find('w:tblStylePr[@w:type="firstRow"]', NS)
    assert first_row.find("w:tcPr/w:shd", NS).get(f"{{{W}}}fill")


def test_house_fonts_exist_in_word_and_libreoffice():
    root = part(styles.house_style().template, "word/styles.xml")
    fonts = root.find("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts", NS)
    assert fonts.get(f"{{{W}}}ascii") == "Arial"


RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
             "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
             "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
             "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang")


def in_schema_order(element: etree._Element, order: tuple[str, ...]) -> bool:
    names = [etree.QName(c).localname for c in element]
    positions = [order.index(n) for n in names]
    return positions == sorted(positions)


def test_house_styles_follow_the_schema_element_order():
    """Word refuses a styles part whose elements are out of order; LibreOffice does not."""
    from procure import docx_oxml as ox

    style_order = tuple(t.split(":")[1] for t in ox._STYLE_ORDER)
    ppr_order = tuple(t.split(":")[1] for t in ox._PPR_ORDER)
    root = styles._house_xml("styles")
    for style in ox.iter_styles(root):
        assert in_schema_order(style, style_order), ox.style_name(style)
        for ppr in style.iter(f"{{{W}}}pPr"):
            assert in_schema_order(ppr, ppr_order), ox.style_name(style)
        for rpr in style.iter(f"{{{W}}}rPr"):
            assert in_schema_order(rpr, RPR_ORDER), ox.style_name(style)
    for rpr in root.iter(f"{{{W}}}rPr"):
        assert in_schema_order(rpr, RPR_ORDER)


def test_house_numbering_levels_follow_the_schema_element_order():
    level_order = ("start", "numFmt", "lvlRestart", "pStyle", "isLgl", "suff", "lvlText",
                   "lvlPicBulletId", "legacy", "lvlJc", "pPr", "rPr")
    for level in styles._house_xml("numbering").iter(f"{{{W}}}lvl"):
        assert in_schema_order(level, level_order)


def test_damaged_house_data_is_a_style_error(tmp_path, monkeypatch):
    (tmp_path / "house_styles.xml").write_text("<w:styles", encoding="utf-8")
    monkeypatch.setattr(styles, "DATA", tmp_path)
    styles._house_xml.cache_clear()
    try:
        with pytest.raises(StyleError, match="house style is damaged"):
            styles._house_xml("styles")
    finally:
        monkeypatch.undo()
        styles._house_xml.cache_clear()


# --- reference documents ---------------------------------------------------------------


def test_reference_styles_resolved_by_name_despite_dutch_ids(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx"))
    assert ref.id("heading 1") == "Kop1"
    assert ref.id("Heading 2") == "Kop2"
    assert ref.id("Normal") == "Standaard"
    assert ref.id("Body Text") == "Plattetekst"
    assert ref.source.endswith("ref.docx")


def test_reference_missing_styles_are_defined_from_the_house_style(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx"))
    root = part(ref.template, "word/styles.xml")
    quote = style_by_id(root, ref.id("Quote"))
    assert quote is not None
    # re-pointed at the reference's own Body Text, whatever its id
    assert quote.find("w:basedOn", NS).get(f"{{{W}}}val") == "Plattetekst"
    bullet = style_by_id(root, ref.id("List Bullet"))
    assert bullet.find("w:basedOn", NS).get(f"{{{W}}}val") == "Plattetekst"
    assert style_by_id(root, ref.id("Placeholder")).find("w:rPr/w:shd", NS) is not None
    assert styles.missing_styles(root) == []


def test_reference_keeps_its_own_look_and_page(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx"))
    root = part(ref.template, "word/styles.xml")
    assert style_by_id(root, "Kop1").find("w:rPr/w:color", NS).get(f"{{{W}}}val") == "800000"
    assert ref.text_width == round(Mm(216).twips) - 2 * round(Mm(20).twips)
    sect = Document(io.BytesIO(ref.template)).sections[0]
    assert abs(sect.page_width - Mm(216)) < Mm(0.1)


def heading_abstract(ref: styles.HouseStyle) -> etree._Element:
    """The house heading-numbering definition inside a prepared template."""
    numbering = part(ref.template, "word/numbering.xml")
    heading_abstract_id = ref.number_abstract_id - 2  # house order: headings, bullets, numbers
    return numbering.find(f'w:abstractNum[@w:abstractNumId="{heading_abstract_id}"]', NS)


def test_reference_gets_heading_numbering_on_its_own_heading_ids(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx"))
    root = part(ref.template, "word/styles.xml")
    linked = [p.get(f"{{{W}}}val") for p in heading_abstract(ref).iter(f"{{{W}}}pStyle")]
    assert linked == ["Kop1", "Kop2"]
    num_id = style_by_id(root, "Kop1").find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val")
    numbering = part(ref.template, "word/numbering.xml")
    abstract = numbering.find(f'w:num[@w:numId="{num_id}"]/w:abstractNumId', NS).get(f"{{{W}}}val")
    assert abstract == heading_abstract(ref).get(f"{{{W}}}abstractNumId")
    assert ref.heading_numbers


def test_reference_with_numbered_headings_keeps_its_own_numbering(tmp_path):
    path = make_reference(tmp_path / "ref.docx")
    document = Document(str(path))
    ppr = document.styles["Heading 1"].element.get_or_add_pPr()
    ppr.append(etree.fromstring(f'<w:numPr xmlns:w="{W}"><w:numId w:val="1"/></w:numPr>'))
    document.save(str(path))
    ref = styles.reference_style(path)
    root = part(ref.template, "word/styles.xml")
    assert style_by_id(root, "Kop1").find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val") == "1"
    assert list(heading_abstract(ref).iter(f"{{{W}}}pStyle")) == []
    assert not ref.heading_numbers


def test_reference_list_definitions_do_not_clash_with_its_own(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx"))
    numbering = part(ref.template, "word/numbering.xml")
    abstract_ids = [a.get(f"{{{W}}}abstractNumId") for a in numbering.iterfind("w:abstractNum", NS)]
    num_ids = [n.get(f"{{{W}}}numId") for n in numbering.iterfind("w:num", NS)]
    assert len(abstract_ids) == len(set(abstract_ids))
    assert len(num_ids) == len(set(num_ids))
    assert ref.first_num_id > max(map(int, num_ids))
    assert str(ref.number_abstract_id) in abstract_ids


def test_reference_without_numbering_part_gets_one(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx", numbering=False))
    numbering = part(ref.template, "word/numbering.xml")
    assert len(numbering.findall("w:abstractNum", NS)) == 3


def test_reference_body_and_headers_are_replaced(tmp_path):
    ref = styles.reference_style(make_reference(tmp_path / "ref.docx"))
    package = zipfile.ZipFile(io.BytesIO(ref.template))
    everything = b"".join(package.read(n) for n in package.namelist())
    assert b"Oude kop" not in everything
    assert b"Oude koptekst" not in everything
    assert Document(io.BytesIO(ref.template)).paragraphs == []


def test_reference_style_of_the_wrong_type_is_a_style_error(tmp_path):
    path = make_reference(tmp_path / "ref.docx")
    document = Document(str(path))
    document.styles.add_style("Placeholder", WD_STYLE_TYPE.PARAGRAPH)
    document.save(str(path))
    with pytest.raises(StyleError, match="'Placeholder' is a paragraph style"):
        styles.reference_style(path)


def test_reference_is_cached_until_the_file_changes(tmp_path):
    path = make_reference(tmp_path / "ref.docx")
    first = styles.reference_style(path)
    assert styles.reference_style(str(path)) is first
    make_reference(path, drop=("Quote",))
    os.utime(path, ns=(1, 1))
    assert styles.reference_style(path) is not first


@pytest.mark.parametrize("kind", ["missing", "folder", "text", "empty-zip", "template"])
def test_unreadable_reference_is_a_style_error(tmp_path, kind):
    path = tmp_path / "ref.docx"
    if kind == "folder":
        path.mkdir()
    elif kind == "text":
        path.write_text("not a Word file", encoding="utf-8")
    elif kind == "empty-zip":
        zipfile.ZipFile(path, "w").close()
    elif kind == "template":
        make_reference(path)
        _make_template(path)
    with pytest.raises(StyleError) as caught:
        styles.reference_style(path)
    assert str(path) in str(caught.value)


def _make_template(path: Path) -> None:
    """Turn a .docx into a .dotx (a different main content type python-docx refuses)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            target.writestr(info, data)
    path.write_bytes(out.getvalue())


def test_build_with_reference_uses_its_ids_and_defined_styles(tmp_path):
    data = build_docx(MARKDOWN, META, make_reference(tmp_path / "ref.docx"))
    document = Document(io.BytesIO(data))
    by_text = {p.text: p.style for p in document.paragraphs}
    assert by_text["Inleiding"].style_id == "Kop1"
    assert by_text["Tekst."].style_id == "Plattetekst"
    assert by_text["punt"].name == "List Bullet"
    assert by_text["Citaat"].name == "Quote"
    assert by_text["Sneller duidelijkheid"].style_id == "Titel"


# --- references saved by Word's default template and by LibreOffice -----------------------

FIXTURES = Path(__file__).parent / "fixtures"


def reference_with_styles(path: Path, styles_xml: bytes) -> Path:
    """A .docx whose styles part is ``styles_xml`` (python-docx's package around it)."""
    buffer = io.BytesIO()
    Document().save(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = styles_xml if info.filename == "word/styles.xml" else source.read(info.filename)
            target.writestr(info, data)
    return path


def test_word_default_toc_heading_is_not_numbered_like_heading_1(tmp_path):
    # Word's template bases TOC Heading on heading 1, which procure numbers: the title would read
    # "1 Inhoud" and every chapter would shift by one.
    path = reference_with_styles(tmp_path / "word.docx", (FIXTURES / "word_default_styles.xml").read_bytes())
    ref = styles.reference_style(path)
    root = part(ref.template, "word/styles.xml")
    assert ref.heading_numbers
    heading1 = style_by_id(root, ref.id("heading 1"))
    assert heading1.find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val") != "0"
    toc = style_by_id(root, ref.id("TOC Heading"))
    assert toc.find("w:basedOn", NS).get(f"{{{W}}}val") == ref.id("heading 1")
    assert toc.find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val") == "0"
    assert toc.find("w:pPr/w:outlineLvl", NS).get(f"{{{W}}}val") == "9"


def test_reference_contents_entries_get_a_right_tab_for_their_page_numbers(tmp_path):
    # Word's template has toc 1 without tab stops (Word writes them into each entry); procure
    # gives the style one at the right margin, and keeps a reference's own.
    path = reference_with_styles(tmp_path / "word.docx", (FIXTURES / "word_default_styles.xml").read_bytes())
    ref = styles.reference_style(path)
    root = part(ref.template, "word/styles.xml")
    tabs = style_by_id(root, ref.id("toc 1")).findall("w:pPr/w:tabs/w:tab", NS)
    assert [(t.get(f"{{{W}}}val"), t.get(f"{{{W}}}leader"), t.get(f"{{{W}}}pos")) for t in tabs] == [
        ("left", None, "680"), ("right", "dot", str(ref.text_width))]
    house_tabs = style_by_id(part(styles.house_style().template, "word/styles.xml"), "TOC1").findall(".//w:tab", NS)
    assert len(house_tabs) == 2


def test_toc_heading_based_on_a_heading_without_outline_level_gets_body_level(tmp_path):
    xml = (FIXTURES / "word_default_styles.xml").read_bytes().replace(b'<w:outlineLvl w:val="9"/>', b"")
    ref = styles.reference_style(reference_with_styles(tmp_path / "word.docx", xml))
    toc = style_by_id(part(ref.template, "word/styles.xml"), ref.id("TOC Heading"))
    assert toc.find("w:pPr/w:outlineLvl", NS).get(f"{{{W}}}val") == "9"


def test_two_styles_of_one_name_never_give_a_duplicate_id(tmp_path):
    # LibreOffice saves its "Strong Emphasis" as id StrongEmphasis named "Strong", beside Word's
    # "Strong": procure's own Strong Emphasis must then take another id.
    xml = (FIXTURES / "word_default_styles.xml").read_bytes().replace(b"</w:styles>", b"""
  <w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
  <w:style w:type="character" w:styleId="StrongEmphasis"><w:name w:val="Strong"/><w:rPr><w:b/></w:rPr></w:style>
</w:styles>""")
    ref = styles.reference_style(reference_with_styles(tmp_path / "lo.docx", xml))
    root = part(ref.template, "word/styles.xml")
    ids = [s.get(f"{{{W}}}styleId") for s in root.iterfind("w:style", NS)]
    assert len(ids) == len(set(ids))
    assert ref.id("Strong Emphasis") != "StrongEmphasis"
    assert style_by_id(root, ref.id("Strong Emphasis")).find("w:name", NS).get(f"{{{W}}}val") == "Strong Emphasis"


def test_the_house_style_is_kept_between_processes_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    from procure import styles

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PROCURE_NO_CACHE", raising=False)
    styles.house_style.cache_clear()
    try:
        made = styles.house_style()
        (entry,) = (tmp_path / "procure" / "house").iterdir()
        styles.house_style.cache_clear()
        assert styles.house_style() == made  # read back from the cache
        entry.write_text("{not json", encoding="utf-8")
        styles.house_style.cache_clear()
        assert styles.house_style() == made  # a damaged entry is made again
        assert entry.read_text(encoding="utf-8").startswith("{")
        assert styles._read_house(entry.name) == made
    finally:
        styles.house_style.cache_clear()


def test_no_cache_means_nothing_is_written(tmp_path, monkeypatch):
    from procure import styles

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("PROCURE_NO_CACHE", "1")
    styles.house_style.cache_clear()
    try:
        styles.house_style()
        assert not (tmp_path / "procure").exists()
    finally:
        styles.house_style.cache_clear()
