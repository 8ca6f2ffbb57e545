"""YAML problem statement -> :class:`~procure.model.Problem`, with every error located.

Why our own construction instead of ``yaml.safe_load``: we need the line and
column of every value to point errors at it, we must refuse duplicate keys
(PyYAML keeps the last one silently), and we must bound what a hostile file
can cost. So the loader reads the YAML *events* (always libyaml's C parser,
see :func:`procure.errors.yaml_loader`) and builds plain Python values itself, iteratively:

- only plain data is built (text, numbers, booleans, null, dates, lists,
  mappings); any other tag, ``!!python/...`` included, is refused with a
  located error and nothing is ever called or imported;
- aliases are never expanded: each anchored value is built once and its size
  counted wherever it is reused, so a "billion laughs" file is refused after
  a few hundred events; nesting depth and file size are bounded too;
- scalars are resolved by YAML 1.2 core rules: only ``true``/``false`` are
  booleans (``no`` stays text), numbers with a fraction become ``Decimal``
  (money stays exact), ``2027-01-15`` is a date;
- characters a .docx cannot hold (rule 7) are removed with a warning naming
  the field; the raw ones are first swapped for a sentinel because the YAML
  reader itself refuses them.

Validation runs once; every Pydantic error becomes an
:class:`~procure.errors.Issue` with file, line, column and dotted field path,
and all of them are raised together in one :class:`~procure.errors.InputError`.
"""

from __future__ import annotations

import bisect
import re
import types
import typing
from datetime import date
from decimal import Decimal
from pathlib import Path
from stat import S_ISREG
from typing import Any, Iterator, Union

from msgspec import Struct, field
from msgspec.structs import replace
from pydantic import BaseModel, ValidationError
import yaml

from procure.errors import InputError, Issue, Location, yaml_loader, yaml_problem
from procure.model import FORBIDDEN_CHARS, Problem, rule_violations

MAX_BYTES = 1024 * 1024
MAX_VALUES = 100_000
MAX_DEPTH = 32
_TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels; a problem statement needs only a few"

Path_ = tuple[Union[str, int], ...]
Point = tuple[int, int]

_SENTINEL = "\ufdd0"  # a Unicode non-character: the YAML reader accepts it, no one types it
_SCRUB = re.compile(f"{FORBIDDEN_CHARS.pattern[:-1]}{_SENTINEL}]")
_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {None, "!"}
_COLLECTION_TAGS = {None, "!", _YAML_TAG + "map", _YAML_TAG + "seq"}
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# Leading zeros make text, not a number: 0301234567 is a phone number, not 301234567.
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_MAX_INT_CHARS = 40
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
_TIMESTAMP = re.compile(  # YAML 1.1 timestamps: a date, or a date and a time with seconds
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)
_TIMESTAMP_CONSTRUCTOR = yaml.constructor.SafeConstructor()


# ---------------------------------------------------------------- results


class SourceMap(Struct, frozen=True):
    """Where each value of a loaded file is, by field path such as ``("outcomes", 0, "target")``.

    Positions are 1-based (line, column). For a list or mapping that is the value of
    a key, the position is that of the key: ``buyer:`` is where a reader looks for
    the buyer, not at its first child on the next line; likewise for an empty value.
    """

    file: str
    values: dict[Path_, Point] = field(default_factory=dict)
    keys: dict[Path_, Point] = field(default_factory=dict)
    at_key: frozenset[Path_] = frozenset()  # values better shown at their key: collections, blanks

    def locate(self, field_path: tuple[str | int, ...]) -> Point:
        """(line, column) of the value at ``field_path``, else of its nearest existing parent."""
        path = tuple(field_path)
        while path:
            if path in self.values:
                if path in self.at_key and path in self.keys:
                    return self.keys[path]
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def locate_key(self, field_path: tuple[str | int, ...]) -> Point:
        """(line, column) of the key of ``field_path`` (for unknown keys), else :meth:`locate`."""
        return self.keys.get(tuple(field_path)) or self.locate(field_path)

    @staticmethod
    def dotted(field_path: tuple[str | int, ...]) -> str:
        """``("outcomes", 0, "target")`` -> ``outcomes[0].target``."""
        out = ""
        for part in field_path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def location(self, field_path: tuple[str | int, ...], *, key: bool = False) -> Location:
        """A :class:`Location` for an issue about ``field_path``."""
        line, column = self.locate_key(field_path) if key else self.locate(field_path)
        return Location(self.file, line, column, self.dotted(field_path) or None)


