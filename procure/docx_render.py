"""Markdown syntax tree -> Word document, on the house style or a reference .docx.

:class:`DocxRenderer` walks ``procure.markdown.parse(text)`` with one method per
node type (``_render_heading``, ``_render_table``, ...). It fails closed: a node
type without a method is a :class:`RenderError` naming the type and the line,
because legal text must never vanish silently.

Every paragraph and run gets a named Word style, set by style id (resolved once
per process in :mod:`procure.styles`); there is no direct formatting, so a
reference .docx restyles everything and Word's navigation pane and TOC work.
The document is: a title page (title, document kind, a small table of facts
ending in its status), a table of contents, then the body; header and footer
from the second page on. A placeholder or proposal shows its words; the field
of the problem statement it names is a Word comment on it. A document that
still holds one is a draft: its status says so, and a mark in the header of
every page, the title page included. A heading with a key (``# Title {#key}``)
gets a bookmark named after it, and a link to it (``[5](#key)``) becomes a Word
``REF`` field with the number laid out here (see :mod:`procure.xref`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ClassVar

from msgspec import Struct, field

from procure import docx_oxml as ox
from procure import xref
from procure.docx_package import DocxPackage
from procure.errors import RenderError
from procure.markdown import BLOCK_TYPES, Gap, heading_key, split_label
from procure.package import docx_bytes, pinned_datetime, utc_naive
from procure.styles import REQUIRED_STYLES, HouseStyle, house_style, style_for

if TYPE_CHECKING:
    from procure.markdown import Node

#: Language code of a problem statement -> the language tag written into the .docx.
LANGUAGE_TAGS = {"nl": "nl-NL", "en": "en-GB"}
#: Words used when the caller gives none (the templates' strings.yaml normally does).
_DEFAULT_WORDS = {"nl": ("Inhoud", "Pagina", "van"), "en": ("Contents", "Page", "of")}
#: The draft's words when the caller gives none: status label, draft, final, the header mark,
#: and the comment on a placeholder and on a proposal (followed by the field path).
_DEFAULT_STATUS = {
    "nl": ("Status", "Concept", "Definitief", "CONCEPT",
           "In te vullen in de probleemstelling (YAML), veld", "Te bevestigen of te vervangen in de "
           "probleemstelling (YAML), veld"),
    "en": ("Status", "Draft", "Final", "DRAFT",
           "To be completed in the problem statement (YAML), field", "To be confirmed or replaced in the "
           "problem statement (YAML), field"),
}
#: Who the comments on placeholders are from.
COMMENT_AUTHOR = "procure"
TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
MAX_LIST_DEPTH = 9  # Word's list levels 0-8
REF_BOOKMARK_IDS = 1_000_000  # bookmark ids of the cross-reference targets, clear of the headings' own
CHAR_TWIPS = 110  # a wide-ish character of the 9 pt table text, for minimum column widths
SHORT_WORD = 13  # words up to this length never break in a table ("Waardegebied", "doorlooptijd")
CELL_PADDING = 200  # the table style's left and right cell margins, and some air

_UNSUPPORTED_HINTS = {
    "code_inline": "inline code (text between backticks); remove the backticks, or escape them as \\`",
    "fence": "a fenced code block (```); tender documents have no code: write the text as paragraphs",
    "code_block": "an indented code block (lines indented by four spaces or more); remove the indentation",
    "image": "an image; pictures are not supported in generated documents",
    "html_inline": "raw HTML; it is never rendered",
    "html_block": "raw HTML; it is never rendered",
    "s": "strikethrough text",
}


class DocMeta(Struct, frozen=True):
    """What the document says about itself: cover page, header, footer, properties."""

    title: str  # the procurement title (cover, header, core properties)
    subtitle: str  # the document kind, e.g. "Aanbestedingsleidraad"
    language: str  # "nl" | "en"
    reference: str  # the procurement reference
    creator: str  # the buyer organisation
    subject: str = ""
    keywords: str = ""
    cover_rows: tuple[tuple[str, str], ...] = ()  # (label, value) on the title page
    toc_title: str = ""  # "" -> "Inhoud" / "Contents"
    header_text: str = ""  # "" -> "<reference> · <title>"
    page_word: str = ""  # "" -> "Pagina" / "Page"
    of_word: str = ""  # "" -> "van" / "of"
    created: datetime = field(default_factory=pinned_datetime)  # core properties and comments
    status_label: str = ""  # "" -> "Status"
    draft_word: str = ""  # "" -> "Concept" / "Draft"
    final_word: str = ""  # "" -> "Definitief" / "Final"
    draft_mark: str = ""  # "" -> "CONCEPT" / "DRAFT", in the header of every page of a draft
    placeholder_note: str = ""  # the comment on a placeholder, before its field path
    proposal_note: str = ""  # the comment on a proposal, before its field path

    def words(self) -> tuple[str, str, str]:
        """(TOC title, page word, of word), falling back to the language's defaults."""
        toc, page, of = _DEFAULT_WORDS.get(self.language, _DEFAULT_WORDS["en"])
        return self.toc_title or toc, self.page_word or page, self.of_word or of

    def status_words(self) -> tuple[str, str, str, str, str, str]:
        """(status label, draft, final, header mark, placeholder note, proposal note), with defaults."""
        defaults = _DEFAULT_STATUS.get(self.language, _DEFAULT_STATUS["en"])
        given = (self.status_label, self.draft_word, self.final_word, self.draft_mark,
                 self.placeholder_note, self.proposal_note)
        return tuple(g or d for g, d in zip(given, defaults))  # type: ignore[return-value]


