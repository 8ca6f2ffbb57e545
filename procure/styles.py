"""The house style, and the use of a reference .docx in its place.

A :class:`HouseStyle` is everything the renderer needs that does not change from
one document to the next, prepared once per process: a lean template package
(styles, numbering, settings, an empty header and footer, an empty body) as
bytes, and the id of every Word style the renderer uses, resolved by *name*.

Why by name: Word saves localised style ids (a Dutch Word writes ``Kop1`` for
``heading 1``), and a reference document keeps only the styles it used. So the
renderer asks for names; a style the reference lacks is defined from the house
style rather than failing; an unreadable reference is a :class:`StyleError`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from procure import docx_oxml as ox
from procure.errors import Location, StyleError

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

DATA = Path(__file__).parent / "data"

#: Paragraph styles the renderer uses, by Word name (compared case-insensitively).
PARAGRAPH_STYLES = (
    "Normal", "Body Text", "Title", "Subtitle", "Cover Label", "Cover Value",
    "heading 1", "heading 2", "heading 3", "TOC Heading", "toc 1", "toc 2", "toc 3",
    "List Bullet", "List Bullet 2", "List Bullet 3", "List Number", "List Number 2",
    "List Number 3", "List Continue", "List Continue 2", "List Continue 3",
    "Quote", "Table Text", "Table Heading", "header", "footer",
)
CHARACTER_STYLES = ("Strong", "Emphasis", "Strong Emphasis", "Hyperlink", "Placeholder", "Proposal",
                    "Draft Mark")
TABLE_STYLES = ("Table Grid", "Cover Table")
REQUIRED_STYLES: dict[str, str] = {
    **{name: "paragraph" for name in PARAGRAPH_STYLES},
    **{name: "character" for name in CHARACTER_STYLES},
    **{name: "table" for name in TABLE_STYLES},
}

#: The house page: A4 portrait, 2.5 cm margins, header and footer 1.25 cm from the edge.
A4 = (11906, 16838)
MARGINS = {"top": 1418, "right": 1418, "bottom": 1418, "left": 1418,
           "header": 709, "footer": 709, "gutter": 0}

#: Room for a clause number ("10.3") before a contents entry's title, as in the house style.
TOC_NUMBER_WIDTH = 680

_KEEP_DOCUMENT_RELS = {"styles", "numbering", "settings", "webSettings", "fontTable", "theme",
                       "footnotes", "endnotes", "glossaryDocument", "customXml", "people"}
_HOUSE_DROPS = {"webSettings", "customXml"}
_KEEP_PACKAGE_RELS = {"officeDocument", "core-properties", "extended-properties",
                      "custom-properties"}
_APP_XML = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'extended-properties"><Application>procure</Application></Properties>')


@dataclass(frozen=True)
class HouseStyle:
    """A prepared style base: template bytes plus what the renderer needs to know of it."""

    template: bytes
    ids: dict[str, str]  # casefolded Word style name -> style id in this template
    heading_numbers: bool  # headings 1 and 2 carry the house clause numbering
    bullet_num_id: int  # the list instance every bullet list uses
    number_abstract_id: int  # the definition each numbered list gets a fresh instance of
    first_num_id: int  # the first free w:numId for those instances
    text_width: int  # twips between the margins
    source: str  # "house style" or the reference document, for messages

    def id(self, name: str) -> str:
        """The style id for a Word style name (case-insensitive)."""
        return self.ids[name.casefold()]


@lru_cache(maxsize=None)
def _house_xml(name: str) -> etree._Element:
    """A parsed ``procure/data/house_<name>.xml``, comments and layout whitespace removed."""
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    path = DATA / f"house_{name}.xml"
    try:
        return etree.parse(str(path), parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise StyleError(f"the built-in house style is damaged ({path.name}): {exc}") from exc


def style_index(styles: etree._Element) -> dict[str, tuple[str, str]]:
    """Casefolded style name -> (style id, style type) for every style in a styles part."""
    index: dict[str, tuple[str, str]] = {}
    for style in ox.iter_styles(styles):
        key = ox.style_name(style).casefold()
        index.setdefault(key, (style.get(ox.STYLE_ID), style.get(ox.qn("w:type"), "paragraph")))
    return index


def missing_styles(styles: etree._Element) -> list[str]:
    """Required style names a styles part does not define."""
    index = style_index(styles)
    return [name for name in REQUIRED_STYLES if name.casefold() not in index]


@lru_cache(maxsize=1)
def house_style() -> HouseStyle:
    """The built-in house style, prepared once per process."""
    from docx import Document

    house = _house_xml("styles")
    missing = missing_styles(house)
    if missing:
        raise StyleError(f"the built-in house style lacks the styles {', '.join(missing)}")
    return _prepare(Document(), reference=None)


def style_for(reference_doc: Path | str | None) -> HouseStyle:
    """The built-in house style, or the one of an organisation's reference .docx (both cached)."""
    return reference_style(reference_doc) if reference_doc is not None else house_style()