class Loaded(Struct, frozen=True):
    """A valid problem statement with the positions of its values and any warnings."""

    problem: Problem
    source: SourceMap
    warnings: list[Issue]
    path: Path | None = None


class _Fatal(Exception):
    """Stops reading: the file cannot be read further (syntax, size, aliases, nesting)."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


# ---------------------------------------------------------------- entry points


def load_problem(path: Path | str) -> Loaded:
    """Read, parse and validate one problem-statement file; raise InputError with every issue."""
    path = Path(path)
    name = str(path)
    try:
        stat = path.stat()
        if not S_ISREG(stat.st_mode):
            issue = Issue(Location(name), "not a regular file (a folder, device or pipe): give the path of a .yaml file")
            raise InputError([issue], file=name)
        size = stat.st_size
        if size > MAX_BYTES:
            raise InputError([_too_big(name, size)], file=name)
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        issue = Issue(Location(name), f"cannot read the file ({reason}); check the path")
        raise InputError([issue], file=name) from None
    return replace(load_problem_text(data, name), path=path)


def load_problem_text(text: str | bytes, filename: str) -> Loaded:
    """Parse and validate a problem statement given as text or bytes; ``filename`` names it in messages."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise InputError([_too_big(filename, size)], file=filename)
    source_text = _decode(text, filename) if isinstance(text, bytes) else text.removeprefix("\ufeff")
    builder = _Builder(source_text, filename)
    try:
        data = builder.build()
    except _Fatal as fatal:
        raise InputError([fatal.issue], file=filename) from None
    source = builder.source_map()
    problem, issues = _validate(data, source, builder.refused)
    issues = builder.errors + issues
    if issues or problem is None:
        raise InputError(_sorted(issues), file=filename)
    return Loaded(problem, source, _sorted(builder.warnings))


def _too_big(name: str, size: int) -> Issue:
    """Too large to be a problem statement; ``size`` may be a lower bound (a device or pipe is read only so far)."""
    amount = f"{size / MAX_BYTES:.1f} MiB" if size > MAX_BYTES * 1.05 else "more than 1 MiB"
    return Issue(Location(name), f"the file is {amount}; a problem statement may be at most 1 MiB: "
                 "check that this is the right file")


def _integer(text: str) -> int | Decimal:
    """A YAML integer; past 40 digits a Decimal, which the model refuses as too large
    (``int()`` itself refuses 4,300 digits or more with a bare ValueError)."""
    return int(text) if len(text) <= _MAX_INT_CHARS else Decimal(text)


