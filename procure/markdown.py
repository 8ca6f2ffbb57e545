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

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.tree import SyntaxTreeNode

PLACEHOLDER_OPEN = "[["
PLACEHOLDER_CLOSE = "]]"
PROPOSAL_MARK = "?"

#: Every node type the renderer lays out; anything else is an error, never dropped.
ALLOWED_NODE_TYPES = frozenset(
    {
        "root",
        "heading",
        "paragraph",
        "inline",
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


def _placeholder_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule for ``[[visible text]]`` (a placeholder) and ``[[?visible text]]`` (a proposal);
    the token's content is ``[visible text]``."""
    start = state.pos
    if not state.src.startswith(PLACEHOLDER_OPEN, start):
        return False
    end = state.src.find(PLACEHOLDER_CLOSE, start + 2)
    if end < 0 or end == start + 2 or "\n" in state.src[start:end]:
        return False
    body = state.src[start + 2 : end]
    kind = "placeholder"
    if body.startswith(PROPOSAL_MARK):
        kind, body = "proposal", body[len(PROPOSAL_MARK) :]
        if not body:
            return False
    if not silent:
        token = state.push(kind, "", 0)
        token.content = "[" + body + "]"
        token.markup = PLACEHOLDER_OPEN
    state.pos = end + 2
    return True


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The process-wide parser: CommonMark, tables on, raw HTML off, placeholders on."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    # A reference definition ("[x]: url") prints nothing; off, it stays visible text rather than vanishing.
    md.disable("reference")
    md.inline.ruler.before("link", "placeholder", _placeholder_rule)
    return md


def parse(text: str) -> SyntaxTreeNode:
    """Markdown text to a syntax tree."""
    from markdown_it.tree import SyntaxTreeNode

    return SyntaxTreeNode(parser().parse(text))


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


def placeholders(tree: SyntaxTreeNode) -> list[str]:
    """The visible text of every placeholder in a tree, in document order."""
    return [node.content for node in tree.walk() if node.type == "placeholder"]


def proposals(tree: SyntaxTreeNode) -> list[str]:
    """The visible text of every proposal in a tree, in document order."""
    return [node.content for node in tree.walk() if node.type == "proposal"]


def unknown_node_types(tree: SyntaxTreeNode) -> set[str]:
    """Node types in the tree that the renderer does not lay out."""
    return {node.type for node in tree.walk()} - ALLOWED_NODE_TYPES


def heading_keys(tree: SyntaxTreeNode) -> list[str]:
    """The key of every keyed heading (``# Beoogde uitkomsten {#outcomes}``), in document order:
    the targets a cross-reference (``[5](#outcomes)``) may name. See :mod:`procure.xref`."""
    from procure.xref import split_heading

    keys: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.type == "heading":
            inline = node.children[0] if node.children else None
            key = split_heading(inline.content)[1] if inline is not None else None
            if key is not None:
                keys.append(key)
            continue
        stack.extend(reversed(node.children))
    return keys
