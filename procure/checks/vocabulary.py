"""The word lists the linter matches against, and how it matches them.

The lists are data (``procure/data/solution_words.yaml`` and
``procure/data/outcome_words.yaml``) so that a reviewer can change them without
touching code; the matching conventions are written at the top of each file
and implemented here. Everything is compiled once per language and set of
extra words, and cached for the process.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from msgspec import Struct

from procure.errors import InputError, Issue, Location, yaml_loader, yaml_problem

DATA = Path(__file__).resolve().parent.parent / "data"
LANGUAGES = ("nl", "en")
EXTRA_KEYS = ("common", *LANGUAGES)
_GAP = r"[\s\-]+"
MAX_WORDS_FILE_BYTES = 1024 * 1024  # like a problem statement: a word list is far smaller


class WordList(Struct, frozen=True, dict=True):  # dict: room for the cached pattern
    """Whole-word matching of a list of words and phrases, with the case conventions of the data files.

    The pattern is compiled on the first search, not when the list is made: a word list of
    hundreds of alternatives takes milliseconds to compile, and a run may never search it (the
    technologies are only searched together with the brands, see :meth:`Vocabulary.solutions`).
    """

    words: tuple[str, ...]

    @classmethod
    def of(cls, words: Iterable[str]) -> WordList:
        return cls(tuple(dict.fromkeys(w.strip() for w in words if re.search(r"\w", w))))

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """The compiled alternatives, longest first (None for an empty list)."""
        if not self.words:
            return None
        alternatives = "|".join(_entry_pattern(w) for w in sorted(self.words, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def find(self, text: str) -> list[str]:
        """The distinct terms in ``text`` (ignoring case, spaces and hyphens), each as first written there."""
        if self.pattern is None:
            return []
        found: dict[str, str] = {}
        for match in self.pattern.finditer(text):
            found.setdefault(re.sub(_GAP, " ", match.group(0)).casefold(), match.group(0))
        return list(found.values())


def _entry_pattern(entry: str) -> str:
    """One entry as a regular expression: acronyms exact, names with a capital first letter, others any case."""
    body = _GAP.join(re.escape(part) for part in re.split(_GAP, entry) if part)
    letters = [c for c in entry if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return body
    if entry[0].isupper():  # a name; a letter, so re.escape left it as it is. Not after "word-".
        return f"(?<!\\w-){entry[0]}(?i:{body[1:]})"
    return f"(?i:{body})"


class Vocabulary(Struct, frozen=True):
    """The compiled word lists for one language."""

    language: str
    brands: WordList
    technologies: WordList
    equivalent: WordList
    interoperability: WordList
    measurable: WordList
    user_centred: tuple[str, ...]

    def solutions(self, text: str) -> list[str]:
        """Brands and technologies named in ``text`` (a longer phrase wins over a word inside it)."""
        combined = _combined(self.brands.words, self.technologies.words)
        return combined.find(text)

    def has_user_centred_word(self, text: str) -> bool:
        """True when any user-centred word part occurs anywhere in ``text`` (any case)."""
        folded = text.casefold()
        return any(stem in folded for stem in self.user_centred)


@lru_cache(maxsize=32)
def _combined(brands: tuple[str, ...], technologies: tuple[str, ...]) -> WordList:
    return WordList.of((*brands, *technologies))


@lru_cache(maxsize=1)
def _data() -> tuple[dict[str, Any], dict[str, Any]]:
    """Both vocabulary files, parsed once per process."""
    import yaml

    solution = yaml.load((DATA / "solution_words.yaml").read_text(encoding="utf-8"), Loader=yaml_loader())
    outcome = yaml.load((DATA / "outcome_words.yaml").read_text(encoding="utf-8"), Loader=yaml_loader())
    return solution, outcome


def vocabulary(language: str, extra_words: Mapping[str, Sequence[str]] | None = None) -> Vocabulary:
    """The vocabulary for ``language``, with a buyer's extra words (counted as brands) added."""
    extra = _freeze_extra(extra_words, language)
    return _vocabulary(language, extra)