def _tab_at(text: str, line: int) -> bool:
    """Whether line ``line`` (1-based) of ``text`` is indented with a tab, YAML's most common surprise."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return False
    content = lines[line - 1]
    return "\t" in content[: len(content) - len(content.lstrip())]


def _sorted(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda i: (i.location.line or 0, i.location.column or 0))


# ---------------------------------------------------------------- bytes to text


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is allowed) to text; anything else is a located error."""
    encoding = _wide_encoding(data)
    if encoding:
        issue = Issue(Location(name, 1, 1), f"the file is {encoding}; save it as UTF-8")
        raise InputError([issue], file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        message = f"the file is not valid UTF-8 here (byte 0x{data[exc.start]:02X}); save it with the encoding UTF-8"
        raise InputError([Issue(Location(name, line, column), message)], file=name) from None


def _wide_encoding(data: bytes) -> str | None:
    """UTF-32 or UTF-16, told by the byte-order mark or, without one, by the zero bytes of ASCII text.

    UTF-32's little-endian mark starts with UTF-16's (FF FE), so UTF-32 is looked for first.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:4]
    if len(head) == 4 and (head[1:] == b"\x00\x00\x00" or head[:3] == b"\x00\x00\x00"):
        return "UTF-32"
    if len(head) == 4 and all((byte == 0) == (i % 2 == odd) for i, byte in enumerate(head)
                              for odd in [head[0] != 0]):
        return "UTF-16"  # ASCII text as 16-bit units: X 0 Y 0 or 0 X 0 Y
    return None


def _byte_position(data: bytes, offset: int) -> Point:
    """1-based line and column (in characters) of a byte offset."""
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", "replace").removeprefix("\ufeff")) + 1
    return before.count(b"\n") + 1, column


# ---------------------------------------------------------------- YAML events to values


class _Frame(Struct):
    """A mapping or list being built."""

    value: dict[str, Any] | list[Any]
    path: Path_
    anchor: str | None
    refused: bool = False
    size: int = 1
    key: Any = None  # the pending key of a mapping, or None between entries
    seen: dict[str, int] = field(default_factory=dict)


_DISCARD = object()  # the key of a duplicate entry: built, checked, then dropped


class _Builder:
    """Builds Python values from YAML events, recording positions, warnings and errors."""

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self.text, self.scrubbed = _scrub(text)
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.count = 0
        self.values: dict[Path_, Point] = {}
        self.keys: dict[Path_, Point] = {}
        self.at_key: set[Path_] = set()
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.refused: list[Path_] = []
        self.result: Any = None
        self.root_start: Point | None = None

    def source_map(self) -> SourceMap:
        return SourceMap(self.filename, self.values, self.keys, frozenset(self.at_key))

    def build(self) -> dict[str, Any]:
        """The top-level mapping; a located _Fatal for anything that is not one YAML mapping."""
        documents = 0
        for event in self._events():
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._fatal(event, "the file holds more than one YAML document; keep one (remove '---')")
            elif not isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
                self._handle(event)
        return self._top_level()

    def _top_level(self) -> dict[str, Any]:
        if self.result is None and () in self.refused:
            return {}  # the whole document was refused (a tag); that error says it all
        if self.result is None:
            raise _Fatal(Issue(Location(self.filename, 1, 1), _EMPTY_MESSAGE))
        if not isinstance(self.result, dict):
            line, column = self.root_start or (1, 1)
            kind = "a list" if isinstance(self.result, list) else "a single value"
            message = f"the top level is {kind}; it must be a mapping of keys such as 'language:' and 'title:'"
            raise _Fatal(Issue(Location(self.filename, line, column), message))
        return self.result

    def _events(self) -> Iterator[yaml.Event]:
        """The parser's events; a YAML syntax error becomes a located _Fatal."""
        parser = _parser_class()(self.text)
        try:
            while parser.check_event():
                yield parser.get_event()
        except yaml.MarkedYAMLError as exc:
            raise _Fatal(self._syntax_issue(exc)) from None
        except yaml.YAMLError as exc:  # pragma: no cover - the reader's checks are pre-empted by _scrub
            raise _Fatal(Issue(Location(self.filename, 1, 1), f"YAML error: {exc}")) from None
        finally:
            parser.dispose()

    def _syntax_issue(self, exc: yaml.MarkedYAMLError) -> Issue:
        found_line, found_column, detail = yaml_problem(exc)
        line, column = found_line or 1, found_column or 1
        if exc.problem == "exceeded maximum nesting depth":  # libyaml's own limit (1000) looks ahead of ours
            return Issue(Location(self.filename, line, column), _TOO_DEEP)
        hint = ("indent with spaces, never tabs" if _tab_at(self.text, line)
                else "check the indentation, colons and quotes here")
        message = f"YAML syntax error: {detail}; {hint}"
        return Issue(Location(self.filename, line, column), message)

    # -------------------------------------------------------- event handlers

    def _handle(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self._scalar(event)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._start(event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self._end()
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)

    def _start(self, event: yaml.CollectionStartEvent) -> None:
        if self._expecting_key():
            raise self._fatal(event, "a key must be plain text, not a list or mapping")
        if len(self.stack) >= MAX_DEPTH:
            raise self._fatal(event, _TOO_DEEP)
        path = self._child_path(event)
        refused = self._check_tag(event, path, _COLLECTION_TAGS)
        self._count(1, event)
        container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.at_key.add(path)
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(container, path, event.anchor, refused))

    def _end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, frame.size)
        self._attach(None if frame.refused else frame.value, frame.size)

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        if self._expecting_key():
            self._key(event)
            return
        path = self._child_path(event)
        self._count(1, event)
        if not event.value:
            self.at_key.add(path)
        value = self._scalar_value(event, path)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1)
        self._attach(value, 1)

    def _alias(self, event: yaml.AliasEvent) -> None:
        if self._expecting_key():
            raise self._fatal(event, "a key must be plain text, not an alias")
        name = event.anchor
        if name in self.open_anchors:
            raise self._fatal(event, f"the alias *{name} lies inside its own anchor &{name}; it would never end")
        if name not in self.anchors:
            raise self._fatal(event, f"unknown alias *{name}; define the anchor &{name} before using it")
        value, size = self.anchors[name]
        self._child_path(event)
        self._count(size, event, alias=True)
        self._attach(value, size)

    # -------------------------------------------------------- structure

    def _expecting_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].value, dict) and self.stack[-1].key is None

    def _key(self, event: yaml.ScalarEvent) -> None:
        frame = self.stack[-1]
        self._check_tag(event, frame.path + (event.value,), _KEY_TAGS)
        text = self._clean(event.value, event, frame.path + (event.value,))
        point = _point(event.start_mark)
        if text in frame.seen:
            message = f"duplicate key '{text}' (first at line {frame.seen[text]}); remove one of them"
            self.errors.append(Issue(self._location(event, frame.path + (text,)), message))
            frame.key = _DISCARD
            return
        frame.seen[text] = point[0]
        frame.key = text
        self.keys[frame.path + (text,)] = point

    def _child_path(self, event: yaml.Event) -> Path_:
        """The path of the value that starts with ``event``, recording where it is."""
        if not self.stack:
            self.root_start = _point(event.start_mark)
            path: Path_ = ()
        else:
            frame = self.stack[-1]
            index = frame.key if isinstance(frame.value, dict) else len(frame.value)
            path = frame.path + (index,) if index is not _DISCARD else frame.path + ("\0duplicate",)
        self.values[path] = _point(event.start_mark)
        return path

    def _attach(self, value: Any, size: int) -> None:
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.value, list):
            frame.value.append(value)
            return
        if frame.key is not _DISCARD:
            frame.value[frame.key] = value
        frame.key = None

    def _count(self, size: int, event: yaml.Event, *, alias: bool = False) -> None:
        """Bound the values a file expands to, counting every reuse of an anchor in full."""
        self.count += size
        if self.count > MAX_VALUES:
            if alias:
                message = (
                    f"too many aliases: reusing *{event.anchor} expands the file beyond {MAX_VALUES} values; "
                    "write the values out instead of nesting aliases"
                )
            else:
                message = f"the file holds more than {MAX_VALUES} values; a problem statement is far smaller"
            raise self._fatal(event, message)

    def _fatal(self, event: yaml.Event, message: str) -> _Fatal:
        return _Fatal(Issue(Location(self.filename, *_point(event.start_mark)), message))

    def _location(self, event: yaml.Event, path: Path_) -> Location:
        return Location(self.filename, *_point(event.start_mark), SourceMap.dotted(path) or None)

    def _refuse(self, event: yaml.Event, path: Path_, message: str) -> None:
        """A located error for a value that is dropped; validation errors under it are not repeated."""
        self.errors.append(Issue(self._location(event, path), message))
        self.refused.append(path)

    # -------------------------------------------------------- scalars

    def _check_tag(self, event: yaml.NodeEvent, path: Path_, allowed: set[str | None]) -> bool:
        """Refuse (with a located error) any tag that is not plain YAML data; True when refused."""
        tag = event.tag
        if tag in allowed:
            return False
        shown = "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag
        message = (
            f"the tag {shown} is not allowed: a problem statement holds only text, numbers, dates, "
            "lists and mappings; remove the tag"
        )
        self._refuse(event, path, message)
        return True

    def _scalar_value(self, event: yaml.ScalarEvent, path: Path_) -> Any:
        tag = event.tag
        if tag in _PLAIN_TAGS:
            text = event.value
            if tag is None and event.implicit[0]:
                return self._resolved(text, event, path)
            return self._clean(text, event, path)
        if self._check_tag(event, path, _SCALAR_TAGS):
            return None
        return self._explicit(tag, event, path)

    def _resolved(self, text: str, event: yaml.ScalarEvent, path: Path_) -> Any:
        """A plain scalar by YAML 1.2 core rules (plus timestamps); anything else is text."""
        if text in _NULLS:
            return None
        if text in _BOOLS:
            return _BOOLS[text]
        if _INT.match(text):
            return _integer(text)
        if _FLOAT.match(text):
            return Decimal(text)
        if text.lower() in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text.lower()]
        if _TIMESTAMP.match(text):
            return self._timestamp(text, event, path)
        return self._clean(text, event, path)

    def _timestamp(self, text: str, event: yaml.ScalarEvent, path: Path_) -> Any:
        node = yaml.ScalarNode(_YAML_TAG + "timestamp", text)
        try:
            return _TIMESTAMP_CONSTRUCTOR.construct_yaml_timestamp(node)
        except ValueError:
            message = f"'{text}' is not a real date; check day and month"
            self._refuse(event, path, message)
            return None

    def _explicit(self, tag: str, event: yaml.ScalarEvent, path: Path_) -> Any:
        """A scalar with a standard tag such as ``!!str 2027``: the tag decides the type."""
        kind = tag[len(_YAML_TAG) :]
        text = event.value.strip()
        if kind == "str":
            return self._clean(event.value, event, path)
        if kind == "int" and _INT.match(text):
            return _integer(text)
        if kind == "float" and _FLOAT.match(text):
            return Decimal(text)
        if kind == "bool" and text in _BOOLS:
            return _BOOLS[text]
        if kind == "null" and text in _NULLS:
            return None
        if kind == "timestamp" and _TIMESTAMP.match(text):
            return self._timestamp(text, event, path)
        message = f"'{text}' is not a valid !!{kind}; correct the value or remove the tag"
        self._refuse(event, path, message)
        return None

    def _clean(self, text: str, event: yaml.Event, path: Path_) -> str:
        """Rule 7: remove characters a .docx cannot hold, with a warning naming the field."""
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not _SCRUB.search(text):
            return text
        codes = list(dict.fromkeys(self._codes(text, event)))
        plural = "s" if len(codes) > 1 else ""
        message = (
            f"removed the control character{plural} {', '.join(codes)}, which a Word document cannot hold; "
            "check the text here"
        )
        self.warnings.append(Issue(self._location(event, path), message, severity="warning"))
        return _SCRUB.sub("", text)

    def _codes(self, text: str, event: yaml.Event) -> Iterator[str]:
        """The original code points removed from a scalar, in order (sentinels looked up by position)."""
        start, end = event.start_mark.index, event.end_mark.index
        originals = iter(self.scrubbed[bisect.bisect_left(self.scrubbed, (start, "")) :])
        for found in _SCRUB.finditer(text):
            char = found.group()
            if char == _SENTINEL:
                original = next(originals, (end, char))
                char = original[1] if original[0] < end else char
            yield f"U+{ord(char):04X}"