class _ListFrame(Struct):
    """One open Markdown list: its Word list instance and level."""

    ordered: bool
    num_id: int
    ilvl: int
    item_open: bool = False  # the current item's numbered paragraph exists
    items: int = 0  # how many items the list has
    index: int = -1  # the current item

    @property
    def keep_next(self) -> bool:
        """Never split a list after its first item, nor before its last."""
        return self.items > 1 and self.index in (0, self.items - 2)


class _TocEntry(Struct, frozen=True):
    level: int
    number: str
    text: str
    bookmark: str


class _TableState(Struct):
    widths: list[int]
    header: bool = False
    column: int = 0
    rows: int = 0  # rows begun so far
    count: int = 0  # rows in the table

    @property
    def keep_next(self) -> bool:
        """The header row and the first body row stay with the row after them (Word keeps a row
        with the next when its paragraphs keep with the next)."""
        return self.rows <= 2 and self.rows < self.count


class LayoutPages(Mapping[str, int]):
    """Page numbers for a layout pass: every heading on page 88, two digits wide like most real ones,
    so the contents page is laid out as it will be once the real numbers are filled in."""

    def __getitem__(self, key: str) -> int:
        return 88

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def build_docx(markdown: str, meta: DocMeta, reference_doc: Path | None = None,
               page_numbers: Mapping[str, int] | None = None) -> bytes:
    """The whole pipeline: Markdown text -> deterministic .docx bytes."""
    from procure.markdown import parse

    document = render_document(parse(markdown), meta, style_for(reference_doc), page_numbers)
    return docx_bytes(document, meta)


def render_document(tree: Node, meta: DocMeta, style: HouseStyle | None = None,
                    page_numbers: Mapping[str, int] | None = None) -> DocxPackage:
    """Lay out a parsed Markdown tree as the parts of a .docx (:func:`procure.package.docx_bytes`
    writes them).

    ``page_numbers`` (heading bookmark -> page, from a layout of the same document; see
    :mod:`procure.toc_pages`) completes the table of contents; without it the contents
    list the headings and Word fills in the pages when it opens the file.
    """
    style = style or house_style()
    document = DocxPackage(style)
    DocxRenderer(document, style, meta, page_numbers).lay_out(tree)
    return document


