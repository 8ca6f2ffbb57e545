"""A rendered document as the parts of its .docx, written straight from text.

The house style (or a reference document) is prepared once per process as a
small template package (:mod:`procure.styles`). A document differs from it in a
few places only: the body, the header and footer paragraphs, the core
properties, the language in the styles and settings, a list instance per
numbered list, hyperlink relationships and, when the document has them, a
comments part and a header for the title page. :class:`Skeleton` reads the
template once (per process and template) and keeps every part as bytes;
:class:`DocxPackage` holds one document's own parts and writes the .docx with
:func:`procure.package.write_zip`. No XML tree of the body is ever built: the
renderer's XML text goes into ``document.xml`` as it is (every value in it was
escaped by :mod:`procure.docx_oxml`).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from procure import docx_oxml as ox
from procure.package import content_types_for, quoteattr, write_zip
from procure.styles import variant_name

if TYPE_CHECKING:
    from procure.styles import HouseStyle

DOCUMENT = "word/document.xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RT_HYPERLINK = f"{_REL}/hyperlink"
RT_COMMENTS = f"{_REL}/comments"
RT_HEADER = f"{_REL}/header"
RT_FOOTER = f"{_REL}/footer"
CT_HEADER = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
_XML_HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_CORE_OPEN = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
              'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/'
              'dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/'
              'XMLSchema-instance">')


class Relationship(NamedTuple):
    rid: str
    type: str
    target: str
    external: bool = False


class Skeleton:
    """The template package's parts as bytes, and where a document's own content goes.

    The template is procure's own serialisation (:func:`procure.styles._prepare`), so its few parts
    read here (document, relationships, content types, numbering) are read as text.
    """

    def __init__(self, template: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(template)) as archive:
            self.names = archive.namelist()
            self.parts = {name: archive.read(name) for name in self.names}
        document = self.parts[DOCUMENT].decode("utf-8")
        body = document.index("<w:body>") + len("<w:body>")
        sect_start, sect_end = document.index("<w:sectPr", body), document.rindex("</w:sectPr>")
        self.document_head = document[:body]
        self.sect = document[sect_start:sect_end]  # without its end tag: a first-page header goes in
        self.document_tail = "</w:sectPr>" + document[sect_end + len("</w:sectPr>"):]
        self.relationships = [
            Relationship(attrs["Id"], attrs["Type"], attrs["Target"], attrs.get("TargetMode") == "External")
            for attrs in _elements(self.parts[DOCUMENT_RELS], "Relationship")]
        by_rid = {rel.rid: rel for rel in self.relationships}
        header_rid = re.search(r'<w:headerReference w:type="default" r:id="([^"]+)"', self.sect)
        footer_rid = re.search(r'<w:footerReference w:type="default" r:id="([^"]+)"', self.sect)
        if header_rid is None or footer_rid is None:
            raise ValueError("the template's section has no default header or footer")
        self.header = "word/" + by_rid[header_rid.group(1)].target
        self.footer = "word/" + by_rid[footer_rid.group(1)].target
        self.overrides = {attrs["PartName"]: attrs["ContentType"]
                          for attrs in _elements(self.parts[CONTENT_TYPES], "Override")}
        numbering = self.parts["word/numbering.xml"].decode("utf-8")
        cleanup = numbering.find("<w:numIdMacAtCleanup")
        self.numbering_split = cleanup if cleanup >= 0 else numbering.rindex("</w:numbering>")


_ATTRIBUTE = re.compile(r'([A-Za-z:]+)="([^"]*)"')
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


def _elements(data: bytes, name: str) -> list[dict[str, str]]:
    """The attributes of every ``<name .../>`` element of a small part written by lxml."""
    found = []
    for match in re.finditer(rf"<{name} ([^>]*?)/?>", data.decode("utf-8")):
        attrs = {}
        for key, value in _ATTRIBUTE.findall(match.group(1)):
            for entity, char in _ENTITIES.items():
                value = value.replace(entity, char)
            attrs[key] = value.replace("&amp;", "&")
        found.append(attrs)
    return found


@lru_cache(maxsize=8)
def skeleton(template: bytes) -> Skeleton:
    """The skeleton of a template package (a HouseStyle's ``template``), read once per process."""
    return Skeleton(template)


class DocxPackage:
    """One rendered document: the skeleton plus its own parts; :meth:`to_bytes` writes the .docx."""

    def __init__(self, style: HouseStyle) -> None:
        self.style = style
        self.skeleton = skeleton(style.template)
        self.content = ""  # the body's XML text (paragraphs and tables)
        self.header_paragraph = ""  # the header and footer paragraphs, as XML text
        self.footer_paragraph = ""
        self.first_header_paragraph: str | None = None  # a title-page header (a draft's mark)
        self.comments: bytes | None = None
        self.nums: list[tuple[int, int, int]] = []  # (numId, abstractNumId, start) of numbered lists
        self.number_abstract_id = 0
        self.language = "nl-NL"
        self.update_fields = True
        self.core: dict[str, str] = {}
        self.created: datetime | None = None
        self._relationships = list(self.skeleton.relationships)
        self._external: dict[str, str] = {}

    def relate_external(self, target: str) -> str:
        """The relationship id of a hyperlink to ``target`` (one per distinct target)."""
        rid = self._external.get(target)
        if rid is None:
            rid = _relate(self._relationships, RT_HYPERLINK, target, external=True)
            self._external[target] = rid
        return rid

    # --- the parts ----------------------------------------------------------------------------

    def _free_header_name(self) -> str:
        number = 1
        while f"word/header{number}.xml" in self.skeleton.parts:
            number += 1
        return f"word/header{number}.xml"

    def entries(self) -> list[tuple[str, bytes, bool]]:
        """Every zip entry, in the template's order with the document's own parts after the footer."""
        sk = self.skeleton
        own: dict[str, bytes] = {
            sk.header: ox.header_footer_xml("hdr", "", self.header_paragraph),
            sk.footer: ox.header_footer_xml("ftr", "", self.footer_paragraph),
            "word/styles.xml": self.style.variants[variant_name("styles", self.language)],
            "word/settings.xml": self.style.variants[variant_name("settings", self.language, self.update_fields)],
            "docProps/core.xml": self._core_xml(),
        }
        if self.nums:
            own["word/numbering.xml"] = self._numbering_xml()
        added: list[tuple[str, bytes, str]] = []  # (name, data, content type)
        relationships = list(self._relationships)  # writing twice gives the same file
        sect = sk.sect
        if self.first_header_paragraph is not None:
            name = self._free_header_name()
            rid = _relate(relationships, RT_HEADER, name[len("word/"):])
            added.append((name, ox.header_footer_xml("hdr", "", self.first_header_paragraph), CT_HEADER))
            sect = _after_references(sect, f'<w:headerReference w:type="first" r:id="{rid}"/>')
        if self.comments is not None:
            _relate(relationships, RT_COMMENTS, "comments.xml")
            added.append(("word/comments.xml", self.comments, ox.COMMENTS_CONTENT_TYPE))
        own[DOCUMENT] = f"{sk.document_head}{self.content}{sect}{sk.document_tail}".encode("utf-8")
        own[DOCUMENT_RELS] = _rels_xml(relationships)
        overrides = dict(sk.overrides)
        overrides.update((f"/{name}", content_type) for name, _, content_type in added)
        own[CONTENT_TYPES] = content_types_for(overrides.items())
        entries: list[tuple[str, bytes, bool]] = []
        for name in sk.names:
            entries.append((name, own.get(name, sk.parts[name]), name != DOCUMENT))
            if name == sk.footer:
                entries += [(added_name, data, True) for added_name, data, _ in added]
        return entries

    def to_bytes(self, moment: datetime) -> bytes:
        return write_zip(self.entries(), moment)

    def _numbering_xml(self) -> bytes:
        """The numbering part with one list instance per numbered list (before ``numIdMacAtCleanup``,
        where the schema wants them)."""
        data, at = self.skeleton.parts["word/numbering.xml"], self.skeleton.numbering_split
        text = data.decode("utf-8")
        nums = "".join(ox.num_xml(num_id, self.number_abstract_id, {ilvl: start})
                       for num_id, ilvl, start in self.nums)
        return (text[:at] + nums + text[at:]).encode("utf-8")

    def _core_xml(self) -> bytes:
        parts = [_CORE_OPEN]
        for tag, key in (("dc:title", "title"), ("dc:subject", "subject"), ("dc:creator", "author"),
                         ("cp:keywords", "keywords"), ("cp:lastModifiedBy", "last_modified_by"),
                         ("cp:revision", "revision"), ("dc:language", "language")):
            value = self.core.get(key, "")
            if value:
                parts.append(f"<{tag}>{ox.attr(value)}</{tag}>")
        if self.created is not None:
            stamp = self.created.strftime("%Y-%m-%dT%H:%M:%SZ")
            for tag in ("dcterms:created", "dcterms:modified"):
                parts.append(f'<{tag} xsi:type="dcterms:W3CDTF">{stamp}</{tag}>')
        parts.append("</cp:coreProperties>")
        return (_XML_HEAD + "".join(parts)).encode("utf-8")


def _relate(relationships: list[Relationship], type_: str, target: str, external: bool = False) -> str:
    """Add a relationship under the first free ``rIdN``; its id."""
    used = {rel.rid for rel in relationships}
    number = 1
    while f"rId{number}" in used:
        number += 1
    rid = f"rId{number}"
    relationships.append(Relationship(rid, type_, target, external))
    return rid


def _rels_xml(relationships: list[Relationship]) -> bytes:
    rels = "".join(
        f'<Relationship Id={quoteattr(rel.rid)} Type={quoteattr(rel.type)} Target={quoteattr(rel.target)}'
        + (' TargetMode="External"/>' if rel.external else "/>") for rel in relationships)
    return f'{_XML_HEAD}<Relationships xmlns="{_RELS_NS}">{rels}</Relationships>'.encode("utf-8")


def _after_references(sect: str, reference: str) -> str:
    """``sect`` (a section's XML without its end tag) with ``reference`` after its header and footer
    references, where the schema wants it."""
    ends = [m.end() for m in re.finditer(r"<w:(?:header|footer)Reference [^>]*/>", sect)]
    at = ends[-1] if ends else sect.index(">") + 1
    return sect[:at] + reference + sect[at:]
