"""A Word redline of two renderings of one document: tracked changes at word level, on the house style.

Built for documents procure renders, where paragraphs correspond by their text:

1. each story (the body, every header and footer, every table cell) is a list of
   blocks, paragraphs and tables; blocks are compared by key (style, list level,
   the text with its formatting) with :mod:`difflib`, so a paragraph that did not
   change is left exactly as the head document has it, and a moved clause costs
   one deletion and one insertion, never the text between;
2. within a changed stretch, paragraphs are paired by similarity and compared
   word by word: deleted words become ``w:del`` runs (``w:delText``), inserted
   ones ``w:ins`` runs; a paragraph without a partner is inserted or deleted
   whole, paragraph mark included; a changed style becomes ``w:pPrChange``;
3. tables are compared row by row, and changed rows cell by cell as stories;
   whole rows are inserted or deleted with ``w:trPr/w:ins`` and ``w:trPr/w:del``.

Numbers Word computes are not changes: list numbers are automatic, and the
digits of a field's result (the table of contents' numbers, a cross-reference
number) are compared as "#", so a renumbering never floods the redline. The head
document is the base of the redline's XML, so accepting every change gives the
head document; deleted paragraphs are copied from the base document, their list
and hyperlink references mapped onto the head's, so rejecting every change gives
the base document's text and styles. Every revision has the author ``procure``
and the pinned date (``SOURCE_DATE_EPOCH``, else 2000-01-01): the same input
gives the same bytes.

Why not a general redline engine (Python-Redlines wraps a .NET comparer shipped
as a binary in its wheels; jubarte-redlines is AGPL): they compare two finished
files without knowing which paragraphs correspond or which numbers Word
computes, so a new chapter shows as a renumbered table of contents, and they add
a platform binary to a pure-Python tool. Here the renderer's own structure
(one paragraph per Markdown block, numbering automatic) makes a paragraph-keyed
comparison exact, in a few hundred lines the tests check against an accept/reject
engine of their own.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime

from lxml import etree
from msgspec import Struct, field

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HYPERLINK_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
AUTHOR = "procure"
#: Paragraph pairs less alike than this (difflib ratio of their words) are a deletion and an insertion.
PAIR_THRESHOLD = 0.4
_WORD = re.compile(r"\w+|\s+|[^\w\s]", re.U)
_DIGITS = re.compile(r"\d+")


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


P, TBL, TR, TC, R, T = w("p"), w("tbl"), w("tr"), w("tc"), w("r"), w("t")
PPR, RPR, TRPR, TCPR = w("pPr"), w("rPr"), w("trPr"), w("tcPr")
INS, DEL, DELTEXT, INSTR, DELINSTR = w("ins"), w("del"), w("delText"), w("instrText"), w("delInstrText")
HYPERLINK, FLDSIMPLE, FLDCHAR = w("hyperlink"), w("fldSimple"), w("fldChar")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_MARKERS = {w("bookmarkStart"), w("bookmarkEnd"), w("proofErr"), w("permStart"), w("permEnd"),
            w("commentRangeStart"), w("commentRangeEnd")}
#: Run content that points into another part by a running number (a comment, a footnote): the base
#: document's numbers mean nothing in the head, so deleted copies leave them out.
_NUMBERED_REFS = {w("commentReference"), w("footnoteReference"), w("endnoteReference")}
_HEADING_STYLES = re.compile(r"^(Heading|Kop)\s?(\d)$", re.I)


# --------------------------------------------------------------------------- statistics


class Change(Struct):
    """One changed, inserted or deleted paragraph, for the text report."""

    kind: str  # "changed" | "inserted" | "deleted"
    story: str  # "body", "header", "footer"
    context: str  # the section headings above it
    base: str
    head: str
    words: list[tuple[str, str]] = field(default_factory=list)  # (status, text): same/del/ins


class Result(Struct):
    """What comparing two documents found, and the redline's bytes (None when nothing changed)."""

    changes: list[Change]
    redline: bytes | None

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


# --------------------------------------------------------------------------- tokens


class Token(Struct):
    """One piece of paragraph content: a word, a space, a tab, a field character, or an opaque element."""

    key: tuple[str, ...]
    kind: str  # text, atom (a run child other than text), opaque (a non-run element kept whole)
    text: str
    rpr: etree._Element | None
    container: etree._Element | None  # the hyperlink or fldSimple around the run, else None
    element: etree._Element | None = None  # for atoms and opaque elements