class DocxRenderer:
    """Renders one syntax tree into one document; one ``_render_<type>`` method per node type.

    Content is written as XML text into ``self._out`` in document order (see
    :mod:`procure.docx_oxml` for why) and parsed once into the body at the end.
    """

    _dispatch: ClassVar[dict[str, Callable[[DocxRenderer, Node], None]]] = {}

    def __init__(self, document: DocxPackage, style: HouseStyle, meta: DocMeta,
                 page_numbers: Mapping[str, int] | None = None) -> None:
        self.document = document
        self.style = style
        self.meta = meta
        self.page_numbers = page_numbers
        self._ids = {name: ox.attr(style.id(name)) for name in REQUIRED_STYLES}
        self._out: list[str] = []
        self._buffer: list[str] = []
        self._buffer_style: str | None = None
        self._flags = {"strong": 0, "em": 0, "link": 0, "placeholder": 0, "proposal": 0}
        self._style: str | None = None  # the character style id the flags give now
        self._stack: list[_ListFrame | str] = []  # open lists and "quote"s, innermost last
        self._table: _TableState | None = None
        self._headings: list[_TocEntry] = []
        self._counters = [0, 0]
        self._nums: list[tuple[int, int, int]] = []  # (numId, level, start) of numbered lists
        self._next_num = style.first_num_id
        self._block: Node | None = None  # the innermost block, for error lines
        self._comments: list[str] = []  # comment texts, by comment id
        self._gaps = 0  # placeholders and proposals shown (body and title page): a draft if any
        self._targets: dict[str, tuple[str, str, str]] = {}  # heading key -> (number, title, bookmark)
        self._ref_bookmarks: set[str] = set()
        self._references: list[tuple[int, str, str, str | None, Node]] = []  # where in _out, key, what
        self._table_of_methods = self._methods()

    # --- the document as a whole ------------------------------------------------------

    def lay_out(self, tree: Node) -> None:
        """Title page, table of contents, body, header and footer, properties, language."""
        if self.meta.language not in LANGUAGE_TAGS:
            raise RenderError(f"unknown document language {self.meta.language!r}; use nl or en")
        self.render(tree)
        self._resolve_references()
        cover = self._cover()
        content = cover + self._toc() + self._out
        document = self.document
        document.content = "".join(content)
        self._header_footer()
        if self._comments:  # author procure, the document's own date (never the clock): same bytes each run
            document.comments = ox.comments_xml(self._comments, COMMENT_AUTHOR, utc_naive(self.meta.created))
        document.nums = self._nums  # one list instance per numbered list, each restarting at its start
        document.number_abstract_id = self.style.number_abstract_id
        document.language = LANGUAGE_TAGS[self.meta.language]
        document.update_fields = self.page_numbers is None
        self._set_properties()

    def _cover(self) -> list[str]:
        """Title, document kind, a borderless table of facts, then a page break."""
        ids, meta = self._ids, self.meta
        out = [ox.p_open(ids["Title"]), ox.run_xml(ox.clean_text(meta.title)), ox.P_CLOSE,
               ox.p_open(ids["Subtitle"]), ox.run_xml(ox.clean_text(meta.subtitle)), ox.P_CLOSE]
        label_width = self.style.text_width * 3 // 10
        widths = [label_width, self.style.text_width - label_width]
        cells: list[tuple[str, str]] = []
        for label, value in meta.cover_rows:
            cells.append((self._cover_text(label), self._cover_text(value)))
        status, draft, final, *_ = meta.status_words()
        cells.append((ox.run_xml(ox.clean_text(status)),
                      ox.run_xml(ox.clean_text(draft if self.is_draft else final),
                                 ids["Draft Mark"] if self.is_draft else None)))
        out.append(ox.table_open(ids["Cover Table"], widths))
        for label_xml, value_xml in cells:
            out.append(ox.row_open(header=False))
            for xml, width, role in ((label_xml, widths[0], "Cover Label"), (value_xml, widths[1], "Cover Value")):
                out += (ox.cell_open(width), ox.p_open(ids[role]), xml, ox.P_CLOSE, ox.CELL_CLOSE)
            out.append(ox.ROW_CLOSE)
        out.append(ox.TABLE_CLOSE)
        out.append(ox.page_break_xml(ids["Normal"]))
        return out

    def _cover_text(self, text: str) -> str:
        """A cover value as runs: plain text, or a Gap shown like a body placeholder."""
        if isinstance(text, Gap):
            return self._gap_xml(ox.clean_text(text), "placeholder")
        return ox.run_xml(ox.clean_text(text))

    @property
    def is_draft(self) -> bool:
        """The document still shows a placeholder or a proposal (call after the body is rendered
        and the cover rows are laid out)."""
        return self._gaps > 0 or any(isinstance(v, Gap) for _, v in self.meta.cover_rows)

    def _gap_xml(self, content: str, kind: str) -> str:
        """A placeholder or proposal: its words in its style, the field path it names in a comment.

        ``content`` is the cleaned label (``[in te vullen: datum van publicatie, tender.published]``);
        the reader sees ``[in te vullen: datum van publicatie]`` and Word and LibreOffice show the
        comment beside it. A label that names no field is shown whole, without comment.
        """
        self._gaps += 1
        visible, field_path = split_label(content)
        run = ox.run_xml(visible, self._ids["Placeholder" if kind == "placeholder" else "Proposal"])
        if field_path is None:
            return run
        note = self.meta.status_words()[4 if kind == "placeholder" else 5]
        comment_id = len(self._comments)
        self._comments.append(f"{note} {field_path}")
        return ox.comment_range_start(comment_id) + run + ox.comment_range_end(comment_id)

    def _toc(self) -> list[str]:
        """The TOC title and a TOC field pre-filled with the headings; a page break.

        With page numbers (from a layout of this very document) the field is complete,
        as Word itself writes one: each entry ends in a tab and a PAGEREF field holding
        its page, and nothing is marked for updating, so Word opens it without asking,
        and LibreOffice, previewers and PDFs show the pages. Without them the field is
        dirty and Word rebuilds it, pages included, when it opens the file
        (``updateFields``); the entries then carry numbers and titles linked to each
        heading's bookmark but no page number, since LibreOffice shows a TOC's cached
        text as is and a guessed number would be wrong.
        """
        ids, pages = self._ids, self.page_numbers
        if pages is not None and any(entry.bookmark not in pages for entry in self._headings):
            pages = self.page_numbers = None  # a heading the layout did not place: let Word number them all
        out = [ox.p_open(ids["TOC Heading"]), ox.run_xml(ox.clean_text(self.meta.words()[0])), ox.P_CLOSE]
        entries = self._headings or [None]
        for index, entry in enumerate(entries):
            out.append(ox.p_open(ids[f"toc {entry.level if entry else 1}"]))
            if index == 0:
                out.append(ox.field_begin(TOC_INSTRUCTION, dirty=pages is None))
            if entry is not None:
                label = f"{entry.number}\t{entry.text}" if entry.number else entry.text
                out += (ox.hyperlink_open(anchor=entry.bookmark), ox.run_xml(label))
                if pages is not None:
                    out += (ox.run_xml("\t"), ox.field_xml(f"PAGEREF {entry.bookmark} \\h",
                                                             str(pages[entry.bookmark]), dirty=False))
                out.append(ox.HYPERLINK_CLOSE)
            if index == len(entries) - 1:
                out.append(ox.field_end())
            out.append(ox.P_CLOSE)
        out.append(ox.page_break_xml(ids["Normal"]))
        return out

    def _header_footer(self) -> None:
        """Header: reference and title. Footer: "Pagina X van Y" from PAGE and NUMPAGES.

        A draft's header starts with the draft mark ("CONCEPT"), and its title page, which
        has no header otherwise, gets a header holding the mark alone: every page says so.
        """
        meta, ids, document = self.meta, self._ids, self.document
        header_text = ox.clean_text(meta.header_text or f"{meta.reference} \u00b7 {meta.title}")
        mark = ""
        if self.is_draft:
            mark = ox.run_xml(ox.clean_text(meta.status_words()[3]), ids["Draft Mark"])
            document.first_header_paragraph = f"{ox.p_open(ids['header'])}{mark}{ox.P_CLOSE}"
            mark += ox.run_xml(" \u00b7 ")
        document.header_paragraph = f"{ox.p_open(ids['header'])}{mark}{ox.run_xml(header_text)}{ox.P_CLOSE}"
        _, page, of = meta.words()
        dirty = self.page_numbers is None  # Word computes PAGE and NUMPAGES at every layout anyway
        document.footer_paragraph = (
            ox.p_open(ids["footer"]) + ox.run_xml(ox.clean_text(page) + " ")
            + ox.field_xml("PAGE", "1", dirty=dirty) + ox.run_xml(" " + ox.clean_text(of) + " ")
            + ox.field_xml("NUMPAGES", "1", dirty=dirty) + ox.P_CLOSE)

    def _set_properties(self) -> None:
        """Core properties: fixed, from the metadata only (nothing from the clock).

        Text properties are cut to 255 characters (the Office schema's practice) rather
        than fail on a long title.
        """
        meta = self.meta
        self.document.core = {
            "title": _core_text(meta.title), "subject": _core_text(meta.subject),
            "author": _core_text(meta.creator), "last_modified_by": _core_text(meta.creator),
            "keywords": _core_text(meta.keywords), "language": LANGUAGE_TAGS[meta.language], "revision": "1"}
        self.document.created = utc_naive(meta.created)

    # --- dispatch ---------------------------------------------------------------------

    def render(self, node: Node) -> None:
        """Render one node by its type; an unknown type is an error, never skipped."""
        kind = node.type
        method = self._table_of_methods.get(kind)
        if method is None:
            raise self._unknown(node, kind)
        if kind in BLOCK_TYPES:
            self._block = node
        method(self, node)

    @classmethod
    def _methods(cls) -> dict[str, Callable[[DocxRenderer, Node], None]]:
        """``node type -> method``, built once from the ``_render_*`` methods."""
        if not cls._dispatch:
            cls._dispatch = {name[len("_render_"):]: getattr(cls, name)
                             for name in dir(cls) if name.startswith("_render_")}
        return cls._dispatch

    def _line(self, node: Node | None = None) -> int | None:
        """The 1-based source line of ``node`` or of the innermost block being rendered."""
        for candidate in (node, self._block):
            if candidate is not None and not candidate.is_root and candidate.map:
                return candidate.map[0] + 1
        return None

    def _where(self, node: Node | None = None) -> str:
        line = self._line(node)
        return f" at line {line} of the generated Markdown" if line else ""

    def _unknown(self, node: Node, kind: str) -> RenderError:
        what = _UNSUPPORTED_HINTS.get(kind, "a construct the Word renderer does not know")
        return RenderError(f"cannot lay out Markdown node '{kind}'{self._where(node)}: {what}. "
                           "The renderer refuses rather than drop text from a legal document.")

    def _children(self, node: Node) -> None:
        for child in node.children:
            if child.type == "text":  # plain text is most of a document: skip the dispatch for it
                self._emit(ox.clean_text(child.content))
            else:
                self.render(child)

    # --- blocks -----------------------------------------------------------------------

    def _render_root(self, node: Node) -> None:
        self._children(node)

    def _render_heading(self, node: Node) -> None:
        level = int(node.attrs["level"])  # type: ignore[call-overload]
        if level > 3:
            raise RenderError(f"heading level {level} ('{'#' * level}'){self._where(node)}: "
                              "documents use levels 1 to 3 (#, ##, ###)")
        number = len(self._headings) + 1
        bookmark = f"_Toc{number:08d}"
        key = heading_key(node)
        self._out += (ox.p_open(self._ids[f"heading {level}"]), ox.bookmark_start(number, bookmark))
        if key is None:
            self._inline(node)
        else:  # a cross-reference target: a bookmark named after its key, the same in every render
            if key in self._targets:
                raise RenderError(f"heading key '{key}'{self._where(node)} is given to two headings")
            target = xref.bookmark_name(key, self._ref_bookmarks)
            self._out.append(ox.bookmark_start(REF_BOOKMARK_IDS + number, target))
            self._inline_without_key(node)
            self._out.append(ox.bookmark_end(REF_BOOKMARK_IDS + number))
        self._out += (ox.bookmark_end(number), ox.P_CLOSE)
        entry = _TocEntry(level, self._heading_number(level), _plain_text(node), bookmark)
        self._headings.append(entry)
        if key is not None:
            self._targets[key] = (entry.number, entry.text, target)

    def _inline_without_key(self, node: Node) -> None:
        """A keyed heading's text: its trailing text loses the `` {#key}`` (never shown)."""
        children = node.children
        tail = len(children)
        while tail > 0 and children[tail - 1].type == "text":
            tail -= 1
        for child in children[:tail]:
            self.render(child)
        title = xref.split_heading("".join(child.content for child in children[tail:]))[0]
        self._emit(ox.clean_text(title.rstrip()))
        self._flush()

    def _resolve_references(self) -> None:
        """Every cross-reference, now that every heading is known (forward references too): a REF
        field to the heading's bookmark, its result the number laid out here, or the heading's title
        when the heading has no number (level 3, or a reference document numbering its own way)."""
        for index, key, what, style_id, node in self._references:
            found = self._targets.get(key)
            if found is None:
                raise RenderError(f"cross-reference to '{key}'{self._where(node)}, which no heading of this "
                                  f"document defines{xref.nearest_hint(key, self._targets)}")
            number, title, bookmark = found
            by_number = what == xref.NUMBER and bool(number)
            self._out[index] = ox.ref_field_xml(bookmark, number if by_number else title, by_number, style_id)

    def _heading_number(self, level: int) -> str:
        """The clause number Word's heading numbering shows ("3", "3.2"); none for level 3."""
        if level == 1:
            self._counters = [self._counters[0] + 1, 0]
        elif level == 2:
            self._counters[1] += 1
        if not self.style.heading_numbers or level == 3:
            return ""
        return ".".join(str(n) for n in self._counters[:level])

    def _render_paragraph(self, node: Node) -> None:
        top = self._stack[-1] if self._stack else None
        if isinstance(top, _ListFrame):
            if top.item_open:
                self._out.append(ox.p_open(self._ids[_level_style("List Continue", top.ilvl)]))
            else:
                self._out.append(self._list_p_open(top))
        else:
            self._out.append(ox.p_open(self._ids["Quote" if top == "quote" else "Body Text"],
                                       keep_next=_is_lead_in(node)))
        self._inline(node)
        self._out.append(ox.P_CLOSE)

    def _render_hr(self, node: Node) -> None:
        self._out.append(ox.page_break_xml(self._ids["Normal"]))

    def _render_blockquote(self, node: Node) -> None:
        with self._pushed("quote"):
            self._children(node)

    # --- lists ------------------------------------------------------------------------

    def _render_bullet_list(self, node: Node) -> None:
        self._list(node, ordered=False)

    def _render_ordered_list(self, node: Node) -> None:
        self._list(node, ordered=True)

    def _list(self, node: Node, ordered: bool) -> None:
        ilvl = sum(isinstance(f, _ListFrame) for f in self._stack)
        if ilvl >= MAX_LIST_DEPTH:
            raise RenderError(f"list{self._where(node)} is nested deeper than Word's "
                              f"{MAX_LIST_DEPTH} levels")
        if ordered:
            num_id = self._next_num
            self._next_num += 1
            self._nums.append((num_id, ilvl, int(node.attrs.get("start", 1))))
        else:
            num_id = self.style.bullet_num_id
        with self._pushed(_ListFrame(ordered, num_id, ilvl, items=len(node.children))):
            self._children(node)

    def _render_list_item(self, node: Node) -> None:
        frame = self._stack[-1]
        assert isinstance(frame, _ListFrame)
        frame.item_open = False
        frame.index += 1
        for child in node.children:
            if not frame.item_open and child.type != "paragraph":
                self._out += (self._list_p_open(frame), ox.P_CLOSE)  # the marker before a nested block
            self.render(child)
        if not frame.item_open:
            self._out += (self._list_p_open(frame), ox.P_CLOSE)  # an empty item still shows its marker

    def _list_p_open(self, frame: _ListFrame) -> str:
        """The start of the numbered (or bulleted) first paragraph of a list item."""
        base = "List Number" if frame.ordered else "List Bullet"
        frame.item_open = True
        return ox.p_open(self._ids[_level_style(base, frame.ilvl)], frame.num_id, frame.ilvl, frame.keep_next)

    # --- tables -----------------------------------------------------------------------

    def _render_table(self, node: Node) -> None:
        rows = [tr for section in node.children for tr in section.children]
        columns = max((len(tr.children) for tr in rows), default=1)
        widths = column_widths(rows, columns, self.style.text_width)
        self._out.append(ox.table_open(self._ids["Table Grid"], widths))
        outer, self._table = self._table, _TableState(widths, count=len(rows))
        try:
            self._children(node)
        finally:
            self._table = outer
        self._out.append(ox.TABLE_CLOSE)
        following = node.next_sibling
        if following is not None and following.type not in ("heading", "hr"):
            self._out.append(ox.p_open(self._ids["Normal"]) + ox.P_CLOSE)  # air, and keeps tables apart

    def _render_thead(self, node: Node) -> None:
        self._table.header = True
        self._children(node)
        self._table.header = False

    def _render_tbody(self, node: Node) -> None:
        self._children(node)

    def _render_tr(self, node: Node) -> None:
        self._out.append(ox.row_open(self._table.header))
        self._table.column = 0
        self._table.rows += 1
        self._children(node)
        self._out.append(ox.ROW_CLOSE)

    def _render_th(self, node: Node) -> None:
        self._cell(node, "Table Heading")

    def _render_td(self, node: Node) -> None:
        self._cell(node, "Table Text")

    def _cell(self, node: Node, role: str) -> None:
        table = self._table
        width = table.widths[min(table.column, len(table.widths) - 1)]
        table.column += 1
        self._out += (ox.cell_open(width), ox.p_open(self._ids[role], keep_next=table.keep_next))
        self._inline(node)
        self._out += (ox.P_CLOSE, ox.CELL_CLOSE)

    # --- inline -----------------------------------------------------------------------

    def _inline(self, node: Node) -> None:
        """Render the inline content of ``node`` as runs of the paragraph just opened."""
        self._children(node)
        self._flush()

    def _render_text(self, node: Node) -> None:
        self._emit(ox.clean_text(node.content))

    def _render_softbreak(self, node: Node) -> None:
        self._emit(" ")

    def _render_hardbreak(self, node: Node) -> None:
        self._emit("\n")

    def _render_strong(self, node: Node) -> None:
        with self._flag("strong"):
            self._children(node)

    def _render_em(self, node: Node) -> None:
        with self._flag("em"):
            self._children(node)

    def _render_placeholder(self, node: Node) -> None:
        self._flush()
        self._out.append(self._gap_xml(ox.clean_text(node.content), "placeholder"))

    def _render_proposal(self, node: Node) -> None:
        self._flush()
        self._out.append(self._gap_xml(ox.clean_text(node.content), "proposal"))

    def _render_link(self, node: Node) -> None:
        """A real hyperlink: an external relationship and the "Hyperlink" character style."""
        href = ox.clean_text(str(node.attrs.get("href", ""))).strip()
        if not href:
            self._children(node)
            return
        reference = xref.parse_target(href)
        if reference is not None:  # a cross-reference ([5](#outcomes)): filled in once all headings are known
            self._flush()
            self._references.append((len(self._out), *reference, self._style, node))
            self._out.append("")
            return
        self._flush()
        rid = self.document.relate_external(href)
        self._out.append(ox.hyperlink_open(rid))
        with self._flag("link"):
            self._children(node)
            if not node.children:
                self._emit(href)
            self._flush()
        self._out.append(ox.HYPERLINK_CLOSE)

    def _emit(self, text: str) -> None:
        """Queue text in the current character style; consecutive text shares one run."""
        if not text:
            return
        style = self._style
        if style != self._buffer_style:
            self._flush()
            self._buffer_style = style
        self._buffer.append(text)

    def _flush(self) -> None:
        if self._buffer:
            self._out.append(ox.run_xml("".join(self._buffer), self._buffer_style))
            self._buffer.clear()

    def _run_style(self) -> str | None:
        """The one character style a run gets: placeholder > proposal > link > bold+italic > bold > italic."""
        flags, ids = self._flags, self._ids
        if flags["placeholder"]:
            return ids["Placeholder"]
        if flags["proposal"]:
            return ids["Proposal"]
        if flags["link"]:
            return ids["Hyperlink"]
        if flags["strong"] and flags["em"]:
            return ids["Strong Emphasis"]
        if flags["strong"]:
            return ids["Strong"]
        return ids["Emphasis"] if flags["em"] else None

    @contextmanager
    def _flag(self, name: str) -> Iterator[None]:
        self._flags[name] += 1
        self._style = self._run_style()
        try:
            yield
        finally:
            self._flags[name] -= 1
            self._style = self._run_style()

    @contextmanager
    def _pushed(self, frame: _ListFrame | str) -> Iterator[None]:
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()


