"""The one module that works on WordprocessingML directly (lxml under python-docx).

Why raw XML: python-docx's convenience calls look styles up by scanning the whole
styles part on every paragraph, and have no API for list instances, fields,
bookmarks, repeated table headers or document language. Writing the markup here,
by style *id* resolved once per process, keeps the renderer fast and keeps every
OOXML detail (element order, attribute names, escaping) in one tested place.

Two kinds of function, neither holding state: builders of body content as XML
text (paragraphs, runs, fields, tables), and edits of lxml elements of the
other parts (styles, numbering, settings, section properties).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any


class _LazyLxml:
    """``lxml.etree``, imported at its first use: building a document's XML as text needs no lxml,
    and its import is a noticeable part of a render's start-up."""

    def __getattr__(self, name: str) -> Any:
        from lxml import etree as real

        globals()["etree"] = real
        return getattr(real, name)


etree: Any = _LazyLxml()

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

NSMAP = {"w": W_NS, "r": R_NS}


def qn(tag: str) -> str:
    """``w:p`` -> ``{namespace}p`` (Clark notation), for the w and r prefixes."""
    prefix, local = tag.split(":")
    return f"{{{NSMAP[prefix]}}}{local}"


# Clark names used more than once, computed once.
PPR, PSTYLE, RPR, VAL, TYPE = (qn(t) for t in ("w:pPr", "w:pStyle", "w:rPr", "w:val", "w:type"))
NUMPR, ILVL, NUMID = qn("w:numPr"), qn("w:ilvl"), qn("w:numId")
STYLE, NAME, STYLE_ID = qn("w:style"), qn("w:name"), qn("w:styleId")
SECTPR = qn("w:sectPr")
R_ID = qn("r:id")

#: Characters an XML 1.0 document (and so a .docx) cannot hold: C0 controls other than
#: tab, newline and carriage return, lone surrogates and the two non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile(r"([\t\n])")


def clean_text(text: str) -> str:
    """``text`` without the characters a .docx cannot hold; every line end becomes ``\n``.

    The loader already removes control characters with a warning; this is the
    renderer's own guard, so no input can ever make lxml raise a bare ValueError
    or produce a file Word refuses. A newline inside a text node can only come
    from an escaped line end in a user's value (Markdown splits raw line ends
    into break nodes), so it is kept: :func:`run_xml` makes it a ``w:br``.
    """
    if _UNSAFE.search(text):
        text = _UNSAFE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# --- content as XML text ---------------------------------------------------------------
#
# Body content is built as XML text and goes into word/document.xml as it is (see
# procure.docx_package): string building is several times faster than creating each
# element through lxml from Python. Every text and attribute value passes through
# _t() (via run_xml) or attr(), so no user value can break the markup.

_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
P_CLOSE = "</w:p>"
HYPERLINK_CLOSE = "</w:hyperlink>"


def attr(value: str) -> str:
    """``value`` escaped for a double-quoted XML attribute (cleaned of unsafe characters)."""
    return clean_text(value).translate(_ATTR_ESCAPES)


def p_open(style_id: str | None, num_id: int | None = None, ilvl: int = 0, keep_next: bool = False) -> str:
    """The start of a paragraph styled by id; with ``num_id`` an item of that list instance.

    ``keep_next`` keeps the paragraph on the page of the next one (a lead-in with its
    list, a list's first item with its second, a table's header with its first rows):
    page flow, the one paragraph property set outside the styles.
    ``style_id`` must already be escaped (see :func:`attr`); ids are resolved and
    escaped once per document, not per paragraph.
    """
    if style_id is None:
        return "<w:p>"
    numbering = (f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
                 if num_id is not None else "")
    keep = "<w:keepNext/>" if keep_next else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{keep}{numbering}</w:pPr>'


def run_open(style_id: str | None) -> str:
    """The start of a run, with a character style (escaped id) if given."""
    return f'<w:r><w:rPr><w:rStyle w:val="{style_id}"/></w:rPr>' if style_id else "<w:r>"


