"""The one configured Markdown parser, and the node types the Word renderer accepts.

Templates produce CommonMark with GFM tables. Raw HTML is off: a ``<b>`` in a
template or a value is text, never markup. Two extensions: ``[[text]]`` is a
placeholder, a visible, highlighted gap the procurement officer must fill in, and
``[[?text]]`` is a proposal, a decision procure proposes on the buyer's behalf
(default award criteria, example procedure bands) that the buyer must confirm,
highlighted differently. User values can never produce either, because the
Markdown escaper backslash-escapes every ``[`` in them.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from weakref import ref

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

PLACEHOLDER_OPEN = "[["
PLACEHOLDER_CLOSE = "]]"
PROPOSAL_MARK = "?"

#: Every node type the renderer lays out; anything else is an error, never dropped.
ALLOWED_NODE_TYPES = frozenset(
    {
        "root",
        "heading",
        "paragraph",
        "text",
        "softbreak",
        "hardbreak",
        "strong",
        "em",
        "bullet_list",
        "ordered_list",
        "list_item",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "link",
        "hr",
        "blockquote",
        "placeholder",
        "proposal",
    }
)


class Node:
    """One node of a parsed document: what the Word renderer, ``check`` and the linter walk.

    ``type`` is one of :data:`ALLOWED_NODE_TYPES` (or an unsupported construct's name, which the
    renderer refuses); ``content`` is the text of a ``text``, ``placeholder`` or ``proposal`` node;
    ``attrs`` holds ``level`` (heading), ``start`` (ordered list) and ``href`` (link); ``map`` is the
    0-based (first line, line after) of a block in the Markdown, for error messages: its first line is
    the same whichever parser made the tree. The inline
    content of a block is its children directly: there is no separate ``inline`` layer.
    """

    __slots__ = ("type", "children", "content", "attrs", "_parent", "index", "_map", "_span", "_source", "_text",
                 "__weakref__")

    def __init__(self, type_: str, parent: Node | None = None, content: str = "",
                 attrs: dict[str, object] | None = None) -> None:
        self.type = type_
        self.children: list[Node] = []
        self.content = content
        self.attrs: dict[str, object] = attrs if attrs is not None else {}
        # A weak reference: a tree without cycles is freed as soon as it is dropped, not by the
        # cyclic garbage collector some time later (a batch's memory would grow with its size).
        self._parent = ref(parent) if parent is not None else None
        self.index = 0
        self._map: tuple[int, int] | None = None
        self._span: tuple[int, int] | None = None  # byte offsets in the UTF-8 source (markdown-it-pyrs)
        self._source: _Source | None = None
        self._text: str | None = None  # the inline source, where the parser gives it directly
        if parent is not None:
            self.index = len(parent.children)
            parent.children.append(self)

    def __repr__(self) -> str:
        return f"Node({self.type})"

    @property
    def parent(self) -> Node | None:
        return self._parent() if self._parent is not None else None

    @property
    def is_root(self) -> bool:
        return self._parent is None

    @property
    def tag(self) -> str:
        """``h1``..``h6`` for a heading (markdown-it's tag), else the type."""
        return f"h{self.attrs['level']}" if self.type == "heading" else self.type

    @property
    def map(self) -> tuple[int, int] | None:
        """The block's 0-based (first line, line after) in the Markdown; None for inline nodes."""
        if self._map is None and self._span is not None and self._source is not None:
            self._map = self._source.lines(*self._span)
        return self._map

    @property
    def next_sibling(self) -> Node | None:
        parent = self.parent
        siblings = parent.children if parent is not None else ()
        return siblings[self.index + 1] if self.index + 1 < len(siblings) else None

    @property
    def previous_sibling(self) -> Node | None:
        parent = self.parent
        return parent.children[self.index - 1] if parent is not None and self.index else None

    @property
    def source_text(self) -> str:
        """The Markdown source of the block's inline content, as written (for lead-in detection)."""
        if self._text is None:
            if self._source is None or self._span is None:
                return ""
            self._text = _lines(self._source.text(*self._span))
        return self._text

    def walk(self) -> Iterator[Node]:
        """This node and every node under it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


#: What starts a line of a block's source before its text: indentation and blockquote markers.
_LINE_START = re.compile(r"^[ \t]*(?:>[ \t]*)*", re.M)


def _lines(text: str) -> str:
    """A block's inline source with every line's indentation and quote markers removed (a paragraph's
    continuation line cannot start with '>': that would start a quote), the same from either parser."""
    return _LINE_START.sub("", text).strip()


class Root(Node):
    """The root of a parsed document; it also lists the placeholders and proposals in it, in order, so
    finding them needs no walk over the tree."""

    __slots__ = ("gaps",)

    def __init__(self) -> None:
        super().__init__("root")
        self.gaps: list[tuple[str, str]] = []  # ("placeholder" | "proposal", "[label]")


class _Source:
    """The UTF-8 bytes of the parsed Markdown, for byte offsets to line numbers and source text."""

    __slots__ = ("data", "_starts", "marks")

    def __init__(self, text: str, marks: _Marks) -> None:
        self.data = text.encode("utf-8")
        self._starts: list[int] | None = None
        self.marks = marks

    def lines(self, start: int, end: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]
        first = bisect_right(self._starts, start) - 1
        last = bisect_right(self._starts, max(start, end - 1)) - 1
        return first, last + 1

    def text(self, start: int, end: int) -> str:
        return self.marks.restore(self.data[start:end].decode("utf-8", "replace"))


#: Block-level node types: they carry a line map, as markdown-it's block tokens do.
BLOCK_TYPES = frozenset({"heading", "paragraph", "bullet_list", "ordered_list", "list_item", "table",
                         "thead", "tbody", "tr", "hr", "blockquote", "fence", "code_block", "html_block"})
#: Inline node types (the children of a paragraph, heading or table cell).
_INLINE_TYPES = frozenset({"text", "softbreak", "hardbreak", "strong", "em", "link", "placeholder",
                           "proposal", "code_inline", "image", "html_inline", "s", "autolink", "text_special"})


# --- placeholders -------------------------------------------------------------------------------

def _placeholder_spans(text: str) -> Iterator[tuple[int, int, str, str]]:
    """Every ``[[label]]`` / ``[[?label]]`` in ``text``: (start, end, kind, ``[label]``).

    The first ``[`` must not be backslash-escaped (an even run of backslashes before it); the label
    is non-empty, on one line, and ends at the first ``]]`` (as in :func:`_placeholder_rule`).
    """
    position = text.find(PLACEHOLDER_OPEN)
    while position >= 0:
        slashes = 0
        while position - slashes > 0 and text[position - slashes - 1] == "\\":
            slashes += 1
        end = text.find(PLACEHOLDER_CLOSE, position + 2)
        body = text[position + 2 : end] if end >= 0 else ""
        if slashes % 2 == 0 and end > position + 2 and "\n" not in body:
            kind = "placeholder"
            if body.startswith(PROPOSAL_MARK):
                kind, body = "proposal", body[len(PROPOSAL_MARK):]
            if body:
                yield position, end + 2, kind, "[" + body + "]"
                position = text.find(PLACEHOLDER_OPEN, end + 2)
                continue
        position = text.find(PLACEHOLDER_OPEN, position + 1)


class _Marks:
    """The placeholders of one Markdown text, each replaced by ``<open>index<close>``.

    Neither parser gets a plugin for ``[[...]]`` (the native one has no plugin interface): the
    placeholders are cut out before parsing, stand in the text as two private-use characters that do
    not occur in it around their index, pass through either parser as plain text, and become
    ``placeholder``/``proposal`` nodes again in :meth:`split`. Both parsers so see the same text.
    """

    __slots__ = ("marked", "labels", "raw", "opening", "closing", "_pattern", "found")

    def __init__(self, text: str) -> None:
        self.labels: list[tuple[str, str]] = []  # (kind, "[label]")
        self.found: list[tuple[str, str]] = []  # (kind, "[label]") as the tree holds them, in order
        self.raw: list[str] = []  # the placeholder as written
        self.opening = self.closing = ""
        self._pattern: re.Pattern[str] | None = None
        spans = list(_placeholder_spans(text))
        if not spans:
            self.marked = text
            return
        free = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in text)
        self.opening, self.closing = next(free), next(free)
        parts, last = [], 0
        for start, end, kind, label in spans:
            parts += (text[last:start], f"{self.opening}{len(self.labels)}{self.closing}")
            self.labels.append((kind, label))
            self.raw.append(text[start:end])
            last = end
        parts.append(text[last:])
        self.marked = "".join(parts)
        self._pattern = re.compile(f"{self.opening}([0-9]+){self.closing}")

    def split(self, content: str) -> Iterator[tuple[str, str]]:
        """``content`` as (type, text) pieces: text, and the placeholders and proposals in it."""
        if self._pattern is None or self.opening not in content:
            yield "text", content
            return
        last = 0
        for match in self._pattern.finditer(content):
            if match.start() > last:
                yield "text", content[last:match.start()]
            yield self.labels[int(match.group(1))]
            last = match.end()
        if last < len(content):
            yield "text", content[last:]

    def restore(self, content: str) -> str:
        """``content`` with the placeholders written back as they were."""
        if self._pattern is None or self.opening not in content:
            return content
        return self._pattern.sub(lambda match: self.raw[int(match.group(1))], content)


# --- the parsers --------------------------------------------------------------------------------

#: The CommonMark rules both parsers run: CommonMark with GFM tables, without raw HTML (a ``<b>`` is
#: text) and without link reference definitions (``[x]: url`` would print nothing; off, it stays text).
_BLOCK_RULES = ("blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "table")
_INLINE_RULES = ("autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline")
#: The native parser's names that differ from markdown-it's.
_NATIVE_NAMES = {"trow": "tr", "autolink": "link", "text_special": "text", "lheading": "heading"}


@lru_cache(maxsize=1)
def _native_parser() -> Any:
    """markdown-it-pyrs (the Rust port of markdown-it), when a wheel was installable; else None."""
    if os.environ.get("PROCURE_MARKDOWN_PARSER") == "python":
        return None
    try:
        import markdown_it_pyrs
    except ImportError:
        return None
    md = markdown_it_pyrs.MarkdownIt("zero")
    md.enable_many([*_BLOCK_RULES, *_INLINE_RULES])
    return md


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """markdown-it-py, configured as the native parser is: the fallback where markdown-it-pyrs has no
    wheel (a Python newer than its wheels), and the reference the test-suite compares it with."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("reference")
    return md