def reference_style(path: Path | str) -> HouseStyle:
    """The style base of a reference .docx (cached while the file is unchanged)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise StyleError(f"cannot read reference document {path}: {exc.strerror or exc}") from exc
    return _reference_style(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _reference_style(path: str, mtime_ns: int, size: int) -> HouseStyle:
    return _prepare(_open_reference(Path(path)), reference=Path(path))


def _open_reference(path: Path) -> DocxDocument:
    """Open a reference .docx, turning every way it can fail into a StyleError."""
    from docx import Document

    if path.is_dir():
        raise StyleError(f"reference document {path} is a folder, not a .docx file")
    if not path.is_file():
        raise StyleError(f"reference document {path} is not a regular file; give the path of a .docx",
                         Location(file=str(path)))
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises KeyError, ValueError, BadZipFile, lxml errors
        raise StyleError(
            f"cannot use {path} as a reference document: it is not a readable Word .docx file "
            f"({type(exc).__name__}: {exc}); save it from Word as 'Word Document (*.docx)'"
        ) from exc


def _prepare(document: DocxDocument, reference: Path | None) -> HouseStyle:
    """Turn a document (python-docx's default, or a reference) into a HouseStyle."""
    from procure.package import package_bytes

    part = document.part
    _drop_relationships(document, house=reference is None)
    body = part.element.body
    ox.clear_body(body)
    sect = body[-1] if len(body) and body[-1].tag == ox.SECTPR else etree.SubElement(body, ox.SECTPR)
    if reference is None:
        ox.set_page_setup(sect, A4, MARGINS)
    width = ox.text_width(sect)
    styles = document.styles.element  # python-docx adds a default styles part when a file has none
    if reference is None:
        styles[:] = [copy.deepcopy(child) for child in _house_xml("styles")]
        id_map = {ox.style_name(s).casefold(): s.get(ox.STYLE_ID) for s in ox.iter_styles(styles)}
    else:
        id_map = _merge_styles(styles, width, reference)
    numbers = _install_numbering(document, styles, id_map, house=reference is None)
    if reference is not None:
        _unnumber_toc_heading(styles, id_map["toc heading"])
        by_id = {s.get(ox.STYLE_ID): s for s in ox.iter_styles(styles)}
        for level in (1, 2, 3):  # the title after its number, the page number at the right margin
            ox.ensure_toc_tabs(by_id[id_map[f"toc {level}"]], TOC_NUMBER_WIDTH, width)
    _install_settings(document, house=reference is None)
    _install_header_footer(document, sect, id_map)
    _reset_properties(document)
    return HouseStyle(
        template=package_bytes(part.package, compress=False),
        ids={name.casefold(): id_map[name.casefold()] for name in REQUIRED_STYLES},
        text_width=width,
        source=str(reference) if reference else "house style",
        **numbers,
    )


def _reltype_key(reltype: str) -> str:
    """The last path segment of a relationship type URI (``.../styles`` -> ``styles``)."""
    return reltype.rsplit("/", 1)[-1]


def _drop_relationships(document: DocxDocument, house: bool) -> None:
    """Drop what only the old body used (headers, images, links, comments) and stale extras.

    The body is cleared, so its images and hyperlinks would be orphans; the old
    headers are replaced by ours; a thumbnail would show the wrong page.
    """
    keep = _KEEP_DOCUMENT_RELS - (_HOUSE_DROPS if house else set())
    rels = document.part.rels
    for rid in [rid for rid, rel in rels.items() if _reltype_key(rel.reltype) not in keep]:
        rels.pop(rid)
    pkg_rels = document.part.package.rels
    for rid in [rid for rid, rel in pkg_rels.items()
                if _reltype_key(rel.reltype) not in _KEEP_PACKAGE_RELS]:
        pkg_rels.pop(rid)


def _merge_styles(styles: etree._Element, width: int, reference: Path) -> dict[str, str]:
    """Define in a reference's styles part every required style it lacks; name -> id map.

    A copied house style keeps its id unless the reference already uses that id
    for another style; its basedOn/next/link are re-pointed at the reference's
    own styles of the same name, so e.g. a missing ``List Bullet`` builds on the
    reference's ``Body Text`` (whatever id Word gave it).
    """
    index = style_index(styles)
    _check_types(index, reference)
    house = {ox.style_name(s).casefold(): s for s in ox.iter_styles(_house_xml("styles"))}
    used_ids = {style.get(ox.STYLE_ID) for style in ox.iter_styles(styles)}  # every id, not one per name
    id_map = {name: style_id for name, (style_id, _) in index.items()}
    copies = []
    for name, style in house.items():
        if name in id_map:
            continue
        new = copy.deepcopy(style)
        new.set(ox.STYLE_ID, _free_id(style.get(ox.STYLE_ID), used_ids))
        new.attrib.pop(ox.qn("w:default"), None)
        used_ids.add(new.get(ox.STYLE_ID))
        id_map[name] = new.get(ox.STYLE_ID)
        ox.set_right_tabs(new, width)
        copies.append(new)
    house_names = {s.get(ox.STYLE_ID): name for name, s in house.items()}
    for new in copies:
        for ref in ox.style_refs(new):
            ref.set(ox.VAL, id_map[house_names[ref.get(ox.VAL)]])
        styles.append(new)
    return id_map


def _check_types(index: dict[str, tuple[str, str]], reference: Path) -> None:
    """A required name used for a style of another kind (a paragraph "Placeholder") is an error."""
    for name, kind in REQUIRED_STYLES.items():
        found = index.get(name.casefold())
        if found is not None and found[1] != kind:
            raise StyleError(f"reference document {reference}: style '{name}' is a {found[1]} "
                             f"style, but procure needs a {kind} style of that name")


def _free_id(wanted: str, used: set[str]) -> str:
    """``wanted``, or ``wanted`` with the first number suffix not in ``used``."""
    candidate, n = wanted, 1
    while candidate in used:
        n += 1
        candidate = f"{wanted}{n}"
    return candidate


def _install_numbering(document: DocxDocument, styles: etree._Element, id_map: dict[str, str],
                       house: bool) -> dict[str, object]:
    """Add the house list definitions (renumbered) and link the heading styles to them."""
    numbering = _numbering_element(document)
    if house:
        numbering[:] = []
    abstract_base, num_base = ox.numbering_ids(numbering)
    source = _house_xml("numbering")
    abstracts = [copy.deepcopy(a) for a in source.iterchildren(ox.ABSTRACT_NUM)]
    by_id = {s.get(ox.STYLE_ID): s for s in ox.iter_styles(styles)}
    heading1, heading2 = by_id[id_map["heading 1"]], by_id[id_map["heading 2"]]
    link = house or ox.style_numpr(heading1) is None
    for abstract in abstracts:
        abstract.set(ox.ABSTRACT_NUM_ID, str(abstract_base + int(abstract.get(ox.ABSTRACT_NUM_ID))))
        for pstyle in abstract.iter(ox.PSTYLE):
            if link:
                pstyle.set(ox.VAL, id_map[_HOUSE_HEADING_NAMES[pstyle.get(ox.VAL)]])
            else:
                pstyle.getparent().remove(pstyle)
    ox.add_abstract_nums(numbering, abstracts)
    ox.append_num(numbering, num_base + 1, abstract_base + 1)
    ox.append_num(numbering, num_base + 2, abstract_base + 2)
    if link:
        ox.set_style_numbering(heading1, num_base + 1, 0)
        ox.set_style_numbering(heading2, num_base + 1, 1)
    return {"heading_numbers": link, "bullet_num_id": num_base + 2,
            "number_abstract_id": abstract_base + 3, "first_num_id": num_base + 3}


_HOUSE_HEADING_NAMES = {"Heading1": "heading 1", "Heading2": "heading 2"}


def _unnumber_toc_heading(styles: etree._Element, toc_id: str) -> None:
    """The contents title is never a numbered chapter nor an entry of the contents, whatever
    the reference says.

    Word's default template bases "TOC Heading" on "heading 1"; procure numbers
    heading 1, so the title would inherit the number ("1 Inhoud") and shift every
    chapter. The style gets its own ``numId 0`` (no list), and outline level 9 (body
    text) when it has none of its own, as Word's template gives it.
    """
    style = next((s for s in ox.iter_styles(styles) if s.get(ox.STYLE_ID) == toc_id), None)
    if style is None:
        return
    ox.set_style_numbering(style, 0, 0)
    ox.set_style_outline_level(style, 9)


def _numbering_element(document: DocxDocument) -> etree._Element:
    """The numbering part's root, creating the part when a reference has none.

    (python-docx cannot create one: ``NumberingPart.new`` is not implemented.)
    """
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.oxml.parser import parse_xml
    from docx.parts.numbering import NumberingPart

    try:
        return document.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        root = etree.tostring(etree.Element(ox.qn("w:numbering"), nsmap={"w": ox.W_NS}))
        part = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING,
                             parse_xml(root), document.part.package)
        document.part.relate_to(part, RT.NUMBERING)
        return part.element