def _core_text(value: str) -> str:
    """A core-property value: clean, at most 255 characters."""
    return ox.clean_text(value)[:255]


#: A paragraph between a heading and a list or table up to this long introduces the list.
LEAD_IN_CHARS = 300


def _is_lead_in(node: Node) -> bool:
    """A paragraph right before a list or table that introduces it: it ends in ":", or it is a
    short paragraph right under a heading. It stays on their page, so neither it nor the
    heading above it is left alone at the foot of a page."""
    following = node.next_sibling
    if following is None or following.type not in ("bullet_list", "ordered_list", "table"):
        return False
    if not node.children:
        return False
    text = node.source_text.rstrip()
    previous = node.previous_sibling
    under_heading = previous is not None and previous.type == "heading"
    return text.endswith(":") or (under_heading and len(text) <= LEAD_IN_CHARS)


def _level_style(base: str, ilvl: int) -> str:
    """``List Bullet``, ``List Bullet 2``, ``List Bullet 3`` (and 3 for deeper levels)."""
    return base if ilvl == 0 else f"{base} {min(ilvl + 1, 3)}"


def _plain_text(node: Node) -> str:
    """The visible text of a node (for TOC entries and column widths); a heading's key is not shown."""
    parts: list[str] = []
    _collect_text(node, parts)
    text = "".join(parts)
    if node.type == "heading":
        text = xref.split_heading(text)[0]
    return ox.clean_text(text).strip()