_SURROGATES = re.compile("[\ud800-\udfff]")


def parse(text: str, native: bool | None = None) -> Root:
    """Markdown text to a tree of :class:`Node`; the same tree whichever parser runs.

    ``native`` forces markdown-it-pyrs (True) or markdown-it-py (False); by default the native parser
    is used when it is installed, except on text with a backtick (inline code, which documents refuse
    anyway, can make markdown-it-pyrs 0.4 panic) or if it ever panics: then markdown-it-py parses it.
    The test-suite holds the two to the same tree.
    """
    if _SURROGATES.search(text):  # no UTF-8 form; the renderer drops them anyway
        text = _SURROGATES.sub("", text)
    if "\x00" in text:  # CommonMark: U+0000 becomes U+FFFD (markdown-it-py does it, the native parser not)
        text = text.replace("\x00", "\ufffd")
    marks = _Marks(text)
    md = _native_parser() if native is not False else None
    if native and md is None:
        raise RuntimeError("markdown-it-pyrs is not installed")
    if md is not None and "`" in marks.marked and not native:
        md = None  # markdown-it-pyrs 0.4 panics on "[" before an unpaired backtick; code is refused anyway
    if md is not None:
        try:
            tree = md.tree(marks.marked)
        except BaseException as err:  # a Rust panic is a BaseException; anything else goes on up
            if type(err).__name__ != "PanicException" or native:
                raise
        else:
            root = Root()
            _from_native(tree.children, root, _Source(marks.marked, marks), marks, False)
            root.gaps = marks.found
            return root
    root = Root()
    _from_tokens(parser().parse(marks.marked), root, marks)
    root.gaps = marks.found
    return root