def run_xml(text: str, style_id: str | None = None) -> str:
    """A ``w:r`` holding ``text`` (already cleaned); a tab becomes ``w:tab``, a newline ``w:br``.

    Newlines here are hard breaks: the renderer's, or a user's escaped line end.
    """
    if "\t" in text or "\n" in text:
        body = "".join(
            "<w:tab/>" if piece == "\t" else "<w:br/>" if piece == "\n" else _t(piece)
            for piece in _BREAKS.split(text) if piece
        )
    else:
        body = _t(text) if text else ""
    return f"{run_open(style_id)}{body}</w:r>"


def _t(text: str) -> str:
    """One ``w:t``; spaces at either end or doubled need ``xml:space="preserve"``."""
    escaped = text.translate(_TEXT_ESCAPES)
    if text[0] == " " or text[-1] == " " or "  " in text:
        return f'<w:t xml:space="preserve">{escaped}</w:t>'
    return f"<w:t>{escaped}</w:t>"


def page_break_xml(style_id: str | None) -> str:
    """A paragraph holding only a page break (``w:br w:type="page"``)."""
    return f'{p_open(style_id)}<w:r><w:br w:type="page"/></w:r></w:p>'


def hyperlink_open(rid: str | None = None, anchor: str | None = None) -> str:
    """The start of a ``w:hyperlink`` to an external relationship or a bookmark."""
    target = f' r:id="{attr(rid)}"' if rid is not None else f' w:anchor="{attr(anchor or "")}"'
    return f'<w:hyperlink{target} w:history="1">'


def bookmark_start(bookmark_id: int, name: str) -> str:
    return f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{attr(name)}"/>'


def bookmark_end(bookmark_id: int) -> str:
    return f'<w:bookmarkEnd w:id="{bookmark_id}"/>'


def field_begin(instruction: str, style_id: str | None = None, dirty: bool = True) -> str:
    """Begin a complex field, up to its result; ``dirty``: Word recomputes it on open."""
    run = run_open(style_id)
    mark = ' w:dirty="true"' if dirty else ""
    return (f'{run}<w:fldChar w:fldCharType="begin"{mark}/></w:r>'
            f'{run}<w:instrText xml:space="preserve"> {instruction.translate(_TEXT_ESCAPES)} </w:instrText></w:r>'
            f'{run}<w:fldChar w:fldCharType="separate"/></w:r>')


def field_end(style_id: str | None = None) -> str:
    """End the complex field begun by :func:`field_begin` (possibly paragraphs earlier)."""
    return f'{run_open(style_id)}<w:fldChar w:fldCharType="end"/></w:r>'


def field_xml(instruction: str, result: str, style_id: str | None = None, dirty: bool = True) -> str:
    """A whole complex field (``PAGE``, ``PAGEREF``) with a cached result; dirty unless told."""
    return field_begin(instruction, style_id, dirty) + run_xml(result, style_id) + field_end(style_id)


def ref_field_xml(bookmark: str, result: str, number: bool, style_id: str | None = None) -> str:
    """A cross-reference: a ``REF`` field to a heading's bookmark, as Word's own "Insert cross-reference"
    writes one. ``number``: the heading's paragraph number (``\\r``, "5" or "5.2"), else the heading's
    text. ``\\h`` makes it a link to the heading. The result is what the renderer laid out, so the field
    is not dirty: readers that never update fields show it as it is."""
    switches = "\\r \\h" if number else "\\h"
    return field_xml(f"REF {bookmark} {switches}", result, style_id, dirty=False)


COMMENTS_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"


def comment_range_start(comment_id: int) -> str:
    """Where the text a comment is about begins."""
    return f'<w:commentRangeStart w:id="{comment_id}"/>'


def comment_range_end(comment_id: int) -> str:
    """Where the commented text ends, and the run that anchors the comment there."""
    return (f'<w:commentRangeEnd w:id="{comment_id}"/>'
            f'<w:r><w:commentReference w:id="{comment_id}"/></w:r>')


