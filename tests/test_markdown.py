"""The Markdown layer: one tree whichever parser runs, and placeholders found exactly where they are.

procure parses with markdown-it-pyrs (native, several times faster) where a wheel of it installs, and
with markdown-it-py elsewhere (a Python newer than its wheels). Both must give the same tree, or a
document would differ by machine: these tests compare them on every bundled example in both
languages, on the constructs templates use, and on generated text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procure import build
from procure.loader import load_problem
from procure.template_lint import _language_variants
from procure.markdown import Node, _native_parser, parse, placeholders, proposals

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
native = pytest.mark.skipif(_native_parser() is None, reason="markdown-it-pyrs has no wheel for this Python")


def signature(tree: Node) -> list[tuple[str, str, tuple[tuple[str, object], ...], int | None, str]]:
    """Every node's type, text, attributes and first line, and a paragraph's source text (which
    decides whether it keeps with the list or table it introduces), in document order."""
    return [(node.type, node.content, tuple(sorted(node.attrs.items())), node.map[0] if node.map else None,
             node.source_text if node.type == "paragraph" else "") for node in tree.walk()]


def same_tree(text: str) -> None:
    for native_or_not in ((True, False) if "`" not in text else (False,)):
        tree = parse(text, native=native_or_not)
        assert tree.gaps == [(node.type, node.content) for node in tree.walk()
                             if node.type in ("placeholder", "proposal")], text

    if "`" in text:  # parse() never gives text with a backtick to the native parser (it may panic)
        assert signature(parse(text)) == signature(parse(text, native=False)), text
        return
    assert signature(parse(text, native=True)) == signature(parse(text, native=False)), text


def test_the_native_parser_is_installed_where_it_has_wheels():
    import sys

    if sys.version_info < (3, 13):
        assert _native_parser() is not None, "markdown-it-pyrs should be installed (setup.cfg)"


@native
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_both_parsers_give_the_same_tree_for_every_document(example: Path):
    for variant in _language_variants(load_problem(example)):
        for kind in build.pack_kinds(variant):
            same_tree(build.render_markdown(variant, kind))


CONSTRUCTS = [
    "# Kop\n\nTekst met **vet**, *schuin*, ***beide*** en een [link](https://example.org).\n",
    "Kop\n===\n\nSub\n---\n",
    "1. een\n2. twee\n\n   tweede alinea\n3. drie\n",
    "7. zeven\n8. acht\n",
    "- a\n  - b\n    - c\n- d\n",
    "- los\n\n- lijst\n",
    "Lead-in:\n\n| A | B |\n|---|--:|\n| 1 | **2** |\n| \\| | [[in te vullen: x, tender.published]] |\n",
    "> citaat\n> tweede regel\n\n---\n\nna\n",
    "regel  \nhard\\\nafbreken\nzacht\n",
    "&amp; &copy; &#65; \\* \\[ \\] \\\\ <b>geen html</b> <https://example.org> <mail@example.org>\n",
    "[[in te vullen: datum, tender.published]] en [[?voorstel: criteria, tender.evaluation]]\n",
    "\\[[geen]] \\\\[[wel]] [[]] [[?]] [[a\nb]] [[[drie]]] [[x]]]\n",
    "# [[in te vullen: titel]]\n\n- [[?voorstel]] punt\n",
    "Tekst met `code`.\n\n```\nfence\n```\n\n    ingesprongen\n\n![beeld](x.png)\n",
    "[x]: https://example.org\n\n[x]\n",
    "Tekst\x00 met \ud800 en \ue000 privé\n",
    "",
]


@native
@pytest.mark.parametrize("text", CONSTRUCTS)
def test_both_parsers_agree_on_the_constructs_templates_use(text: str):
    same_tree(text)


INLINE = st.lists(st.sampled_from(["*", "**", "_", "[", "]", "[[", "]]", "[[?", "\\", "(", ")", "tekst", ":",
                                   "&amp;", "<", ">", "é", "\\[", "\\*", "\\|", " ", "[l](https://a.nl)", ","]),
                  min_size=1, max_size=8).map(lambda parts: "".join(parts).strip() or "x")


@st.composite
def blocks(draw: st.DrawFn) -> str:
    """A block as templates write them: heading, paragraph, list, table, quote or rule."""
    kind = draw(st.sampled_from(["heading", "paragraph", "bullets", "numbers", "table", "quote", "rule"]))
    if kind == "heading":
        return "#" * draw(st.integers(1, 3)) + " " + draw(INLINE)
    if kind == "paragraph":  # a line that opens with a block marker is a block of its own: generated
        # text never has one (values are escaped), and where an empty one would interrupt a quote the
        # two parsers differ (markdown-it-py starts a list, CommonMark continues the paragraph)
        return "\n".join("tekst " + line for line in draw(st.lists(INLINE, min_size=1, max_size=3)))
    if kind in ("bullets", "numbers"):
        items = draw(st.lists(INLINE, min_size=1, max_size=4))
        return "\n".join(("- " if kind == "bullets" else f"{n}. ") + item for n, item in enumerate(items, 1))
    if kind == "table":
        columns = draw(st.integers(1, 3))
        cell = INLINE.map(lambda text: text.replace("|", "\\|"))
        rows = draw(st.lists(st.lists(cell, min_size=columns, max_size=columns), min_size=1, max_size=4))
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join([lines[0], "|" + "---|" * columns, *lines[1:]])
    return "> " + draw(INLINE) if kind == "quote" else "---"


@native
@settings(max_examples=500, deadline=None)
@given(st.lists(blocks(), min_size=1, max_size=6).map(lambda parts: "\n\n".join(parts) + "\n"))
def test_both_parsers_agree_on_generated_documents(text: str):
    same_tree(text)


def test_placeholders_are_found_only_where_unescaped():
    tree = parse("\\[[geen]] \\\\[[wel]] [[]] [[?]] [[a\nb]] [[?voorstel]] [[x, tender.published]]\n")
    assert placeholders(tree) == ["[wel]", "[x, tender.published]"]
    assert proposals(tree) == ["[voorstel]"]


def test_a_placeholder_marker_character_in_the_text_stays_text():
    tree = parse("\ue000 0 \ue001 [[x]] \ue000\n")
    assert placeholders(tree) == ["[x]"]
    assert "".join(node.content for node in tree.walk() if node.type == "text") == "\ue000 0 \ue001  \ue000"


def test_lead_in_source_text_is_the_paragraph_as_written():
    tree = parse("Kies:\n  een [[optie]]\n\n- a\n")
    assert tree.children[0].source_text == "Kies:\neen [[optie]]"


def test_a_bracket_before_an_unpaired_backtick_parses_without_a_panic():
    tree = parse("x [[y`]] en [`z\n")
    assert [node.type for node in tree.walk()][:2] == ["root", "paragraph"]


def test_a_tree_is_freed_without_the_cyclic_garbage_collector():
    """No reference cycles (a child's parent is a weak reference): a batch's memory must not grow
    with the number of documents while trees wait for the collector."""
    import gc
    import weakref

    enabled = gc.isenabled()
    gc.disable()
    try:
        tree = parse("# Kop\n\nLead-in:\n\n- a\n- [[b]]\n\n| x |\n|---|\n| y |\n\n> citaat\n")
        leaves = [weakref.ref(node) for node in tree.walk()]
        assert tree.children[1].next_sibling is tree.children[2]
        del tree
        assert all(leaf() is None for leaf in leaves)
    finally:
        if enabled:
            gc.enable()
