"""Cross-references that follow the numbering: heading keys, reference links and Word bookmarks.

A template gives a heading a key and refers to it by that key, never by its number::

    # Beoogde uitkomsten {{ key("outcomes") }}
    ... de uitkomsten in hoofdstuk {{ ref("outcomes") }} ({{ ref("outcomes", "title") }}) ...
    ... (artikel {{ ref("acceptance", doc="agreement") }} van de conceptovereenkomst) ...

In the Markdown between Jinja and Word, a key is pandoc's attribute at the end of a heading line
(``# Beoogde uitkomsten {#outcomes}``; not shown) and a reference is an ordinary CommonMark link to
an internal target: ``[5](#outcomes)`` for the heading's number, ``[Beoogde uitkomsten](#outcomes/title)``
for its title. The link text is what the number is when headings are numbered as procure numbers them
(``1``, ``1.2``; level 3 headings have no number, and a reference to one shows its title); the Word
renderer turns the link into a ``REF`` field to a bookmark on the heading, with the number it lays out
as the field's result, so Word keeps the reference right after edits.

A reference to another document of the pack (``doc="agreement"``) cannot be a Word field into
another file: it is plain text, the number that heading has in that document as rendered for the
same problem statement.

This module holds the small, pure pieces; :mod:`procure.templating` (the ``key`` and ``ref`` globals)
and :mod:`procure.docx_render` (bookmarks and fields) use them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

from msgspec import Struct

#: What a heading key may hold (pandoc's identifiers, less what would need escaping).
KEY_PATTERN = r"[A-Za-z0-9_.:-]+"
_KEY = re.compile(KEY_PATTERN)
#: `` {#key}`` at the very end of a heading's text.
_KEY_SUFFIX = re.compile(r"[ \t]*\{#(" + KEY_PATTERN + r")\}[ \t]*$")
#: An ATX heading line of generated Markdown (templates write no setext headings and no code).
_HEADING_LINE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*$", re.M)
#: The reference links :func:`link` writes (and the same written by hand).
_LINK = re.compile(r"\[([^\]\n]*)\]\(#(" + KEY_PATTERN + r")(/title)?\)")

#: What a reference shows: the heading's number or its title.
NUMBER, TITLE = "number", "title"
WHATS = (NUMBER, TITLE)
#: Word's longest bookmark name.
BOOKMARK_MAX = 40
BOOKMARK_PREFIX = "_Ref_"


def valid_key(key: object) -> bool:
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def split_heading(text: str) -> tuple[str, str | None]:
    """``Beoogde uitkomsten {#outcomes}`` -> (``Beoogde uitkomsten``, ``outcomes``); a heading
    without a key -> (text, None)."""
    match = _KEY_SUFFIX.search(text)
    if match is None:
        return text, None
    return text[: match.start()], match.group(1)


def key_suffix(key: str) -> str:
    """The Markdown a heading line ends in to carry ``key``."""
    return "{#" + key + "}"


def target(key: str, what: str = NUMBER) -> str:
    """The link target of a reference: ``#key`` (number) or ``#key/title``."""
    return f"#{key}" if what == NUMBER else f"#{key}/title"


def parse_target(href: str) -> tuple[str, str] | None:
    """``#outcomes`` -> (``outcomes``, number); ``#outcomes/title`` -> (``outcomes``, title); any
    other target (an external address) -> None."""
    if not href.startswith("#"):
        return None
    key, slash, rest = href[1:].partition("/")
    if not valid_key(key) or (slash and rest != TITLE):
        return None
    return key, TITLE if slash else NUMBER


def link(text: str, key: str, what: str = NUMBER) -> str:
    """A reference as Markdown; ``text`` is Markdown already (the number, or the heading's source)."""
    return f"[{text}]({target(key, what)})"


class Heading(Struct, frozen=True):
    """A keyed heading of a rendered document."""

    level: int
    number: str  # "5", "5.2"; "" for a level 3 heading (procure numbers levels 1 and 2)
    title: str  # the heading's Markdown source, without the key
    key: str
    line: int  # 1-based line of the generated Markdown

    def shown(self, what: str) -> str:
        """What a reference to it shows: its number, or its title (also when it has no number)."""
        return self.number if what == NUMBER and self.number else self.title


class DuplicateKey(ValueError):
    """Two headings of one document carry the same key."""

    def __init__(self, key: str, first: int, second: int) -> None:
        super().__init__(f"heading key '{key}' is given to two headings (lines {first} and {second} of the "
                         "generated Markdown); a key names one heading")
        self.key = key


def heading_number(counters: list[int], level: int) -> str:
    """Advance ``counters`` ([chapter, section]) past a heading of ``level``; its number, as procure's
    house style numbers headings: ``3`` and ``3.2``, none for level 3 and below."""
    if level == 1:
        counters[:] = [counters[0] + 1, 0]
    elif level == 2:
        counters[1] += 1
    return ".".join(str(n) for n in counters[:level]) if level <= 2 else ""


def scan_headings(markdown: str) -> dict[str, Heading]:
    """The keyed headings of generated Markdown, by key, numbered as the renderer numbers them.

    Raises :class:`DuplicateKey` when two headings share a key.
    """
    found: dict[str, Heading] = {}
    counters = [0, 0]
    for match in _HEADING_LINE.finditer(markdown):
        level = len(match.group(1))
        number = heading_number(counters, level)
        title, key = split_heading(match.group(2))
        if key is None:
            continue
        line = markdown.count("\n", 0, match.start()) + 1
        if key in found:
            raise DuplicateKey(key, found[key].line, line)
        found[key] = Heading(level, number, title.rstrip(), key, line)
    return found


def reference_links(markdown: str) -> list[tuple[str, str]]:
    """(key, what) of every reference link in generated Markdown, in order."""
    return [(m.group(2), TITLE if m.group(3) else NUMBER) for m in _LINK.finditer(markdown)]


def fill_links(markdown: str, headings: dict[str, Heading]) -> str:
    """Every reference link's text set to what it shows (forward references included); a link to a
    key no heading defines is left as it is (the caller reports it)."""
    def fill(match: re.Match[str]) -> str:
        heading = headings.get(match.group(2))
        if heading is None:
            return match.group(0)
        what = TITLE if match.group(3) else NUMBER
        return link(heading.shown(what), heading.key, what)

    return _LINK.sub(fill, markdown)


def nearest_hint(key: str, known: Iterable[str]) -> str:
    """``; did you mean 'outcomes'?`` or a list of the keys there are."""
    keys = sorted(known)
    import difflib  # only for a mistake

    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; the headings define {', '.join(keys)}" if keys else "; no heading defines a key"


def bookmark_name(key: str, taken: set[str] | None = None) -> str:
    """A Word bookmark name for a heading key: ``_Ref_`` and the key, made valid for Word.

    Word allows letters, digits and underscores, at most 40 characters; the leading underscore
    makes it a hidden bookmark, as Word's own cross-references use. A key that had to change
    (``award.criteria``, a very long key) gets a short checksum of the key, so two keys never share a
    name; ``taken`` (names given so far, updated) settles the rare clash that is left.
    """
    plain = re.sub(r"[^A-Za-z0-9_]", "_", key)
    name = BOOKMARK_PREFIX + plain
    if plain != key or len(name) > BOOKMARK_MAX:
        tag = f"_{zlib.crc32(key.encode()):08x}"
        name = name[: BOOKMARK_MAX - len(tag)] + tag
    if taken is not None:
        base, n = name, 1
        while name in taken:
            n += 1
            suffix = f"_{n}"
            name = base[: BOOKMARK_MAX - len(suffix)] + suffix
        taken.add(name)
    return name