def comments_xml(texts: Sequence[str], author: str, moment: datetime) -> bytes:
    """The comments part: comment ``i`` holds ``texts[i]``, by ``author`` at ``moment`` (UTC)."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    initials = attr(author[:1].upper())
    comments = "".join(
        f'<w:comment w:id="{i}" w:author="{attr(author)}" w:date="{stamp}" w:initials="{initials}">'
        f'<w:p><w:r><w:annotationRef/></w:r>{run_xml(clean_text(text))}</w:p></w:comment>'
        for i, text in enumerate(texts))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:comments xmlns:w="{W_NS}" xmlns:r="{R_NS}">{comments}</w:comments>').encode("utf-8")


def table_open(style_id: str, widths: Sequence[int]) -> str:
    """The start of a full-width table in style ``style_id`` with fixed column ``widths`` (twips).

    ``tblLook firstRow`` switches on the style's header-row formatting; the width
    is 100 % of the text area so a reference document's margins are honoured.
    """
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="{style_id}"/><w:tblW w:w="5000" w:type="pct"/>'
            '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" '
            'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>")


def row_open(header: bool) -> str:
    """The start of a table row that never splits; a header row repeats on every page."""
    return ("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header
            else "<w:tr><w:trPr><w:cantSplit/></w:trPr>")


def cell_open(width: int) -> str:
    """The start of a table cell of ``width`` twips (a paragraph must follow)."""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'


CELL_CLOSE, ROW_CLOSE, TABLE_CLOSE = "</w:tc>", "</w:tr>", "</w:tbl>"



# --- body and section ----------------------------------------------------------------


def clear_body(body: etree._Element) -> None:
    """Remove all content of ``w:body`` but its final section properties."""
    for child in list(body)[:-1] if len(body) and body[-1].tag == SECTPR else list(body):
        body.remove(child)


_SECT_ORDER = ("w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type",
               "w:pgSz", "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType",
               "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection",
               "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")


def insert_in_order(parent: etree._Element, child: etree._Element, order: Sequence[str]) -> etree._Element:
    """Insert ``child`` into ``parent`` where the schema sequence ``order`` puts it."""
    later = {qn(tag) for tag in order[order.index(_prefixed(child.tag)) + 1 :]}
    for index, existing in enumerate(parent):
        if existing.tag in later:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def _prefixed(clark: str) -> str:
    """``{w-namespace}p`` -> ``w:p``."""
    namespace, local = clark[1:].split("}")
    prefix = next(p for p, ns in NSMAP.items() if ns == namespace)
    return f"{prefix}:{local}"


def set_page_setup(sect: etree._Element, size: tuple[int, int], margins: dict[str, int]) -> None:
    """Page size and margins (twips) of a section: the house style's A4 page."""
    for tag in ("w:pgSz", "w:pgMar"):
        old = sect.find(qn(tag))
        if old is not None:
            sect.remove(old)
    pgsz = etree.Element(qn("w:pgSz"), {qn("w:w"): str(size[0]), qn("w:h"): str(size[1])})
    insert_in_order(sect, pgsz, _SECT_ORDER)
    pgmar = etree.Element(qn("w:pgMar"), {qn(f"w:{k}"): str(v) for k, v in margins.items()})
    insert_in_order(sect, pgmar, _SECT_ORDER)


def text_width(sect: etree._Element) -> int:
    """Width between the margins, in twips (A4 with 2.5 cm margins when unknown)."""
    pgsz, pgmar = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
    try:
        width = int(pgsz.get(qn("w:w")))
        left, right = int(pgmar.get(qn("w:left"))), int(pgmar.get(qn("w:right")))
    except (AttributeError, TypeError, ValueError):
        return 9070
    return max(width - left - right, 2000)


