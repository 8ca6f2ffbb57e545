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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct, field

from procure import docx_oxml as ox
from procure.docx_oxml import etree  # lxml, imported when first used: a render from the cached style needs none
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

#: The document languages the renderer writes (procure.docx_render.LANGUAGE_TAGS): the styles and
#: settings parts are prepared for each once, with the style.
LANGUAGES = ("nl-NL", "en-GB")

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


class HouseStyle(Struct, frozen=True):
    """A prepared style base: template bytes plus what the renderer needs to know of it."""

    template: bytes
    ids: dict[str, str]  # casefolded Word style name -> style id in this template
    heading_numbers: bool  # headings 1 and 2 carry the house clause numbering
    bullet_num_id: int  # the list instance every bullet list uses
    number_abstract_id: int  # the definition each numbered list gets a fresh instance of
    first_num_id: int  # the first free w:numId for those instances
    text_width: int  # twips between the margins
    source: str  # "house style" or the reference document, for messages
    #: The parts that differ by document language and by whether Word must refresh the fields:
    #: ``styles/<lang>`` and ``settings/<lang>/<update|final>`` (see :func:`variant_name`).
    variants: dict[str, bytes] = field(default_factory=dict)

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
    """The built-in house style, prepared once per process, and kept in the user's cache between
    processes (preparing it takes python-docx and a tenth of a second; reading it back, a millisecond)."""
    key = _house_key()
    cached = _read_house(key)
    if cached is not None:
        return cached
    from docx import Document

    house = _house_xml("styles")
    missing = missing_styles(house)
    if missing:
        raise StyleError(f"the built-in house style lacks the styles {', '.join(missing)}")
    style = _prepare(Document(), reference=None)
    _write_house(key, style)
    return style


_HOUSE_CACHE = "house"


def variant_name(part: str, language: str, update_fields: bool | None = None) -> str:
    """The key of a language variant of a part in :attr:`HouseStyle.variants`."""
    if update_fields is None:
        return f"{part}/{language}"
    return f"{part}/{language}/{'update' if update_fields else 'final'}"


def _house_key() -> str:
    """What the prepared house style is made from: procure's version, the house XML files, the code that
    prepares it and python-docx's default template. A change to any of them makes a new entry."""
    import hashlib
    from importlib.util import find_spec

    from procure import __version__

    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).parent
    sources = [*sorted(DATA.glob("house_*.xml")), here / "styles.py", here / "docx_oxml.py", here / "package.py"]
    spec = find_spec("docx")
    if spec is not None and spec.origin:
        sources.append(Path(spec.origin).parent / "templates" / "default.docx")
    for path in sources:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(path.name.encode() + b"\0missing")
    return f"{digest.hexdigest()[:32]}.json"


def _read_house(key: str) -> HouseStyle | None:
    import base64
    import json

    from procure.cache import read_entry

    raw = read_entry(_HOUSE_CACHE, key)
    if raw is None:
        return None
    try:
        fields = json.loads(raw)
        template = base64.b64decode(fields.pop("template"), validate=True)
        variants = {name: base64.b64decode(data, validate=True) for name, data in fields.pop("variants").items()}
        return HouseStyle(template=template, variants=variants, **fields)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # damaged or from another layout: made again


def _write_house(key: str, style: HouseStyle) -> None:
    import base64
    import json

    from msgspec.structs import asdict

    from procure.cache import write_entry

    fields = asdict(style)
    fields["template"] = base64.b64encode(style.template).decode("ascii")
    fields["variants"] = {name: base64.b64encode(data).decode("ascii") for name, data in style.variants.items()}
    write_entry(_HOUSE_CACHE, key, json.dumps(fields, sort_keys=True).encode("utf-8"))


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
    from docx import Document

    return _prepare(Document(), reference=Path(path), parts=read_reference(Path(path)))