class FieldState(Struct):
    """Where the field characters of a story stand (a field such as the TOC spans paragraphs)."""

    depth: int = 0
    in_result: list[bool] = field(default_factory=list)


def _rpr_key(rpr: etree._Element | None) -> str:
    if rpr is None:
        return ""
    clean = copy.deepcopy(rpr)
    for child in list(clean):
        if child.tag in (INS, DEL, w("rPrChange")):
            clean.remove(child)
    return etree.tostring(clean, method="c14n").decode()


def _container_key(container: etree._Element | None) -> str:
    if container is None:
        return ""
    # an internal link's anchor is a bookmark name the renderer numbers in order, so it is renumbered
    # with the headings; an external link's relationship id is the package's business, not the text's
    attributes = {k: _DIGITS.sub("#", v) if k == w("anchor") else v for k, v in container.attrib.items()
                  if k != f"{{{R_NS}}}id"}
    return f"{etree.QName(container).localname}:{sorted(attributes.items())}"


def tokens_of(paragraph: etree._Element, state: FieldState) -> tuple[list[Token], list[tuple[int, etree._Element]]]:
    """A paragraph's content tokens, and its markers (bookmarks and the like) with the token index
    they stand before."""
    tokens: list[Token] = []
    markers: list[tuple[int, etree._Element]] = []
    for child in paragraph:
        if child.tag == PPR:
            continue
        if child.tag in _MARKERS:
            markers.append((len(tokens), child))
        elif child.tag == R:
            _run_tokens(child, None, state, tokens)
        elif child.tag in (HYPERLINK, FLDSIMPLE):
            for inner in child:
                if inner.tag == R:
                    _run_tokens(inner, child, state, tokens)
                elif inner.tag in _MARKERS:
                    markers.append((len(tokens), inner))
                else:
                    tokens.append(Token(("opaque", etree.tostring(inner, method="c14n").decode()), "opaque", "",
                                        None, child, inner))
        else:
            tokens.append(Token(("opaque", etree.tostring(child, method="c14n").decode()), "opaque", "", None, None,
                                child))
    return tokens, markers


def _run_tokens(run: etree._Element, container: etree._Element | None, state: FieldState,
                out: list[Token]) -> None:
    rpr = run.find(RPR)
    fmt = _rpr_key(rpr)
    where = _container_key(container)
    for child in run:
        if child.tag == RPR:
            continue
        if child.tag in (T, DELTEXT):
            result = bool(state.in_result and state.in_result[-1])
            for word in _WORD.findall(child.text or ""):
                shown = _DIGITS.sub("#", word) if result else word
                out.append(Token(("t", shown, fmt, where), "text", word, rpr, container))
            continue
        if child.tag == FLDCHAR:
            kind = child.get(w("fldCharType"))
            if kind == "begin":
                state.in_result.append(False)
            elif kind == "separate" and state.in_result:
                state.in_result[-1] = True
            elif kind == "end" and state.in_result:
                state.in_result.pop()
            out.append(Token(("fld", kind or "", fmt, where), "atom", "", rpr, container, child))
            continue
        if child.tag in (INSTR, DELINSTR):
            out.append(Token(("instr", child.text or "", fmt, where), "atom", "", rpr, container, child))
            continue
        if child.tag in _NUMBERED_REFS:  # its id is the renderer's running number: not a change
            out.append(Token(("atom", etree.QName(child).localname, fmt, where), "atom", "", rpr, container, child))
            continue
        text = "\t" if child.tag == w("tab") else "\n" if child.tag in (w("br"), w("cr")) else ""
        out.append(Token(("atom", etree.tostring(child, method="c14n").decode(), fmt, where), "atom", text, rpr,
                         container, child))


def paragraph_text(paragraph: etree._Element) -> str:
    """The visible text of a paragraph (field codes left out)."""
    parts = []
    for node in paragraph.iter(T, DELTEXT, w("tab"), w("br"), w("cr")):
        if node.tag in (T, DELTEXT):
            parts.append(node.text or "")
        else:
            parts.append("\t" if node.tag == w("tab") else "\n")
    return "".join(parts)


def paragraph_style(paragraph: etree._Element) -> str:
    style = paragraph.find(f"{PPR}/{w('pStyle')}")
    return style.get(w("val"), "") if style is not None else ""