def set_header_footer(sect: etree._Element, header_rid: str, footer_rid: str) -> None:
    """Use one default header and footer, and a first page without them (``w:titlePg``).

    Existing references (a reference document's own headers) are removed; with
    ``titlePg`` and no ``first`` header the title page has none, in Word and LibreOffice.
    """
    for tag in ("w:headerReference", "w:footerReference", "w:titlePg"):
        for old in sect.findall(qn(tag)):
            sect.remove(old)
    sect.insert(0, etree.Element(qn("w:footerReference"), {TYPE: "default", R_ID: footer_rid}))
    sect.insert(0, etree.Element(qn("w:headerReference"), {TYPE: "default", R_ID: header_rid}))
    insert_in_order(sect, etree.Element(qn("w:titlePg")), _SECT_ORDER)


def header_footer_xml(root_tag: str, style_id: str, paragraph: str | None = None) -> bytes:
    """A header (``w:hdr``) or footer (``w:ftr``) part with one paragraph: empty and styled
    ``style_id``, or ``paragraph`` given as XML text."""
    content = paragraph if paragraph is not None else f"{p_open(attr(style_id))}</w:p>"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:{root_tag} xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
            f'{content}</w:{root_tag}>').encode("utf-8")


# --- styles --------------------------------------------------------------------------


def iter_styles(styles: etree._Element) -> Iterator[etree._Element]:
    """Every ``w:style`` element of a styles part."""
    return styles.iterchildren(STYLE)


def style_name(style: etree._Element) -> str:
    """The ``w:name`` of a style (its id when it has no name)."""
    name = style.find(NAME)
    value = name.get(VAL) if name is not None else None
    return value or style.get(STYLE_ID) or ""


def style_refs(style: etree._Element) -> Iterator[etree._Element]:
    """The elements of a style that name another style by id (basedOn, next, link)."""
    for tag in ("w:basedOn", "w:next", "w:link"):
        el = style.find(qn(tag))
        if el is not None:
            yield el


def style_numpr(style: etree._Element) -> etree._Element | None:
    """A paragraph style's own numbering (``w:pPr/w:numPr``), if it has one."""
    ppr = style.find(PPR)
    return None if ppr is None else ppr.find(NUMPR)


_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
              "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
              "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
              "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
              "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
              "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
              "w:pPrChange")
_STYLE_ORDER = ("w:name", "w:aliases", "w:basedOn", "w:next", "w:link", "w:autoRedefine",
                "w:hidden", "w:uiPriority", "w:semiHidden", "w:unhideWhenUsed", "w:qFormat",
                "w:locked", "w:personal", "w:personalCompose", "w:personalReply", "w:rsid",
                "w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")


def set_style_numbering(style: etree._Element, num_id: int, ilvl: int) -> None:
    """Give a paragraph style numbering ``num_id`` at ``ilvl`` (replacing any it had)."""
    ppr = style.find(PPR)
    if ppr is None:
        ppr = insert_in_order(style, etree.Element(PPR), _STYLE_ORDER)
    old = ppr.find(NUMPR)
    if old is not None:
        ppr.remove(old)
    numpr = etree.Element(NUMPR)
    if ilvl:
        etree.SubElement(numpr, ILVL, {VAL: str(ilvl)})
    etree.SubElement(numpr, NUMID, {VAL: str(num_id)})
    insert_in_order(ppr, numpr, _PPR_ORDER)


def set_style_outline_level(style: etree._Element, level: int) -> None:
    """Give a paragraph style outline level ``level`` (9: body text) unless it sets one itself."""
    ppr = style.find(PPR)
    if ppr is None:
        ppr = insert_in_order(style, etree.Element(PPR), _STYLE_ORDER)
    if ppr.find(qn("w:outlineLvl")) is None:
        insert_in_order(ppr, etree.Element(qn("w:outlineLvl"), {VAL: str(level)}), _PPR_ORDER)