def _install_settings(document: DocxDocument, house: bool) -> None:
    """House: the lean settings part. Reference: its own, with ``updateFields`` on."""
    settings = document.settings.element
    if house:
        lean = etree.fromstring(ox.lean_settings_xml())
        settings[:] = list(lean)
    else:
        ox.set_update_fields(settings)


def _install_header_footer(document: DocxDocument, sect: etree._Element, id_map: dict[str, str]) -> None:
    """One empty header and footer part (filled per document), none on the title page."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.parser import parse_xml
    from docx.parts.hdrftr import FooterPart, HeaderPart

    package, part = document.part.package, document.part
    header = HeaderPart(package.next_partname("/word/header%d.xml"), CT.WML_HEADER,
                        parse_xml(ox.header_footer_xml("hdr", id_map["header"])), package)
    header_rid = part.relate_to(header, RT.HEADER)
    footer = FooterPart(package.next_partname("/word/footer%d.xml"), CT.WML_FOOTER,
                        parse_xml(ox.header_footer_xml("ftr", id_map["footer"])), package)
    footer_rid = part.relate_to(footer, RT.FOOTER)
    ox.set_header_footer(sect, header_rid, footer_rid)


def _reset_properties(document: DocxDocument) -> None:
    """Empty core properties (set per document) and a minimal app.xml naming no one else."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = document.part.package
    document.core_properties  # makes sure a core properties part exists
    package.part_related_by(RT.CORE_PROPERTIES).element[:] = []
    for rid in [rid for rid, rel in package.rels.items() if rel.reltype == RT.EXTENDED_PROPERTIES]:
        package.rels.pop(rid)
    app = Part(PackURI("/docProps/app.xml"), CT.OFC_EXTENDED_PROPERTIES, _APP_XML, package)
    package.relate_to(app, RT.EXTENDED_PROPERTIES)