def _ppr_key(paragraph: etree._Element) -> tuple[str, str, bool]:
    """Style, list level and whether numbered: the paragraph formatting compared (numIds are
    renumbered from document to document, so they are not)."""
    ilvl = paragraph.find(f"{PPR}/{w('numPr')}/{w('ilvl')}")
    numbered = paragraph.find(f"{PPR}/{w('numPr')}") is not None
    return paragraph_style(paragraph), ilvl.get(w("val"), "0") if ilvl is not None else "", numbered


# --------------------------------------------------------------------------- blocks


class Block(Struct):
    element: etree._Element
    key: tuple
    text: str
    tokens: list[Token] = field(default_factory=list)
    markers: list[tuple[int, etree._Element]] = field(default_factory=list)

    @property
    def is_paragraph(self) -> bool:
        return self.element.tag == P


def blocks_of(container: etree._Element, state: FieldState | None = None) -> list[Block]:
    """The paragraphs and tables of a story, in order, with their comparison keys."""
    state = state or FieldState()
    out = []
    for child in container:
        if child.tag == P:
            tokens, markers = tokens_of(child, state)
            key = ("p", _ppr_key(child), tuple(t.key for t in tokens))
            out.append(Block(child, key, paragraph_text(child), tokens, markers))
        elif child.tag == TBL:
            rows = [tuple(tuple(b.key for b in blocks_of(tc, state)) for tc in tr.iter(TC)) for tr in child.iter(TR)]
            out.append(Block(child, ("tbl", _columns(child), tuple(rows)), " ".join(
                paragraph_text(p) for p in child.iter(P))))
    return out


def _columns(table: etree._Element) -> int:
    grid = table.find(w("tblGrid"))
    return len(grid) if grid is not None else 0


# --------------------------------------------------------------------------- the comparison