def _add_text(parent: Node, content: str, marks: _Marks) -> None:
    """Text into ``parent``: joined to a text node just before it, placeholders split out."""
    for kind, piece in marks.split(content):
        children = parent.children
        if kind == "text":
            if not piece:
                continue
            if children and children[-1].type == "text":
                children[-1].content += piece
                continue
        else:
            marks.found.append((kind, piece))
        Node(kind, parent, piece)


def _from_native(children: list[Any], parent: Node, source: _Source, marks: _Marks, head: bool) -> None:
    """Build :class:`Node` children from markdown-it-pyrs nodes (one pass)."""
    opening = marks.opening or None
    siblings = parent.children
    for child in children:
        name = child.name
        if name == "text" or name == "text_special":  # most nodes: joined to the text before them
            content = child.meta["content"]
            if opening is not None and opening in content:
                _add_text(parent, content, marks)
            elif siblings and siblings[-1].type == "text":
                siblings[-1].content += content
            elif content:
                Node("text", parent, content)
            continue
        if name == "softbreak" or name == "hardbreak":
            Node(name, parent)
            continue
        if name == "tcell":
            name = "th" if head else "td"
        elif name in _NATIVE_NAMES:
            name = _NATIVE_NAMES[name]
        node = Node(name, parent)
        if name in BLOCK_TYPES:
            node._span, node._source = child.srcmap, source
            if name == "heading":
                node.attrs["level"] = child.meta["level"]
            elif name == "ordered_list":
                node.attrs["start"] = child.meta.get("start", 1)
            elif name in ("fence", "code_block", "html_block"):
                node.content = marks.restore(child.meta.get("content", ""))
        elif name == "link":
            node.attrs["href"] = child.meta.get("url", "")
        elif name == "html_inline":
            node.content = marks.restore(child.meta.get("content", ""))
        elif name == "code_inline":
            node.content = marks.restore("".join(text.meta.get("content", "") for text in child.children))
            continue
        grandchildren = child.children
        _from_native(grandchildren, node, source, marks, head or name == "thead")
        if name == "list_item":
            _wrap_tight(node, _tight_span(child, grandchildren))