def _prepare(document: DocxDocument, reference: Path | None, parts: ReferenceParts | None = None) -> HouseStyle:
    """Turn python-docx's default document into a HouseStyle: the house style's parts, or those a
    reference document may give (its styles, numbering, theme, fonts and page set-up) in their place.

    Either way the package is python-docx's own default with our settings: nothing else of a
    reference document is read, so nothing else can reach an output.
    """
    from procure.package import package_bytes

    part = document.part
    _drop_relationships(document, house=True)
    body = part.element.body
    ox.clear_body(body)
    sect = body[-1] if len(body) and body[-1].tag == ox.SECTPR else etree.SubElement(body, ox.SECTPR)
    sect[:] = []
    ox.set_page_setup(sect, A4, MARGINS)
    if parts is not None:
        _install_reference_parts(document, sect, parts)
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
    _install_settings(document, house=True)
    _install_header_footer(document, sect, id_map)
    _reset_properties(document)
    variants: dict[str, bytes] = {}
    for language in LANGUAGES:
        copied = copy.deepcopy(styles)
        ox.set_default_language(copied, language)
        variants[variant_name("styles", language)] = etree.tostring(copied, encoding="UTF-8", standalone=True)
        for update in (True, False):
            settings = copy.deepcopy(document.settings.element)
            if not update:
                ox.set_update_fields(settings, False)
            ox.set_theme_font_lang(settings, language)
            variants[variant_name("settings", language, update)] = etree.tostring(
                settings, encoding="UTF-8", standalone=True)
    return HouseStyle(
        variants=variants,
        template=package_bytes(part.package, compress=False),
        ids={name.casefold(): id_map[name.casefold()] for name in REQUIRED_STYLES},
        text_width=width,
        source=str(reference) if reference else "house style",
        **numbers,
    )