def ensure_toc_tabs(style: etree._Element, number_width: int, right: int) -> None:
    """Tab stops a contents entry ("3.1<tab>Title<tab>7") needs, where a style lacks them: a left
    stop ``number_width`` after the style's indent for the title, and a right-aligned, dot-led
    stop at ``right`` for the page number (Word's own TOC writes them into each entry instead)."""
    kinds = {tab.get(VAL) for tab in style.iter(qn("w:tab"))}
    ppr = style.find(PPR)
    if ppr is None:
        ppr = insert_in_order(style, etree.Element(PPR), _STYLE_ORDER)
    tabs = ppr.find(qn("w:tabs"))
    if tabs is None:
        tabs = insert_in_order(ppr, etree.Element(qn("w:tabs")), _PPR_ORDER)
    if not kinds & {"left", "start"}:
        ind = ppr.find(qn("w:ind"))
        try:
            indent = int(ind.get(qn("w:left"), ind.get(qn("w:start"), 0))) if ind is not None else 0
        except ValueError:
            indent = 0
        tabs.insert(0, etree.Element(qn("w:tab"), {VAL: "left", qn("w:pos"): str(indent + number_width)}))
    if not kinds & {"right", "end"}:
        etree.SubElement(tabs, qn("w:tab"), {VAL: "right", qn("w:leader"): "dot", qn("w:pos"): str(right)})


def set_right_tabs(style: etree._Element, position: int) -> None:
    """Move a style's right-aligned tab stops to ``position`` (the text width)."""
    for tab in style.iter(qn("w:tab")):
        if tab.get(VAL) in ("right", "end"):
            tab.set(qn("w:pos"), str(position))


def _default_rpr(styles: etree._Element) -> etree._Element:
    """``w:docDefaults/w:rPrDefault/w:rPr``, created if the part lacks it."""
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = etree.Element(qn("w:docDefaults"))
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = etree.Element(qn("w:rPrDefault"))
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(RPR)
    if rpr is None:
        rpr = etree.SubElement(rpr_default, RPR)
    return rpr


def set_default_language(styles: etree._Element, language: str) -> None:
    """The document language (``w:lang`` in the document defaults), e.g. ``nl-NL``.

    Word's spelling check, hyphenation and screen readers follow it; East Asian
    text keeps the same tag and right-to-left text Arabic, as Word writes them.
    """
    rpr = _default_rpr(styles)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = etree.Element(qn("w:lang"))
        rpr.append(lang)  # w:lang is near the end of rPr; only eastAsianLayout etc. follow
        for tag in ("w:eastAsianLayout", "w:specVanish", "w:oMath"):
            later = rpr.find(qn(tag))
            if later is not None:
                later.addprevious(lang)
                break
    lang.set(VAL, language)
    lang.set(qn("w:eastAsia"), language)
    lang.set(qn("w:bidi"), "ar-SA")


# --- numbering -----------------------------------------------------------------------

ABSTRACT_NUM, NUM = qn("w:abstractNum"), qn("w:num")
ABSTRACT_NUM_ID = qn("w:abstractNumId")


def numbering_ids(numbering: etree._Element) -> tuple[int, int]:
    """The highest abstractNumId and numId in a numbering part (0 when none)."""
    abstract = [int(a.get(ABSTRACT_NUM_ID, 0)) for a in numbering.iterchildren(ABSTRACT_NUM)]
    nums = [int(n.get(NUMID, 0)) for n in numbering.iterchildren(NUM)]
    return max(abstract, default=0), max(nums, default=0)


def add_abstract_nums(numbering: etree._Element, abstracts: Iterable[etree._Element]) -> None:
    """Insert list definitions after the existing ones (all must precede every ``w:num``)."""
    anchor = next(numbering.iterchildren(NUM, qn("w:numIdMacAtCleanup")), None)
    for abstract in abstracts:
        if anchor is not None:
            anchor.addprevious(abstract)
        else:
            numbering.append(abstract)


def num_xml(num_id: int, abstract_id: int, start_overrides: dict[int, int] | None = None) -> str:
    """A ``w:num`` list instance as XML text: what :func:`append_num` adds, for a numbering part
    written as text."""
    overrides = "".join(f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                        for ilvl, start in sorted((start_overrides or {}).items()))
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