#: A list item's marker and the spaces after it, at the start of its source.
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-+*]|[0-9]{1,9}[.)])[ \t]*")


def _tight_span(item: Any, children: list[Any]) -> tuple[int, int]:
    """Where a tight list item's text is: from the item's start to its first block (a nested list),
    or its end. (Inline nodes' own source positions are not reliable in markdown-it-pyrs 0.4.)"""
    start, end = item.srcmap
    for child in children:
        name = _NATIVE_NAMES.get(child.name, child.name)
        if name in BLOCK_TYPES:
            return start, max(start, min(end, child.srcmap[0]))
    return start, end


def _wrap_tight(item: Node, span: tuple[int, int]) -> None:
    """A tight list item's text in a paragraph, as markdown-it-py gives it (there the paragraph is
    only hidden from HTML output); ``span``: where the text is in the source (a tight item's text
    comes before any nested block, so there is one such paragraph)."""
    if not any(child.type in _INLINE_TYPES for child in item.children):
        return
    kids, item.children = item.children, []
    paragraph: Node | None = None
    for child in kids:
        if child.type in _INLINE_TYPES:
            if paragraph is None:
                paragraph = Node("paragraph", item)
                paragraph._source, paragraph._span = item._source, span
                if item._source is not None:
                    paragraph._text = _lines(_LIST_MARKER.sub("", item._source.text(*span), count=1))
            child._parent, child.index = ref(paragraph), len(paragraph.children)
            paragraph.children.append(child)
        else:
            paragraph = None
            child._parent, child.index = ref(item), len(item.children)
            item.children.append(child)