def _install_reference_parts(document: DocxDocument, sect: etree._Element, parts: ReferenceParts) -> None:
    """Put a reference document's sanitised styles, numbering, theme, fonts and page set-up in place."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.parser import parse_xml

    def xml(element: etree._Element) -> etree._Element:
        return parse_xml(etree.tostring(element))  # python-docx's own element classes

    part = document.part
    if parts.styles is not None:
        part.part_related_by(RT.STYLES)._element = xml(parts.styles)
    numbering = _numbering_element(document)
    numbering[:] = [copy.deepcopy(child) for child in parts.numbering] if parts.numbering is not None else []
    for reltype, blob in ((RT.THEME, parts.theme), (RT.FONT_TABLE, parts.font_table)):
        if blob is not None:
            part.part_related_by(reltype)._blob = blob
    if parts.page_setup:
        sect[:] = [copy.deepcopy(child) for child in parts.page_setup]


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


# ---------------------------------------------------------------- reading a reference document

#: What a reference document may contribute, and nothing else: its styles, list definitions, theme,
#: fonts and page set-up. Settings, footnotes, customXml, macros, document variables, protection and
#: every relationship (an attached template, a file:// image) are never read, so never copied.
_REFERENCE_PARTS = {"styles": "w:styles", "numbering": "w:numbering", "theme": "a:theme",
                    "fontTable": "w:fonts"}
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MAIN_TYPES = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"}
#: Page set-up children of w:sectPr a reference passes on (headers, footnote settings and printer
#: settings point at parts that are not copied).
_PAGE_SETUP = ("w:pgSz", "w:pgMar", "w:pgNumType", "w:cols", "w:vAlign", "w:textDirection", "w:bidi",
               "w:rtlGutter", "w:docGrid")
#: Limits against a hostile archive: checked on the zip directory before a part is inflated, and
#: again while inflating (a directory can lie).
MAX_ENTRIES = 5000
MAX_REFERENCE_BYTES = 256 * 1024 * 1024
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for parts above 1 MiB
_RATIO_FLOOR = 1024 * 1024
#: Word's own limits for a page: 0.1 to 22 inches.
_PAGE_RANGE = (144, 31680)


class ReferenceParts(Struct, frozen=True):
    """The sanitised parts of a reference document that a pack may use."""

    styles: etree._Element | None
    numbering: etree._Element | None
    theme: bytes | None
    font_table: bytes | None
    page_setup: tuple[etree._Element, ...]


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True, remove_blank_text=True)


class _Reference:
    """One reference .docx opened as a zip, read part by part within the limits."""

    def __init__(self, path: Path) -> None:
        import zipfile

        self.path = path
        size = path.stat().st_size
        if size > MAX_REFERENCE_BYTES:
            raise self.error(f"it is {size / 1024**2:,.0f} MiB; a reference document (styles and page set-up) "
                             f"is far smaller, at most {MAX_REFERENCE_BYTES // 1024**2} MiB")
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise self.error(f"it is not a Word .docx file (not a zip archive: {exc})") from None
        if len(infos) > MAX_ENTRIES:
            raise self.error(f"it holds {len(infos)} entries; a Word document holds a few dozen")
        self.infos = {info.filename: info for info in infos}

    def error(self, what: str) -> StyleError:
        return StyleError(f"cannot use {self.path} as a reference document: {what}; save it from Word "
                          "as 'Word Document (*.docx)'", Location(file=str(self.path)))

    def read(self, name: str) -> bytes | None:
        """The bytes of one entry (None when absent), refused when it would inflate too far."""
        import zlib
        import zipfile

        info = self.infos.get(name)
        if info is None:
            return None
        if info.file_size > MAX_PART_BYTES or (
                info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise self.error(f"part {name} would inflate to {info.file_size:,} bytes from "
                             f"{info.compress_size:,} (a zip bomb?); refused before reading it")
        try:
            with self.zip.open(info) as handle:
                data = handle.read(MAX_PART_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
            raise self.error(f"part {name} cannot be unpacked ({exc})") from None
        if len(data) > MAX_PART_BYTES:
            raise self.error(f"part {name} inflates to more than {MAX_PART_BYTES:,} bytes; refused")
        return data

    def xml(self, name: str, root: str) -> etree._Element | None:
        """A part parsed safely (no DTD, no entities, no network) with its root element checked."""
        data = self.read(name)
        if data is None:
            return None
        try:
            tree = etree.fromstring(data, _xml_parser()).getroottree()
        except etree.XMLSyntaxError as exc:
            raise self.error(f"part {name} is not well-formed XML ({exc})") from None
        if tree.docinfo.doctype:
            raise self.error(f"part {name} declares a DOCTYPE, which Word never writes")
        element = tree.getroot()
        if element.tag != _clark(root):
            raise self.error(f"the root element of {name} is {_short(element.tag)}, not {root}")
        return element

    def relationships(self, source: str) -> dict[str, str]:
        """Internal relationship targets of a part, by type (the type URI's last segment), as zip names."""
        folder, _, base = source.rpartition("/")
        rels = self.xml(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels",
                        "pr:Relationships")
        found: dict[str, str] = {}
        for rel in [] if rels is None else rels:
            target, kind = rel.get("Target"), (rel.get("Type") or "").rsplit("/", 1)[-1]
            if not target or rel.get("TargetMode") == "External" or kind in found:
                continue
            found[kind] = _resolve(folder, target)
        return found

    def main_content_type(self, name: str) -> str | None:
        types = self.xml("[Content_Types].xml", "ct:Types")
        if types is None:
            return None
        for override in types.iterchildren(f"{{{_CT_NS}}}Override"):
            if override.get("PartName", "").lstrip("/") == name:
                return override.get("ContentType")
        extension = name.rpartition(".")[2].casefold()
        for default in types.iterchildren(f"{{{_CT_NS}}}Default"):
            if default.get("Extension", "").casefold() == extension:
                return default.get("ContentType")
        return None


def _clark(prefixed: str) -> str:
    prefix, local = prefixed.split(":")
    namespace = {"w": ox.W_NS, "a": _A_NS, "pr": _PKG_REL_NS, "ct": _CT_NS}[prefix]
    return f"{{{namespace}}}{local}"


def _short(clark: str) -> str:
    namespace, _, local = clark[1:].partition("}")
    known = {ox.W_NS: "w", _A_NS: "a", _PKG_REL_NS: "pr", _CT_NS: "ct"}
    return f"{known[namespace]}:{local}" if namespace in known else f"'{local}' in namespace {namespace or 'none'}"


def _resolve(folder: str, target: str) -> str:
    """A relationship target relative to its source folder, as a zip entry name."""
    import posixpath

    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    return posixpath.normpath(joined).lstrip("/")


def _strip_relationship_refs(root: etree._Element) -> None:
    """Remove every element that points at a relationship (an embedded font, a picture bullet's
    image, a theme's image fill): the parts they point at are not copied."""
    for element in list(root.iter(etree.Element)):
        if any(str(name).startswith("{") and str(name)[1:].split("}")[0].endswith("/relationships")
               for name in element.attrib):
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)