@lru_cache(maxsize=32)
def _vocabulary(language: str, extra: tuple[str, ...]) -> Vocabulary:
    solution, outcome = _data()
    common, own = solution.get("common", {}), solution.get(language, {})
    return Vocabulary(
        language=language,
        brands=WordList.of([*common.get("brands", []), *own.get("brands", []), *extra]),
        technologies=WordList.of([*common.get("technologies", []), *own.get("technologies", [])]),
        equivalent=WordList.of(own.get("equivalent", [])),
        interoperability=WordList.of(own.get("interoperability", [])),
        measurable=WordList.of(outcome["measurable"].get(language, [])),
        user_centred=tuple(w.casefold() for w in outcome["user_centred"].get(language, [])),
    )


def _freeze_extra(extra_words: Mapping[str, Sequence[str]] | None, language: str) -> tuple[str, ...]:
    """The extra words that apply to ``language`` (its own and the common ones), hashable for the cache."""
    if not extra_words:
        return ()
    unknown = sorted(set(extra_words) - set(EXTRA_KEYS))
    if unknown:
        raise ValueError(f"extra words for unknown language(s) {unknown}; use {', '.join(EXTRA_KEYS)}")
    words = [*extra_words.get("common", []), *extra_words.get(language, [])]
    return tuple(str(w) for w in words)


def load_extra_words(path: Path) -> dict[str, list[str]]:
    """Read a ``--words`` file: a YAML list (words for every language) or a mapping {common|nl|en: [words]}.

    Errors are :class:`InputError` naming the file (and the line and column of a
    YAML or encoding error), so the CLI reports them like any bad input: a file
    that cannot be read, is not a regular file (a directory, ``/dev/zero``, a
    pipe) or is larger than :data:`MAX_WORDS_FILE_BYTES` is refused before it
    is parsed.
    """
    path = Path(path)
    data = _parse_words(_read_words_file(path), str(path))
    if isinstance(data, list):
        data = {"common": data}
    if not isinstance(data, dict) or set(data) - set(EXTRA_KEYS):
        raise _words_error(path, "expected a list of words, or a mapping with keys common, nl, en holding lists "
                                 "of words")
    if not all(isinstance(v, list) and all(isinstance(w, str) and w.strip() for w in v) for v in data.values()):
        raise _words_error(path, "every entry must be a list of non-empty words")
    return {key: [w.strip() for w in words] for key, words in data.items()}


def _words_error(path: Path | str, message: str, line: int | None = None, column: int | None = None) -> InputError:
    name = str(path)
    return InputError([Issue(Location(file=name, line=line, column=column), message)], file=name)


def _read_words_file(path: Path) -> bytes:
    """At most :data:`MAX_WORDS_FILE_BYTES` + 1 bytes of a regular file; anything else is an InputError."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # before open(): opening a pipe would block
            raise _words_error(path, "the words file is not a regular file; give a YAML file")
        with path.open("rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the check above
                raise _words_error(path, "the words file is not a regular file; give a YAML file")
            raw = handle.read(MAX_WORDS_FILE_BYTES + 1)
    except OSError as err:
        reason = err.strerror or str(err)
        raise _words_error(path, f"cannot read the words file ({reason}); check the path") from None
    if len(raw) > MAX_WORDS_FILE_BYTES:
        raise _words_error(path, f"the words file is larger than {MAX_WORDS_FILE_BYTES // (1024 * 1024)} MiB; "
                                 "check that this is the right file")
    return raw


def _parse_words(raw: bytes, name: str) -> object:
    """The YAML in ``raw``; a decoding or YAML error is an InputError at its line and column."""
    import yaml

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line, column = _position(raw[: err.start].decode("utf-8", "replace"))
        raise _words_error(name, f"the words file is not valid UTF-8 here (byte 0x{raw[err.start]:02X}); "
                                 "save it as UTF-8", line, column) from None
    try:
        return yaml.load(text, Loader=yaml_loader())
    except yaml.MarkedYAMLError as err:
        line, column, detail = yaml_problem(err)
        raise _words_error(name, f"the words file is not valid YAML: {detail}", line, column) from None
    except yaml.YAMLError as err:  # errors without a position (rare); keep them to one line
        raise _words_error(name, f"the words file is not valid YAML: {' '.join(str(err).split())}") from None


def _position(text_before: str) -> tuple[int, int]:
    """Line and column (from 1) of the character after ``text_before``."""
    return text_before.count("\n") + 1, len(text_before) - (text_before.rfind("\n") + 1) + 1