def append_num(numbering: etree._Element, num_id: int, abstract_id: int,
               start_overrides: dict[int, int] | None = None) -> None:
    """A list instance over ``abstract_id``; a start override makes it restart.

    Word continues a list across every ``w:num`` of one definition unless the
    instance overrides the start of its level: that is what makes each numbered
    list of a tender begin at 1 again.
    """
    num = etree.Element(NUM, {NUMID: str(num_id)})
    etree.SubElement(num, ABSTRACT_NUM_ID, {VAL: str(abstract_id)})
    for ilvl, start in sorted((start_overrides or {}).items()):
        override = etree.SubElement(num, qn("w:lvlOverride"), {ILVL: str(ilvl)})
        etree.SubElement(override, qn("w:startOverride"), {VAL: str(start)})
    cleanup = numbering.find(qn("w:numIdMacAtCleanup"))
    if cleanup is not None:
        cleanup.addprevious(num)
    else:
        numbering.append(num)


# --- settings ------------------------------------------------------------------------

_SETTINGS_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat",
                                 "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
                                 "w:themeFontLang", "w:clrSchemeMapping",
                                 "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures",
                                 "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
                                 "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults",
                                 "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator")
_SETTINGS_AFTER_THEME_FONT_LANG = _SETTINGS_AFTER_UPDATE_FIELDS[
    _SETTINGS_AFTER_UPDATE_FIELDS.index("w:themeFontLang") + 1 :
]


def _insert_before_any(parent: etree._Element, child: etree._Element, successors: Sequence[str]) -> None:
    """Insert ``child`` before the first existing element whose local name is a successor."""
    later = {s.split(":")[1] for s in successors}
    for index, existing in enumerate(parent):
        if isinstance(existing.tag, str) and etree.QName(existing).localname in later:
            parent.insert(index, child)
            return
    parent.append(child)


def set_update_fields(settings: etree._Element, on: bool = True) -> None:
    """``w:updateFields``: Word refreshes the TOC and page fields when it opens the file (and
    asks the reader first). Off: the element is removed, for a document whose fields are complete."""
    el = settings.find(qn("w:updateFields"))
    if not on:
        if el is not None:
            settings.remove(el)
        return
    if el is None:
        el = etree.Element(qn("w:updateFields"))
        _insert_before_any(settings, el, _SETTINGS_AFTER_UPDATE_FIELDS)
    el.set(VAL, "true")


def set_theme_font_lang(settings: etree._Element, language: str) -> None:
    """``w:themeFontLang``: the language Word assumes for theme fonts."""
    el = settings.find(qn("w:themeFontLang"))
    if el is None:
        el = etree.Element(qn("w:themeFontLang"))
        _insert_before_any(settings, el, _SETTINGS_AFTER_THEME_FONT_LANG)
    el.attrib.clear()
    el.set(VAL, language)


def lean_settings_xml() -> bytes:
    """The house settings part: only what a generated document needs.

    Compatibility mode 15 (Word 2013 and later) so Word does not open the file in
    compatibility mode; ``updateFields`` so the TOC and page numbers are refreshed.
    """
    root = etree.Element(qn("w:settings"), nsmap={"w": W_NS})
    etree.SubElement(root, qn("w:zoom"), {qn("w:percent"): "100"})
    etree.SubElement(root, qn("w:defaultTabStop"), {VAL: "709"})
    etree.SubElement(root, qn("w:characterSpacingControl"), {VAL: "doNotCompress"})
    etree.SubElement(root, qn("w:updateFields"), {VAL: "true"})
    compat = etree.SubElement(root, qn("w:compat"))
    etree.SubElement(compat, qn("w:compatSetting"), {
        qn("w:name"): "compatibilityMode", qn("w:uri"): "http://schemas.microsoft.com/office/word",
        VAL: "15"})
    etree.SubElement(root, qn("w:themeFontLang"), {VAL: "en-GB"})
    return etree.tostring(root, encoding="UTF-8", standalone=True)