_SCALAR_TAGS = {_YAML_TAG + kind for kind in ("str", "int", "float", "bool", "null", "timestamp")}
_KEY_TAGS = {None, "!", _YAML_TAG + "str"}
_EMPTY_MESSAGE = (
    "the file is empty; a problem statement needs at least language, reference, title, buyer, "
    "problem, outcomes and iteration_budget"
)


def _scrub(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Swap characters the YAML reader refuses for a sentinel, remembering (index, character)."""
    found = [(m.start(), m.group()) for m in _SCRUB.finditer(text)]
    if not found:
        return text, found
    return _SCRUB.sub(_SENTINEL, text), found


def _point(mark: yaml.Mark) -> Point:
    return mark.line + 1, mark.column + 1


def _parser_class() -> type:
    """libyaml's parser, on every machine (:func:`procure.errors.yaml_loader` says why)."""
    return yaml_loader()


# ---------------------------------------------------------------- validation errors to issues


def _validate(data: dict[str, Any], source: SourceMap, refused: list[Path_]) -> tuple[Problem | None, list[Issue]]:
    """Validate once; translate every error, skipping those caused by a value already refused."""
    try:
        return Problem.model_validate(data), []
    except ValidationError as exc:
        issues: list[Issue] = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            if any(loc[: len(bad)] == bad for bad in refused):
                continue
            issues.extend(_translate(error, loc, source))
        return None, issues


def _translate(error: dict[str, Any], loc: Path_, source: SourceMap) -> list[Issue]:
    """One Pydantic error as one or more located issues whose message says what to do."""
    violations = rule_violations(error)
    if violations is not None:
        return [Issue(source.location(loc + rel), message) for rel, message in violations]
    kind = error["type"]
    if kind == "extra_forbidden":
        return [Issue(source.location(loc, key=True), _unknown_key_message(loc))]
    if kind == "missing":
        parent = source.location(loc[:-1])
        return [Issue(replace(parent, field=source.dotted(loc)), _missing_message(loc))]
    return [Issue(source.location(loc), _message(error, loc))]


def _unknown_key_message(loc: Path_) -> str:
    key = str(loc[-1])
    if key == "<<":
        return "merge keys ('<<') are not supported; write the keys out in full"
    import difflib  # only for a mistake

    known = _field_names(loc[:-1])
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    return f"unknown key '{key}'; the keys allowed here are: {', '.join(known)}"


def _missing_message(loc: Path_) -> str:
    key = loc[-1]
    where = f"under '{SourceMap.dotted(loc[:-1])}'" if len(loc) > 1 else "at the top level"
    return f"required key '{key}' is missing; add '{key}:' {where}"


def _message(error: dict[str, Any], loc: Path_) -> str:
    """Pydantic's message, or a plainer one for the common built-in error types."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "string_type":
        return _text_expected(value)
    if kind == "literal_error":
        return _choice_message(value, ctx.get("expected", ""))
    if kind == "list_type":
        start = "is empty;" if value is None else "must be a list;"
        return f"{start} write each item on its own line, starting with '- '"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _mapping_expected(value, loc)
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item; add one"
    return str(error["msg"])


def _text_expected(value: Any) -> str:
    if value is None:
        return "is empty; write a value here"
    if isinstance(value, (dict, list)):
        return "must be text, not a list or mapping"
    shown = _yaml_text(value)
    return f'must be text; put the value in quotes, like "{shown}"'


def _yaml_text(value: Any) -> str:
    """How a non-text scalar was most likely written in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _choice_message(value: Any, expected: str) -> str:
    import difflib  # only for a mistake

    choices = re.findall(r"'([^']*)'", expected)
    message = f"must be one of: {', '.join(choices)}"
    close = difflib.get_close_matches(_yaml_text(value).lower(), choices, n=1, cutoff=0.6)
    return f"{message}; did you mean '{close[0]}'?" if close else message


def _mapping_expected(value: Any, loc: Path_) -> str:
    keys = [name for name, info in _fields(loc).items() if info.is_required()]
    if value is None:
        needed = f": {', '.join(keys)}" if keys else ""
        return f"is empty; write its keys under it{needed}"
    return "must be a mapping of keys (key: value), indented under it"


def _field_names(loc: Path_) -> list[str]:
    return list(_fields(loc))


def _fields(loc: Path_) -> dict[str, Any]:
    """The Pydantic fields of the model at ``loc`` (list indexes skipped), or {} if not a model."""
    model: type[BaseModel] | None = Problem
    for part in loc:
        if model is None:
            return {}
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = _model_in(info.annotation) if info else None
    return dict(model.model_fields) if model else {}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``list[Outcome]`` or ``Tender | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    if origin in (list, Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