def read_reference(path: Path) -> ReferenceParts:
    """The styles, numbering, theme, fonts and page set-up of a reference .docx, checked and sanitised.

    Every way the file can be wrong is a :class:`StyleError` naming the file and what is wrong.
    """
    if path.is_dir():
        raise StyleError(f"reference document {path} is a folder, not a .docx file", Location(file=str(path)))
    if not path.is_file():
        raise StyleError(f"reference document {path} is not a regular file; give the path of a .docx",
                         Location(file=str(path)))
    ref = _Reference(path)
    main = ref.relationships("").get("officeDocument")
    if main is None or main not in ref.infos:
        raise ref.error("it has no main document part (word/document.xml)")
    content_type = ref.main_content_type(main)
    if content_type not in _MAIN_TYPES:
        raise ref.error(f"its main part is of type {content_type}, not a Word document "
                        "(a template, a macro-enabled document or another format)")
    related = ref.relationships(main)
    found = {kind: ref.xml(related[kind], root) if kind in related else None
             for kind, root in _REFERENCE_PARTS.items()}
    for kind in found:
        if kind in related and found[kind] is None:
            raise ref.error(f"its {kind} part {related[kind]} is named but missing from the archive")
    styles = found["styles"]  # None: the reference has no styles of its own; the house style's fill in
    if styles is not None:
        _check_style_ids(styles, ref)
    numbering = found["numbering"]
    if numbering is not None:
        _check_numbering_ids(numbering, ref)
    if numbering is not None:  # picture bullets point at images, which are not copied
        for element in [*numbering.iter(ox.qn("w:numPicBullet")), *numbering.iter(ox.qn("w:lvlPicBulletId"))]:
            element.getparent().remove(element)
    for element in found.values():
        if element is not None:
            _strip_relationship_refs(element)
    document = ref.xml(main, "w:document")
    body = document.find(ox.qn("w:body")) if document is not None else None
    sect = body.find(ox.SECTPR) if body is not None and body.find(ox.SECTPR) is not None else None
    if body is not None and len(body) and body[-1].tag == ox.SECTPR:
        sect = body[-1]
    page: tuple[etree._Element, ...] = ()
    if sect is not None:
        page = tuple(copy.deepcopy(child) for child in sect if _short(child.tag) in _PAGE_SETUP)
        _check_page(page, ref)
    serialise = (lambda e: None if e is None else etree.tostring(e, xml_declaration=True,
                                                                  encoding="UTF-8", standalone=True))
    return ReferenceParts(styles=styles, numbering=numbering, theme=serialise(found["theme"]),
                          font_table=serialise(found["fontTable"]), page_setup=page)


def _check_style_ids(styles: etree._Element, ref: _Reference) -> None:
    """Every style has an id, and no two share one (Word would pick one at random)."""
    seen: dict[str, str] = {}
    for style in ox.iter_styles(styles):
        name = ox.style_name(style) or "(unnamed)"
        style_id = style.get(ox.STYLE_ID)
        if not style_id:
            raise ref.error(f"style '{name}' has no w:styleId")
        if style_id in seen:
            raise ref.error(f"the style id '{style_id}' is used twice (styles '{seen[style_id]}' and '{name}')")
        seen[style_id] = name


def _check_numbering_ids(numbering: etree._Element, ref: _Reference) -> None:
    """List definitions and list instances have whole-number ids, each used once."""
    for tag, attribute in ((ox.ABSTRACT_NUM, ox.ABSTRACT_NUM_ID), (ox.NUM, ox.NUMID)):
        seen: set[int] = set()
        for element in numbering.iterchildren(tag):
            raw = element.get(attribute)
            if raw is None or not raw.strip().isdigit() or int(raw) > 2**31 - 1:
                raise ref.error(f"the numbering part has a {_short(tag)} with id {raw!r}, not a whole number")
            if int(raw) in seen:
                raise ref.error(f"the numbering part uses the {_short(tag)} id {raw} twice")
            seen.add(int(raw))


def _check_page(page: tuple[etree._Element, ...], ref: _Reference) -> None:
    """The page size and margins are numbers Word accepts (a negative or huge page breaks the lay-out)."""
    for element in page:
        if element.tag not in (ox.qn("w:pgSz"), ox.qn("w:pgMar")):
            continue
        for name, value in element.attrib.items():
            local = name.split("}")[-1]
            if local in ("orient", "code"):
                continue
            try:
                number = int(value)
            except ValueError:
                raise ref.error(f"the page set-up has {_short(element.tag)} {local}={value!r}, not a number") from None
            low, high = _PAGE_RANGE if element.tag == ox.qn("w:pgSz") and local in ("w", "h") else (-31680, 31680)
            if not low <= number <= high:
                raise ref.error(f"the page set-up has {_short(element.tag)} {local}={number}, "
                                f"outside {low}..{high} twips")