def _collect_text(node: Node, parts: list[str]) -> None:
    for child in node.children:
        kind = child.type
        if kind == "text":
            parts.append(child.content)
        elif kind in ("placeholder", "proposal"):
            parts.append(split_label(child.content)[0])
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.children:
            _collect_text(child, parts)


def column_widths(rows: list[Node], columns: int, total: int) -> list[int]:
    """Column widths in twips that sum to ``total``, the way a browser sizes an auto table.

    Each column has a minimum (its longest word, so "weken" never breaks as
    "weke/n") and a natural width (its longest cell on one line). If the natural
    widths fit, columns get them plus an equal share of the rest; otherwise every
    column gets its minimum and the room left goes to the columns in proportion
    to how much they would still like to grow, so long descriptions take the
    wrapping and short values (numbers, dates) stay on one line.
    """
    least, most = [CELL_PADDING] * columns, [CELL_PADDING] * columns
    floor = [CELL_PADDING] * columns
    for tr in rows:
        for index, cell in enumerate(tr.children[:columns]):
            text = _plain_text(cell)
            word = max(map(len, text.split()), default=0)
            least[index] = max(least[index], CHAR_TWIPS * word + CELL_PADDING)
            floor[index] = max(floor[index], CHAR_TWIPS * min(word, SHORT_WORD) + CELL_PADDING)
            most[index] = max(most[index], CHAR_TWIPS * len(text) + CELL_PADDING)
    if sum(least) >= total:
        widths = _squeezed(least, floor, total)
    else:
        grow = [m - n for m, n in zip(most, least)]
        room = total - sum(least)
        if sum(grow) <= room:
            widths = [m + (room - sum(grow)) // columns for m in most]
        else:
            widths = [n + room * g // sum(grow) for n, g in zip(least, grow)]
    widths[-1] += total - sum(widths)
    return widths


def _squeezed(least: list[int], floor: list[int], total: int) -> list[int]:
    """Widths when not every word fits: ordinary words (and so every header) stay whole,
    and only columns with very long words ("productverantwoordelijke") give way."""
    if sum(floor) >= total:
        return [total * w // sum(floor) for w in floor]
    give = [n - f for n, f in zip(least, floor)]
    room = total - sum(floor)
    return [f + room * g // sum(give) for f, g in zip(floor, give)]