def _from_tokens(tokens: list[Any], root: Node, marks: _Marks) -> None:
    """Build the same tree from markdown-it-py's token stream (one pass, no syntax-tree objects)."""
    stack = [root]
    for token in tokens:
        nesting = token.nesting
        if nesting == -1:
            stack.pop()
        elif token.type == "inline":
            _inline_tokens(token.children or [], stack[-1], marks)
            stack[-1]._text = _lines(marks.restore(token.content))
        else:
            kind = token.type[:-5] if nesting == 1 else token.type
            node = Node(kind, stack[-1])
            node._map = tuple(token.map) if token.map and kind in BLOCK_TYPES else None  # type: ignore[assignment]
            if kind == "heading":
                node.attrs["level"] = int(token.tag[1])
            elif kind == "ordered_list":
                node.attrs["start"] = int(token.attrGet("start") or 1)
            elif kind in ("fence", "code_block", "html_block"):
                node.content = marks.restore(token.content)
            if nesting == 1:
                stack.append(node)


def _inline_tokens(tokens: list[Any], parent: Node, marks: _Marks) -> None:
    stack = [parent]
    for token in tokens:
        nesting = token.nesting
        if nesting == -1:
            stack.pop()
            continue
        kind = token.type
        if kind == "text" or kind == "text_special":
            _add_text(stack[-1], token.content, marks)
            continue
        if nesting == 1:
            kind = kind[:-5]
        node = Node(kind, stack[-1])
        if kind == "link":
            node.attrs["href"] = str(token.attrGet("href") or "")
        elif kind in ("code_inline", "html_inline"):
            node.content = marks.restore(token.content)
        elif kind == "image":
            _inline_tokens(token.children or [], node, marks)
        if nesting == 1:
            stack.append(node)


class Gap(str):
    """A cover value still to be filled in: shown, like ``[[...]]`` in the body, in the Placeholder style.

    Its text is a placeholder label (``[in te vullen: datum van publicatie, tender.published]``): the
    words are shown and the field path goes into a comment, as in the body.
    """


#: The field path a placeholder or proposal label may end in ("..., tender.published").
_FIELD_PATH = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")


def split_label(content: str) -> tuple[str, str | None]:
    """``[in te vullen: datum van publicatie, tender.published]`` ->
    (``[in te vullen: datum van publicatie]``, ``tender.published``).

    Templates end a todo() or proposal() label in the field that settles it. The
    reader of the Word file sees the words; the field goes into a comment (and stays
    in ``check``, which reads the whole label). A label whose last part is not a
    field path (``maybe, later``: no dot, no underscore and no top-level field) is
    returned whole, with no field.
    """
    inner = content[1:-1] if content.startswith("[") and content.endswith("]") else content
    head, comma, tail = inner.rpartition(",")
    tail = tail.strip()
    if not comma or not head.strip() or not _FIELD_PATH.fullmatch(tail):
        return content, None
    if "." not in tail and "_" not in tail and tail not in _top_level_fields():
        return content, None
    return f"[{head.rstrip()}]", tail


@lru_cache(maxsize=1)
def _top_level_fields() -> frozenset[str]:
    from procure.model import Problem

    return frozenset(Problem.model_fields)


def placeholders(tree: Node) -> list[str]:
    """The visible text of every placeholder in a tree, in document order."""
    return _gaps(tree, "placeholder")


def proposals(tree: Node) -> list[str]:
    """The visible text of every proposal in a tree, in document order."""
    return _gaps(tree, "proposal")


def _gaps(tree: Node, kind: str) -> list[str]:
    if isinstance(tree, Root):
        return [label for found, label in tree.gaps if found == kind]
    return [node.content for node in tree.walk() if node.type == kind]


def unknown_node_types(tree: Node) -> set[str]:
    """Node types in the tree that the renderer does not lay out."""
    return {node.type for node in tree.walk()} - ALLOWED_NODE_TYPES


def heading_keys(tree: Node) -> list[str]:
    """The key of every keyed heading (``# Beoogde uitkomsten {#outcomes}``), in document order:
    the targets a cross-reference (``[5](#outcomes)``) may name. See :mod:`procure.xref`."""
    keys: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.type == "heading":
            key = heading_key(node)
            if key is not None:
                keys.append(key)
            continue
        stack.extend(reversed(node.children))
    return keys


def heading_key(heading: Node) -> str | None:
    """The key a heading's text ends in (`` {#outcomes}``, in its last text node), if any."""
    from procure.xref import split_heading

    last = heading.children[-1] if heading.children else None
    if last is None or last.type != "text":
        return None
    return split_heading(last.content)[1]