class Redliner:
    """Compares a base and a head document and writes the redline on the head's XML."""

    def __init__(self, base: bytes, head: bytes, moment: datetime) -> None:
        self.base_parts = _read_zip(base)
        self.head_parts = _read_zip(head)
        self.date = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.changes: list[Change] = []
        self.next_id = 1
        self.numbering_map: dict[str, str] = {}
        self.base_numbering = _parse(self.base_parts.get("word/numbering.xml"))
        self.head_numbering = _parse(self.head_parts.get("word/numbering.xml"))
        self.base_rels = _parse(self.base_parts.get("word/_rels/document.xml.rels"))
        self.head_rels = _parse(self.head_parts.get("word/_rels/document.xml.rels"))
        self.story = "body"
        self.headings: list[str] = []
        self.touched: set[str] = set()

    # ids and attributes

    def _mark(self, tag: str) -> etree._Element:
        element = etree.Element(tag)
        element.set(w("id"), str(self.next_id))
        element.set(w("author"), AUTHOR)
        element.set(w("date"), self.date)
        self.next_id += 1
        return element

    def run(self) -> Result:
        base_doc = _parse(self.base_parts["word/document.xml"])
        head_doc = _parse(self.head_parts["word/document.xml"])
        assert base_doc is not None and head_doc is not None
        self.next_id = _max_id([head_doc, *(_parse(v) for k, v in self.head_parts.items()
                                           if re.match(r"word/(header|footer)\d*\.xml$", k))]) + 1
        self._numbering_from_pairs_prepass(base_doc, head_doc)
        base_body, head_body = base_doc.find(w("body")), head_doc.find(w("body"))
        self.story = "body"
        changed = self.story_diff(base_body, head_body)
        parts = {}
        if changed:
            parts["word/document.xml"] = head_doc
        for name, base_name in self._header_footer_pairs(base_doc, head_doc):
            base_root = _parse(self.base_parts[base_name])
            head_root = _parse(self.head_parts[name])
            self.story = "header" if "header" in name else "footer"
            self.headings = []
            if self.story_diff(base_root, head_root):
                parts[name] = head_root
        if not self.changes:
            return Result([], None)
        if "numbering" in self.touched and self.head_numbering is not None:
            parts["word/numbering.xml"] = self.head_numbering
        if "rels" in self.touched and self.head_rels is not None:
            parts["word/_rels/document.xml.rels"] = self.head_rels
        out = dict(self.head_parts)
        for name, root in parts.items():
            out[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return Result(self.changes, _write_zip(self.head_parts, out, self._moment()))

    def _moment(self) -> datetime:
        return datetime.strptime(self.date, "%Y-%m-%dT%H:%M:%SZ")

    def _header_footer_pairs(self, base_doc: etree._Element, head_doc: etree._Element) -> Iterator[tuple[str, str]]:
        """(head part, base part) of each header and footer, matched by section and reference type."""
        def references(doc: etree._Element, rels: etree._Element | None) -> dict[tuple[int, str, str], str]:
            targets = {r.get("Id"): r.get("Target") for r in (rels if rels is not None else [])}
            found = {}
            for index, sect in enumerate(doc.iter(w("sectPr"))):
                for ref in sect:
                    kind = etree.QName(ref).localname
                    if kind in ("headerReference", "footerReference"):
                        target = targets.get(ref.get(f"{{{R_NS}}}id"))
                        if target:
                            found[(index, kind, ref.get(w("type"), "default"))] = "word/" + target.lstrip("/")
            return found

        base = references(base_doc, self.base_rels)
        head = references(head_doc, self.head_rels)
        for key, name in sorted(head.items()):
            if key in base and base[key] in self.base_parts and name in self.head_parts:
                yield name, base[key]

    # stories

    def story_diff(self, base: etree._Element | None, head: etree._Element | None, cell: bool = False) -> bool:
        """Compare two stories and rewrite ``head`` in place with the changes; True when any."""
        if base is None or head is None:
            return False
        base_blocks, head_blocks = blocks_of(base), blocks_of(head)
        matcher = difflib.SequenceMatcher(a=[b.key for b in base_blocks], b=[h.key for h in head_blocks],
                                          autojunk=False)
        if matcher.ratio() == 1.0:
            self._follow_headings(head_blocks)
            return False
        result: list[etree._Element] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for block in head_blocks[j1:j2]:
                    self._follow_headings([block])
                    result.append(block.element)
                continue
            for old, new in self.align(base_blocks[i1:i2], head_blocks[j1:j2], cell):
                result.extend(self.pair(old, new, cell))
        _replace_blocks(head, result)
        return True

    def align(self, base: list[Block], head: list[Block], positional: bool) -> list[tuple[Block | None, Block | None]]:
        """Pair the blocks of a changed stretch by similarity, in order (a small dynamic programme)."""
        n, m = len(base), len(head)
        if positional or n * m > 40000:
            pairs: list[tuple[Block | None, Block | None]] = []
            for index in range(max(n, m)):
                old = base[index] if index < n else None
                new = head[index] if index < m else None
                if old is not None and new is not None and not _pairable(old, new):
                    pairs += [(old, None), (None, new)]
                else:
                    pairs.append((old, new))
            return pairs
        score = [[0.0] * (m + 1) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            for j in range(m - 1, -1, -1):
                best = max(score[i + 1][j], score[i][j + 1])
                similarity = _similarity(base[i], head[j])
                if similarity >= PAIR_THRESHOLD:
                    best = max(best, score[i + 1][j + 1] + similarity)
                score[i][j] = best
        pairs = []
        i = j = 0
        while i < n or j < m:
            if i < n and j < m:
                similarity = _similarity(base[i], head[j])
                if similarity >= PAIR_THRESHOLD and abs(score[i][j] - (score[i + 1][j + 1] + similarity)) < 1e-9:
                    pairs.append((base[i], head[j]))
                    i, j = i + 1, j + 1
                    continue
                if score[i + 1][j] >= score[i][j + 1]:
                    pairs.append((base[i], None))
                    i += 1
                else:
                    pairs.append((None, head[j]))
                    j += 1
            elif i < n:
                pairs.append((base[i], None))
                i += 1
            else:
                pairs.append((None, head[j]))
                j += 1
        return pairs

    def pair(self, old: Block | None, new: Block | None, cell: bool) -> list[etree._Element]:
        if old is not None and new is not None:
            if new.is_paragraph:
                self._follow_headings([new])
                return [self.changed_paragraph(old, new)]
            self.changed_table(old.element, new.element)
            return [new.element]
        if new is not None:
            self._follow_headings([new])
            if new.is_paragraph:
                self._record("inserted", "", new.text, [("ins", new.text)])
                self.mark_inserted_paragraph(new.element, mark=not cell)
            else:
                self.mark_table(new.element, INS)
            return [new.element]
        assert old is not None
        if old.is_paragraph:
            self._record("deleted", old.text, "", [("del", old.text)])
            return [self.deleted_paragraph(old.element, mark=not cell)]
        table = self.import_base(old.element)
        self.mark_table(table, DEL)
        return [table]

    def _record(self, kind: str, base: str, head: str, words: list[tuple[str, str]]) -> None:
        context = " › ".join(self.headings) if self.story == "body" else self.story
        self.changes.append(Change(kind, self.story, context, base, head, words))

    def _follow_headings(self, blocks: Sequence[Block]) -> None:
        for block in blocks:
            if not block.is_paragraph:
                continue
            match = _HEADING_STYLES.match(paragraph_style(block.element))
            if match:
                level = int(match.group(2))
                self.headings = self.headings[: level - 1] + [block.text.strip()]

    # paragraphs

    def changed_paragraph(self, old: Block, new: Block) -> etree._Element:
        """The head paragraph rebuilt with the word-level changes from the base paragraph."""
        matcher = difflib.SequenceMatcher(a=[t.key for t in old.tokens], b=[t.key for t in new.tokens],
                                          autojunk=False)
        sequence: list[tuple[str, Token, int | None]] = []  # status, token, head index
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                sequence += [("same", new.tokens[j], j) for j in range(j1, j2)]
                continue
            sequence += [("del", old.tokens[i], None) for i in range(i1, i2)]
            sequence += [("ins", new.tokens[j], j) for j in range(j1, j2)]
        words = _word_view(sequence)
        # a change only of field characters (the TOC field's start moving to a new first line) is not text
        if old.key[1] != new.key[1] or any(status != "same" and token.text for status, token, _ in sequence):
            self._record("changed", old.text, new.text, words)
        element = new.element
        for child in list(element):
            if child.tag != PPR:
                element.remove(child)
        if old.key[1] != new.key[1]:
            self._ppr_change(old.element, element)
        markers = {}
        for index, marker in new.markers:
            markers.setdefault(index, []).append(marker)
        for piece in self._emit(sequence, markers):
            element.append(piece)
        return element

    def _ppr_change(self, base_p: etree._Element, head_p: etree._Element) -> None:
        ppr = head_p.find(PPR)
        if ppr is None:
            ppr = etree.Element(PPR)
            head_p.insert(0, ppr)
        change = self._mark(w("pPrChange"))
        old = etree.SubElement(change, PPR)
        base_ppr = base_p.find(PPR)
        for child in (base_ppr if base_ppr is not None else []):
            if child.tag not in (RPR, w("sectPr"), w("pPrChange")):
                old.append(self._remap_numbering(copy.deepcopy(child)))
        ppr.append(change)

    def _emit(self, sequence: list[tuple[str, Token, int | None]],
              markers: dict[int, list[etree._Element]]) -> list[etree._Element]:
        """The paragraph content: runs grouped by container (hyperlink), status (ins/del) and formatting;
        the head's markers (bookmarks) at their places."""
        out: list[etree._Element] = []
        state: dict[str, object] = {"key": None, "container": None, "wrapper": None, "status": None,
                                    "run": None, "fmt": None}

        def place(element: etree._Element) -> None:
            container = state["container"]
            if isinstance(container, etree._Element):
                container.append(element)
            else:
                out.append(element)

        def reset(container_too: bool = False) -> None:
            state.update(wrapper=None, status=None, run=None, fmt=None)
            if container_too:
                state.update(key=None, container=None)

        for status, token, head_index in sequence:
            if head_index is not None and head_index in markers:
                reset(container_too=True)
                out.extend(markers.pop(head_index))
            key = _container_key(token.container)
            if key != state["key"] or (token.container is None) != (state["container"] is None):
                reset(container_too=True)
                state["key"] = key
                if token.container is not None:
                    copy_ = etree.Element(token.container.tag, dict(token.container.attrib))
                    if status == "del":
                        self._remap_rid(copy_)
                    out.append(copy_)
                    state["container"] = copy_
            if status == "del" and token.element is not None and token.element.tag in _NUMBERED_REFS:
                continue
            if token.kind == "opaque":
                if status != "del":
                    place(copy.deepcopy(token.element))
                reset()
                continue
            if status != state["status"]:
                state.update(run=None, fmt=None, status=status, wrapper=None)
                if status != "same":
                    wrapper = self._mark(INS if status == "ins" else DEL)
                    place(wrapper)
                    state["wrapper"] = wrapper
            fmt = token.key[2]
            run = state["run"]
            if token.kind != "text" or run is None or state["fmt"] != fmt:
                run = etree.Element(R)
                if token.rpr is not None:
                    run.append(_clean_rpr(token.rpr))
                wrapper = state["wrapper"]
                if isinstance(wrapper, etree._Element):
                    wrapper.append(run)
                else:
                    place(run)
                state.update(run=run if token.kind == "text" else None, fmt=fmt if token.kind == "text" else None)
            assert isinstance(run, etree._Element)
            if token.kind == "text":
                text = run[-1] if len(run) and run[-1].tag in (T, DELTEXT) else None
                if text is None:
                    text = etree.SubElement(run, DELTEXT if status == "del" else T)
                text.text = (text.text or "") + token.text
                if text.text != text.text.strip():
                    text.set(XML_SPACE, "preserve")
            else:
                atom = copy.deepcopy(token.element)
                if status == "del" and atom.tag == INSTR:
                    atom.tag = DELINSTR
                if status != "del" and atom.tag == DELINSTR:
                    atom.tag = INSTR
                run.append(atom)
        for index in sorted(markers):
            out.extend(markers[index])
        return out

    def mark_inserted_paragraph(self, paragraph: etree._Element, mark: bool = True) -> None:
        self._wrap_runs(paragraph, INS)
        if mark:
            self._mark_paragraph(paragraph, INS)

    def deleted_paragraph(self, base_p: etree._Element, mark: bool = True) -> etree._Element:
        paragraph = self.import_base(base_p)
        self._wrap_runs(paragraph, DEL)
        if mark:
            self._mark_paragraph(paragraph, DEL)
        return paragraph

    def _mark_paragraph(self, paragraph: etree._Element, tag: str) -> None:
        ppr = paragraph.find(PPR)
        if ppr is None:
            ppr = etree.Element(PPR)
            paragraph.insert(0, ppr)
        rpr = ppr.find(RPR)
        if rpr is None:
            rpr = etree.Element(RPR)
            anchor = next((c for c in ppr if c.tag in (w("sectPr"), w("pPrChange"))), None)
            if anchor is not None:
                anchor.addprevious(rpr)
            else:
                ppr.append(rpr)
        rpr.insert(0, self._mark(tag))

    def _wrap_runs(self, root: etree._Element, tag: str) -> None:
        """Wrap every run of a paragraph (inside hyperlinks too) in ``w:ins`` / ``w:del``."""
        for container in [root, *root.findall(HYPERLINK), *root.findall(FLDSIMPLE)]:
            children = list(container)
            index = 0
            while index < len(children):
                if children[index].tag != R:
                    index += 1
                    continue
                wrapper = self._mark(tag)
                children[index].addprevious(wrapper)
                while index < len(children) and children[index].tag == R:
                    run = children[index]
                    if tag == DEL:
                        for node in run:
                            if node.tag == T:
                                node.tag = DELTEXT
                            elif node.tag == INSTR:
                                node.tag = DELINSTR
                    wrapper.append(run)
                    index += 1

    # tables

    def changed_table(self, base: etree._Element, head: etree._Element) -> None:
        base_rows, head_rows = base.findall(TR), head.findall(TR)
        state = FieldState()

        def key(row: etree._Element) -> tuple:
            return tuple(tuple(b.key for b in blocks_of(tc, state)) for tc in row.findall(TC))

        base_keys, head_keys = [key(r) for r in base_rows], [key(r) for r in head_rows]
        matcher = difflib.SequenceMatcher(a=base_keys, b=head_keys, autojunk=False)
        result: list[etree._Element] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                result += head_rows[j1:j2]
                continue
            olds, news = base_rows[i1:i2], head_rows[j1:j2]
            for index in range(max(len(olds), len(news))):
                old = olds[index] if index < len(olds) else None
                new = news[index] if index < len(news) else None
                if old is not None and new is not None and len(old.findall(TC)) == len(new.findall(TC)):
                    for old_cell, new_cell in zip(old.findall(TC), new.findall(TC)):
                        self.story_diff(old_cell, new_cell, cell=True)
                    result.append(new)
                    continue
                if old is not None:
                    row = self.import_base(old)
                    self._mark_row(row, DEL)
                    self._record("deleted", " | ".join(paragraph_text(p) for p in old.iter(P)), "", [])
                    result.append(row)
                if new is not None:
                    self._mark_row(new, INS)
                    self._record("inserted", "", " | ".join(paragraph_text(p) for p in new.iter(P)), [])
                    result.append(new)
        for row in head_rows:
            head.remove(row)
        for row in result:
            head.append(row)

    def mark_table(self, table: etree._Element, tag: str) -> None:
        for row in table.findall(TR):
            self._mark_row(row, tag)
        text = " | ".join(paragraph_text(p) for p in table.iter(P))
        self._record("inserted" if tag == INS else "deleted", text if tag == DEL else "",
                     text if tag == INS else "", [])

    def _mark_row(self, row: etree._Element, tag: str) -> None:
        trpr = row.find(TRPR)
        if trpr is None:
            trpr = etree.Element(TRPR)
            anchor = row.find(w("tblPrEx"))
            if anchor is not None:
                anchor.addnext(trpr)
            else:
                row.insert(0, trpr)
        change = trpr.find(w("trPrChange"))
        mark = self._mark(tag)
        if change is not None:
            change.addprevious(mark)
        else:
            trpr.append(mark)
        for cell in row.findall(TC):
            for paragraph in cell.findall(P):
                self._wrap_runs(paragraph, tag)

    # copying from the base document

    def import_base(self, element: etree._Element) -> etree._Element:
        """A copy of a base block fit for the head document: list and hyperlink references mapped,
        bookmarks and comment references dropped (their names and numbers belong to the base document)."""
        clone = copy.deepcopy(element)
        for marker in list(clone.iter(w("bookmarkStart"), w("bookmarkEnd"), w("commentRangeStart"),
                                      w("commentRangeEnd"))):
            marker.getparent().remove(marker)
        for reference in list(clone.iter(*_NUMBERED_REFS)):
            run = reference.getparent()
            run.remove(reference)
            if run.tag == R and not [c for c in run if c.tag != RPR]:
                run.getparent().remove(run)
        for num in clone.iter(w("numId")):
            self._remap_numbering(num)
        for link in clone.iter(HYPERLINK):
            self._remap_rid(link)
        return clone

    def _numbering_from_pairs_prepass(self, base_doc: etree._Element, head_doc: etree._Element) -> None:
        """Map the base document's list ids to the head's: lists that survive keep their head id."""
        def lists(doc: etree._Element) -> list[tuple[str, str]]:
            found = []
            for paragraph in doc.iter(P):
                num = paragraph.find(f"{PPR}/{w('numPr')}/{w('numId')}")
                if num is not None:
                    found.append((num.get(w("val"), ""), paragraph_text(paragraph)))
            return found

        base_lists, head_lists = lists(base_doc), lists(head_doc)
        head_by_text: dict[str, str] = {}
        for num, text in head_lists:
            head_by_text.setdefault(text, num)
        for num, text in base_lists:
            if num not in self.numbering_map and text in head_by_text:
                self.numbering_map[num] = head_by_text[text]

    def _remap_numbering(self, element: etree._Element) -> etree._Element:
        nums = [element] if element.tag == w("numId") else list(element.iter(w("numId")))
        for num in nums:
            old = num.get(w("val"), "")
            if old == "0" or not old:
                continue
            if old not in self.numbering_map:
                self.numbering_map[old] = self._copy_num(old)
            num.set(w("val"), self.numbering_map[old])
        return element

    def _copy_num(self, base_id: str) -> str:
        """Give a list of the base document that the head lacks a numbering instance of its own."""
        if self.base_numbering is None or self.head_numbering is None:
            return base_id
        source = next((n for n in self.base_numbering.findall(w("num")) if n.get(w("numId")) == base_id), None)
        if source is None:
            return base_id
        used = [int(n.get(w("numId"), "0")) for n in self.head_numbering.findall(w("num"))]
        new_id = str(max(used, default=0) + 1)
        clone = copy.deepcopy(source)
        clone.set(w("numId"), new_id)
        abstract = clone.find(w("abstractNumId"))
        if abstract is not None:
            abstract_id = abstract.get(w("val"))
            base_abstract = next((a for a in self.base_numbering.findall(w("abstractNum"))
                                  if a.get(w("abstractNumId")) == abstract_id), None)
            head_abstract = next((a for a in self.head_numbering.findall(w("abstractNum"))
                                  if a.get(w("abstractNumId")) == abstract_id), None)
            if base_abstract is not None and (head_abstract is None or _c14n(head_abstract) != _c14n(base_abstract)):
                ids = [int(a.get(w("abstractNumId"), "0")) for a in self.head_numbering.findall(w("abstractNum"))]
                fresh = str(max(ids, default=0) + 1)
                new_abstract = copy.deepcopy(base_abstract)
                new_abstract.set(w("abstractNumId"), fresh)
                nsid = new_abstract.find(w("nsid"))
                if nsid is not None:
                    new_abstract.remove(nsid)
                last = self.head_numbering.findall(w("abstractNum"))
                if last:
                    last[-1].addnext(new_abstract)
                else:
                    self.head_numbering.insert(0, new_abstract)
                abstract.set(w("val"), fresh)
        self.head_numbering.append(clone)
        self.touched.add("numbering")
        return new_id

    def _remap_rid(self, link: etree._Element) -> None:
        rid = link.get(f"{{{R_NS}}}id")
        if not rid or self.base_rels is None or self.head_rels is None:
            return
        rel = next((r for r in self.base_rels if r.get("Id") == rid), None)
        if rel is None:
            del link.attrib[f"{{{R_NS}}}id"]
            return
        for existing in self.head_rels:
            if existing.get("Target") == rel.get("Target") and existing.get("Type") == rel.get("Type"):
                link.set(f"{{{R_NS}}}id", existing.get("Id"))
                return
        ids = {r.get("Id") for r in self.head_rels}
        number = 1
        while f"rIdRedline{number}" in ids:
            number += 1
        new = etree.SubElement(self.head_rels, f"{{{PKG_REL_NS}}}Relationship", dict(rel.attrib))
        new.set("Id", f"rIdRedline{number}")
        link.set(f"{{{R_NS}}}id", new.get("Id"))
        self.touched.add("rels")


# --------------------------------------------------------------------------- helpers


def _similarity(old: Block, new: Block) -> float:
    if old.is_paragraph != new.is_paragraph:
        return 0.0
    if not old.is_paragraph:
        return 1.0 if old.key[1] == new.key[1] else 0.0  # tables with the same columns pair up
    a, b = _WORD.findall(old.text), _WORD.findall(new.text)
    if not a and not b:
        return 1.0 if old.key[1] == new.key[1] else 0.5
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if matcher.real_quick_ratio() < PAIR_THRESHOLD or matcher.quick_ratio() < PAIR_THRESHOLD:
        return matcher.quick_ratio() * 0.5
    return matcher.ratio()


def _pairable(old: Block, new: Block) -> bool:
    return old.is_paragraph == new.is_paragraph and (old.is_paragraph or old.key[1] == new.key[1])


def _word_view(sequence: list[tuple[str, Token, int | None]]) -> list[tuple[str, str]]:
    """The words of a changed paragraph with their status, runs of one status joined."""
    out: list[tuple[str, str]] = []
    for status, token, _ in sequence:
        text = token.text
        if not text:
            continue
        if out and out[-1][0] == status:
            out[-1] = (status, out[-1][1] + text)
        else:
            out.append((status, text))
    return out


def _clean_rpr(rpr: etree._Element) -> etree._Element:
    clone = copy.deepcopy(rpr)
    for child in list(clone):
        if child.tag in (INS, DEL, w("rPrChange")):
            clone.remove(child)
    return clone


def _replace_blocks(container: etree._Element, blocks: list[etree._Element]) -> None:
    """Put ``blocks`` where the container's paragraphs and tables were (tcPr first and sectPr last stay)."""
    children = list(container)
    positions = [i for i, c in enumerate(children) if c.tag in (P, TBL)]
    lead = children[: positions[0]] if positions else [c for c in children if c.tag != w("sectPr")]
    tail = children[positions[-1] + 1 :] if positions else [c for c in children if c.tag == w("sectPr")]
    for child in children:
        container.remove(child)
    for child in [*lead, *blocks, *tail]:
        container.append(child)


def _max_id(roots: Sequence[etree._Element | None]) -> int:
    highest = 0
    for root in roots:
        if root is None:
            continue
        for element in root.iter():
            value = element.get(w("id"))
            if value is not None and value.lstrip("-").isdigit():
                highest = max(highest, int(value))
    return highest


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n")


def _parse(data: bytes | None) -> etree._Element | None:
    if data is None:
        return None
    return etree.fromstring(data, etree.XMLParser(remove_blank_text=False, resolve_entities=False))


def _read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _write_zip(order: dict[str, bytes], parts: dict[str, bytes], moment: datetime) -> bytes:
    from procure.package import write_zip

    return write_zip(((name, parts[name], name != "word/document.xml") for name in order), moment)


def compare(base: bytes, head: bytes, moment: datetime | None = None) -> Result:
    """Compare two .docx renderings of one document; the redline is None when nothing changed."""
    from procure.package import pinned_datetime, utc_naive

    return Redliner(base, head, utc_naive(moment or pinned_datetime())).run()
