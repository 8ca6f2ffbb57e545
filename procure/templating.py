"""The one Jinja environment that turns a problem statement into Markdown.

Why so strict: the templates are legal text reviewed like code, and the values
come from users. So the environment is sandboxed (a template cannot reach
Python internals), undefined names are errors (a typo never prints an empty
string into a contract), and every printed value is escaped for Markdown by
``finalize`` (a user's ``# x`` or ``|`` stays text and never becomes a heading
or a table cell). Values that are already Markdown are marked :class:`MdSafe`.

Dates and amounts are formatted with Babel (``nl_NL`` and ``en_GB``); locales,
environments, compiled templates and strings are built once per process.
"""

from __future__ import annotations

import copy
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import cached_property, lru_cache, update_wrapper
from pathlib import Path
from types import BuiltinMethodType, FunctionType, MethodType
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined, Undefined, nodes, pass_context, pass_eval_context
from jinja2 import TemplateError as JinjaTemplateError
from jinja2 import TemplateNotFound, TemplateSyntaxError
from jinja2.bccache import BytecodeCache
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter, sync_do_join
from jinja2.loaders import split_template_path
from jinja2.runtime import BlockReference, LoopContext, Macro, TemplateReference
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import Cycler, Joiner, Namespace
from msgspec import Struct
from pydantic import BaseModel

from procure.errors import Location, ProcureError, TemplateError, read_yaml_file

if TYPE_CHECKING:
    from babel import Locale
    from jinja2.runtime import Context

DocKind = Literal["tender", "consultation"]

#: Babel locale per document language: Dutch as written in the Netherlands, British English.
LOCALES = {"nl": "nl_NL", "en": "en_GB"}

#: Every ASCII punctuation character, backslash-escaped: CommonMark makes any of them literal that way.
_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})
#: Characters markdown-it refuses as numeric references (they become U+FFFD); kept raw instead.
_NO_ENTITY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Placeholder labels are template text; these would break the placeholder or a table row.
_BAD_LABEL = re.compile(r"\]\]|[|\\\n\[]|\]$|^\s|\s$")


class MdSafe(str):
    """Text that is already Markdown: ``finalize`` prints it as it is, without escaping."""

    __slots__ = ()


class _FilterError(ValueError):
    """A value a filter or ``finalize`` cannot print; becomes a located :class:`TemplateError`."""


# --------------------------------------------------------------------------- plain data for templates


class PlainMap(Mapping[str, Any]):
    """A read-only mapping a template reads with dots: ``p.buyer.organisation``.

    Templates never see a live object: a Pydantic model, a record (``msgspec.Struct``) or a dict
    becomes a PlainMap of its fields (and a model's derived ``@property`` values,
    computed on first read), every value itself plain data. In a template a
    name is always a key, never a method: a field called ``items`` or ``get``
    reads the field. Python code may use the ordinary Mapping methods.
    """

    __slots__ = ("_data", "_lazy", "_kind", "_truthy")

    def __init__(self, data: dict[str, Any], lazy: dict[str, Callable[[], Any]] | None = None,
                 kind: type | None = None, truthy: bool | None = None) -> None:
        self._data = data
        self._lazy = dict(lazy or {})
        self._kind = kind  # the class the data came from, to name it in an "unsafe" message
        self._truthy = truthy

    def __getitem__(self, key: str) -> Any:
        if key in self._data:
            return self._data[key]
        if key in self._lazy:
            value = plain(self._lazy.pop(key)())
            self._data[key] = value
            return value
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data or key in self._lazy

    def __iter__(self) -> Iterator[str]:
        yield from self._data
        yield from [key for key in self._lazy if key not in self._data]

    def __len__(self) -> int:
        return len(self._data) + len(self._lazy)

    def __bool__(self) -> bool:
        return len(self) > 0 if self._truthy is None else self._truthy

    def __repr__(self) -> str:
        name = self._kind.__name__ if self._kind else "mapping"
        return f"<{name}: {', '.join(self)}>"


#: Values a template may hold as they are: they have no methods a template can reach (the allow-list
#: below grants a few harmless attributes of str and dates only).
_ATOMS = (str, int, float, Decimal, date, datetime, type(None))


@lru_cache(maxsize=None)
def _derived_properties(cls: type) -> dict[str, property]:
    """The public ``@property`` values a class of ours defines (not those of Pydantic or the stdlib)."""
    found: dict[str, property] = {}
    for klass in reversed(cls.__mro__):
        module = getattr(klass, "__module__", "") or ""
        if klass is object or module.startswith(("pydantic", "msgspec", "builtins", "typing", "collections")):
            continue
        for name, member in vars(klass).items():
            if isinstance(member, (property, cached_property)) and not name.startswith("_"):
                found[name] = member
    return found


def plain(value: Any) -> Any:
    """``value`` as plain data for templates: mappings, tuples, str, numbers, dates and Decimal.

    Generic on purpose: a field or ``@property`` added to a model appears in the
    templates without changes here. Anything else (an object with methods of its
    own) is refused, so a new kind of value is noticed, never exposed.
    """
    if isinstance(value, bool) or isinstance(value, MdSafe):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, _ATOMS):
        return value if type(value) in _ATOMS else _exact_atom(value)
    if isinstance(value, PlainMap):
        return value
    if isinstance(value, BaseModel):
        cls = type(value)
        data = {name: plain(getattr(value, name)) for name in _model_fields(cls)}
        lazy = {name: _bound(prop, value) for name, prop in _derived_properties(cls).items() if name not in data}
        return PlainMap(data, lazy, kind=cls, truthy=True)
    if isinstance(value, Struct):
        cls = type(value)
        data = {name: plain(getattr(value, name)) for name in cls.__struct_fields__ if not name.startswith("_")}
        lazy = {name: _bound(prop, value) for name, prop in _derived_properties(cls).items() if name not in data}
        return PlainMap(data, lazy, kind=cls, truthy=True)
    if isinstance(value, Mapping):
        return PlainMap({_plain_key(key): plain(item) for key, item in value.items()}, kind=type(value))
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(plain(item) for item in value))
    if _ours(value):
        return value  # a function we wrote, passed on purpose (it is called, never looked into)
    raise TypeError(f"a {type(value).__name__} cannot be given to a template; make it plain data first")


@lru_cache(maxsize=None)
def _model_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    return tuple(cls.model_fields)


def _ours(value: Any) -> bool:
    """A plain function defined in procure's own code (not a method, class or builtin)."""
    return isinstance(value, FunctionType) and (getattr(value, "__module__", "") or "").split(".")[0] == "procure"


def _exact_atom(value: Any) -> Any:
    """A subclass of str, int, Decimal or a date as the base type, without the subclass's methods."""
    for base in (str, int, float, Decimal, datetime, date):
        if isinstance(value, base):
            if base is datetime:
                return datetime(value.year, value.month, value.day, value.hour, value.minute,
                                value.second, value.microsecond, value.tzinfo)
            if base is date:
                return date(value.year, value.month, value.day)
            return base(value)
    return value


def _plain_key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"a mapping key {key!r} is not text; templates read text keys only")
    return str(key)


def _bound(prop: Any, owner: Any) -> Callable[[], Any]:
    """A thunk reading a property of ``owner`` when a template first asks for it."""
    return lambda: prop.__get__(owner, type(owner))


# --------------------------------------------------------------------------- sandbox


class UnsafeError(SecurityError):
    """A template reached for something that is not plain data: an attribute, method or callable."""


#: The only attributes a template may read, by type (a PlainMap's keys aside). Everything else,
#: every underscore name, ``format``/``format_map`` and every method of a model, is refused.
_STR_METHODS = frozenset({
    "upper", "lower", "title", "capitalize", "casefold", "strip", "lstrip", "rstrip", "startswith",
    "endswith", "split", "rsplit", "splitlines", "count", "find", "rfind", "isdigit", "isalpha",
    "isalnum", "isspace", "isupper", "islower",
})
_DATE_ATTRIBUTES = frozenset({"year", "month", "day", "weekday", "isoweekday"})
_TIME_ATTRIBUTES = _DATE_ATTRIBUTES | {"hour", "minute", "second"}
_LOOP_ATTRIBUTES = frozenset({
    "index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0",
    "previtem", "nextitem", "cycle", "changed",
})
_MAPPING_METHODS = frozenset({"items", "keys", "values", "get"})

#: Jinja's own globals kept (``lipsum`` is dropped: it only produces filler text, at any length).
_JINJA_GLOBALS = {"dict": dict, "cycler": Cycler, "joiner": Joiner, "namespace": Namespace}


def _allowed_attribute(obj: Any, name: str) -> bool:
    """Whether a template may read ``obj.name`` (for objects other than mappings)."""
    if name.startswith("_"):
        return False
    if isinstance(obj, str):
        return name in _STR_METHODS
    if isinstance(obj, datetime):
        return name in _TIME_ATTRIBUTES
    if isinstance(obj, date):
        return name in _DATE_ATTRIBUTES
    if isinstance(obj, LoopContext):
        return name in _LOOP_ATTRIBUTES
    if isinstance(obj, Cycler):
        return name in {"current", "next", "reset"}
    if isinstance(obj, Namespace):
        return True  # the values the template stored in it (its internals start with an underscore)
    if isinstance(obj, (PlainMap, dict)):
        return name in _MAPPING_METHODS
    return False


def _unsafe(obj: Any, name: str) -> UnsafeError:
    kind = obj._kind if isinstance(obj, PlainMap) and obj._kind else type(obj)
    return UnsafeError(f"access to {name!r} of a {kind.__name__} is unsafe and not allowed in templates; "
                       "templates read the fields of the problem statement and the filters only")


# --------------------------------------------------------------------------- sandbox limits

#: A template is a program from outside: it may not run for ever, fill the memory or print without end.
#: Any one text a template builds or prints is at most MAX_VALUE_CHARS, a document's Markdown at most
#: MAX_OUTPUT_CHARS; rendering one document may take MAX_SECONDS and MAX_MEMORY_BYTES more memory.
#: (The largest problem statement the loader accepts renders to a few MB in well under a second.)
MAX_VALUE_CHARS = 5_000_000
MAX_OUTPUT_CHARS = 50_000_000
MAX_SECONDS = 30.0
MAX_MEMORY_BYTES = 2 * 1024**3
#: Widths, counts and padding a filter or ``%`` may be asked for: a document needs a few dozen.
_MAX_WIDTH = 1000
_FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_deadline: ContextVar[float | None] = ContextVar("procure_template_deadline", default=None)


class LimitError(SecurityError):
    """A template went past one of the sandbox's limits (size, width, time)."""


class _OutOfTime(BaseException):
    """Raised by the alarm inside a template that runs too long (a BaseException, so that no
    ``except Exception`` on the way can swallow it); becomes a located :class:`TemplateError`."""


def _check_size(size: int, what: str) -> None:
    if size > MAX_VALUE_CHARS:
        raise LimitError(f"{what} would make a text of {size:,} characters; a template may build at most "
                         f"{MAX_VALUE_CHARS:,} (a loop that doubles a text, or a huge repeat?)")


def _check_small(number: Any, what: str) -> None:
    if isinstance(number, int) and not -_MAX_WIDTH <= number <= _MAX_WIDTH:
        raise LimitError(f"{what} of {number:,} is too large for a document; at most {_MAX_WIDTH}")
    if isinstance(number, str):
        _check_small(len(number), what)


def _check_format(spec: Any) -> None:
    """``%`` formatting and ``|format`` may not pad to a huge width."""
    if not isinstance(spec, str):
        return
    for width, precision in _FORMAT_SPEC.findall(spec):
        for part in (width, precision):
            if part == "*":
                raise LimitError("a '*' width in a format is not allowed in templates; write the width")
            if part:
                _check_small(int(part), "a format width")


def _check_clock() -> None:
    """Fails when the current document's time is up (where no alarm signal can be used)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise _OutOfTime()


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple)) else None


def _guard(filter_function: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    """A filter that runs ``check`` on its arguments first (keeping Jinja's pass-context marker)."""
    passes = getattr(filter_function, "jinja_pass_arg", None)
    if passes is None:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check(*args, **kwargs)
            return filter_function(*args, **kwargs)
    else:
        def guarded(first: Any, *args: Any, **kwargs: Any) -> Any:
            check(*args, **kwargs)
            return filter_function(first, *args, **kwargs)
    return update_wrapper(guarded, filter_function)


def _replace_check(s: Any, old: Any, new: Any, count: int | None = None) -> None:
    text, old, new = str(s), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    _check_size(len(text) + hits * max(len(new) - len(old), 0), "replace")


def _indent_check(s: Any, width: Any = 4, first: bool = False, blank: bool = False) -> None:
    _check_small(width, "an indent width")
    size = len(width) if isinstance(width, str) else int(width)
    _check_size(len(str(s)) + (str(s).count("\n") + 1) * size, "indent")


@pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    """Jinja's ``join``, stopping as soon as the joined text would pass the limit."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    items, total = [], 0
    for item in value:
        total += len(str(item)) + len(str(d))
        _check_size(total, "join")
        items.append(item)
    return sync_do_join(eval_ctx, items, d)


_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": lambda value, width=80: _check_small(width, "a centring width"),
    "indent": _indent_check,
    "replace": _replace_check,
    "format": lambda value, *args, **kwargs: _check_format(value),
    "batch": lambda value, linecount, fill_with=None: _check_small(linecount, "a batch size"),
    "slice": lambda value, slices, fill_with=None: _check_small(slices, "a number of slices"),
    "wordwrap": lambda s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True: (
        _check_small(wrapstring or "", "a wrap string")),
    "truncate": lambda s, length=255, killwords=False, end="...", leeway=None: _check_small(end, "an ending"),
}


class _LimitedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join that checks the size, the one operator the sandbox cannot intercept."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


@contextmanager
def _limits(seconds: float) -> Iterator[None]:
    """Bound the memory and the time: an alarm in the main thread, else a clock checked on each call."""
    with _memory_budget(MAX_MEMORY_BYTES):
        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
            token = _deadline.set(time.monotonic() + seconds)
            try:
                yield
            finally:
                _deadline.reset(token)
            return
        armed = [True]

        def on_alarm(signum: int, frame: Any) -> None:
            if armed[0]:  # never fires once the rendering is over, even if the signal comes late
                armed[0] = False
                raise _OutOfTime()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        outer = signal.setitimer(signal.ITIMER_REAL, seconds)
        started = time.monotonic()
        try:
            yield
        finally:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer[0] > 0:  # someone else's alarm: give it back, less the time spent here
                signal.setitimer(signal.ITIMER_REAL, max(outer[0] - (time.monotonic() - started), 0.001), outer[1])


@contextmanager
def _memory_budget(extra: int) -> Iterator[None]:
    """Limit the address space to what the process uses now plus ``extra`` (Linux; elsewhere no-op),
    so a template that builds huge data gets a MemoryError instead of taking the machine down."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        budget = used + extra
        if soft != resource.RLIM_INFINITY and soft <= budget:
            budget = None  # a tighter limit is already set by whoever runs us
        elif hard != resource.RLIM_INFINITY:
            budget = min(budget, hard)
        if budget is not None:
            resource.setrlimit(resource.RLIMIT_AS, (budget, hard))
    except (ImportError, OSError, ValueError, AttributeError):
        budget = None
    try:
        yield
    finally:
        if budget is not None:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


#: Part of every compiled template's cache key: code compiled by another environment (without the
#: size checks of _LimitedCodeGenerator, or by an older procure) is never loaded from a bytecode cache.
_CODE_SALT = "procure-safe-environment-1"


class _SaltedCache(BytecodeCache):
    """A bytecode cache whose keys name this sandbox's code generator (see _CODE_SALT)."""

    def __init__(self, inner: BytecodeCache) -> None:
        self.inner = inner

    def load_bytecode(self, bucket: Any) -> None:
        self.inner.load_bytecode(bucket)

    def dump_bytecode(self, bucket: Any) -> None:
        self.inner.dump_bytecode(bucket)

    def clear(self) -> None:
        self.inner.clear()

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        from procure import __version__

        return self.inner.get_cache_key(f"{_CODE_SALT}/{__version__}/{name}", filename)


class SafeEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with an allow-list: templates read plain data and call only what we allow.

    A name on a mapping is always a key (a field named ``items`` is the field); the
    attributes of other values, and the callables, are those listed above; every
    other access raises :class:`UnsafeError` at once, so nothing behind it runs.
    """

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lipsum", "range", *_JINJA_GLOBALS):
            self.globals.pop(name, None)
        self.globals.update(_JINJA_GLOBALS, range=safe_range)  # at most 100,000 numbers
        self.filters["attr"] = self._attr_filter
        self.filters["join"] = _join
        for name, check in _FILTER_CHECKS.items():
            self.filters[name] = _guard(self.filters[name], check)
        self._trusted_ids: set[int] = {id(safe_range)}
        if self.bytecode_cache is not None:
            self.bytecode_cache = _SaltedCache(self.bytecode_cache)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``*``, ``**``, ``+`` and ``%`` with their results' size checked before they are made."""
        _check_clock()
        if operator == "*":
            for text, times in ((left, right), (right, left)):
                if _sized(text) is not None and isinstance(times, int):
                    _check_size(len(text) * times, "repeating a text or list")
        elif operator == "+" and _sized(left) is not None and _sized(right) is not None:
            _check_size(len(left) + len(right), "joining two texts or lists")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right > 0 and right * abs(left).bit_length() > 64 * 1024:
                raise LimitError(f"{left} ** {right} is too large a number for a document")
        result = self.binop_table[operator](left, right)
        if operator == "%" and isinstance(result, str):
            _check_size(len(result), "formatting")
        return result

    def checked_concat(self, values: tuple[Any, ...]) -> str:
        """``a ~ b ~ c``: the texts joined, refused when the result would be too large."""
        texts = [str(value) for value in values]
        _check_size(sum(map(len, texts)), "joining texts with ~")
        return "".join(texts)

    def trust(self, *functions: Any) -> None:
        """Callables of ours a template may call (globals such as ``todo``)."""
        self._trusted_ids.update(id(function) for function in functions)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return _allowed_attribute(obj, attr)

    def is_safe_callable(self, obj: Any) -> bool:
        if id(obj) in self._trusted_ids or isinstance(obj, (Macro, BlockReference, LoopContext, Joiner)):
            return True
        if _ours(obj):  # a global or filter function of ours (attributes of functions stay unreachable)
            return True
        if isinstance(obj, type):
            return obj in (dict, Cycler, Joiner, Namespace)
        if isinstance(obj, (MethodType, BuiltinMethodType)):
            owner = getattr(obj, "__self__", None)
            return owner is not None and not isinstance(owner, type) and _allowed_attribute(owner, obj.__name__)
        return False

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, (PlainMap, dict)):
            if attribute in obj:
                return obj[attribute]
            if attribute in _MAPPING_METHODS:
                return getattr(obj, attribute)
            if attribute.startswith("_") or (isinstance(obj, PlainMap) and obj._kind is not None
                                             and hasattr(obj._kind, attribute)):
                raise _unsafe(obj, attribute)
            return self.undefined(obj=obj, name=attribute)
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            if isinstance(obj, TemplateReference):  # self.block_name
                return obj[attribute]
            if attribute.startswith("_"):
                raise _unsafe(obj, attribute) from None
            return self.undefined(obj=obj, name=attribute)
        except Exception:
            raise _unsafe(obj, attribute) from None
        if _allowed_attribute(obj, attribute):
            return value
        raise _unsafe(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, (PlainMap, dict)):
            if argument in obj:
                return obj[argument]
            return self.undefined(obj=obj, name=argument)
        if isinstance(obj, (str, tuple, list, range)) and isinstance(argument, (int, slice)):
            try:
                return obj[argument]
            except (IndexError, TypeError, ValueError):
                return self.undefined(obj=obj, name=argument)
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_clock()
        if isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()
        if not __self.is_safe_callable(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            raise UnsafeError(f"calling {name!r} is unsafe and not allowed in templates")
        return __context.call(__obj, *args, **kwargs)

    def _attr_filter(self, obj: Any, name: str) -> Any:
        """``value | attr("name")``: the same rules as ``value.name``."""
        if not isinstance(name, str):
            raise UnsafeError("attr needs a name in text")
        return self.getattr(obj, name)


# --------------------------------------------------------------------------- escaping


def _entity(char: str) -> str:
    """A numeric character reference, or the raw character where markdown-it would refuse one."""
    return char if _NO_ENTITY.match(char) else f"&#{ord(char)};"


def _escape_line(line: str) -> str:
    """Escape one line: punctuation backslashed, edge whitespace as entities (Markdown trims it)."""
    body = line.lstrip()
    lead = line[: len(line) - len(body)]
    core = body.rstrip()
    trail = body[len(core) :]
    return "".join(map(_entity, lead)) + core.translate(_ESCAPES) + "".join(map(_entity, trail))


@lru_cache(maxsize=4096)
def md_escape(text: str) -> str:
    """Any text -> Markdown inline source that parses back to exactly that text.

    Every ASCII punctuation character is backslash-escaped, so no character of
    the value can open a heading, list, table cell, emphasis, link, entity or
    placeholder. A newline becomes a hard break; a newline at the very end (where
    Markdown has no hard break) becomes the entity ``&#10;``. Leading and trailing
    whitespace of a line, which Markdown would strip, becomes numeric entities.
    """
    body = text.rstrip("\n")
    tail = "&#10;" * (len(text) - len(body))
    return "\\\n".join(_escape_line(line) for line in body.split("\n")) + tail


def oneline(value: Any) -> MdSafe:
    """Escape a value for a place that must stay on one line (a table cell, a heading).

    A GFM table row cannot contain a line break, so the lines of a multi-line
    value are escaped one by one and joined with a space; empty lines are dropped.
    """
    lines = [line.strip() for line in _printable(value).split("\n")]
    return MdSafe(" ".join(_escape_line(line) for line in lines if line))


def paragraphs(value: Any) -> MdSafe:
    """Multi-paragraph user text -> escaped Markdown paragraphs separated by blank lines.

    A blank line in the value starts a new paragraph. The lines within a
    paragraph are joined by soft breaks, as Markdown readers expect of wrapped
    text in a YAML block scalar; indentation at line starts is not kept.
    """
    blocks: list[list[str]] = [[]]
    for line in _printable(value).split("\n"):
        stripped = line.strip()
        if stripped:
            blocks[-1].append(_escape_line(stripped))
        elif blocks[-1]:
            blocks.append([])
    return MdSafe("\n\n".join("\n".join(block) for block in blocks if block))


def _printable(value: Any) -> str:
    """The text of a value a template may print; anything else is a template bug, refused.

    ``None`` means a template forgot ``todo()``; a date, amount or boolean printed
    raw would read as ``2027-01-15``, ``45000`` or ``True`` in a contract.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Undefined):
        return str(value)  # StrictUndefined raises here, naming the missing variable
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None:
        raise _FilterError("a missing value was printed; guard it with 'if' or use todo(...)")
    raise _FilterError(
        f"a {type(value).__name__} was printed as it is; use a filter such as date, money or plural"
    )


def _finalize(value: Any) -> str:
    """Escape every printed value unless it is already Markdown; a huge value is a template's fault."""
    if isinstance(value, MdSafe):
        _check_size(len(value), "printing a value")
        return value
    text = _printable(value)
    _check_size(len(text), "printing a value")
    return md_escape(text)


# --------------------------------------------------------------------------- Babel


@lru_cache(maxsize=None)
def _locale(language: str) -> Locale:
    """The parsed Babel locale for a document language, once per process."""
    from babel import Locale

    if language not in LOCALES:
        raise _FilterError(f"unknown document language {language!r}; use one of {sorted(LOCALES)}")
    return Locale.parse(LOCALES[language])


@lru_cache(maxsize=None)
def _whole_currency_pattern(language: str) -> str:
    """The locale's currency pattern without decimals, for amounts without cents."""
    pattern = _locale(language).currency_formats["standard"].pattern
    return re.sub(r"\.0+", "", pattern)


#: The long date form of both document languages, as CLDR (Babel) writes it: "d MMMM y" with the
#: month's wide name. Written out here because loading Babel's locale data costs a one-pack render
#: about 20 ms; tests/test_templating.py compares these with Babel for every month.
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


@lru_cache(maxsize=1024, typed=True)
def format_date(value: date, language: str) -> str:
    """A date in the long form: nl "14 juni 2027", en "14 June 2027"."""
    if not isinstance(value, date):
        raise _FilterError(f"date expects a date, not {type(value).__name__}")
    day = value.date() if isinstance(value, datetime) else value
    months = _MONTHS.get(language)
    if months is None:  # not a document language: Babel's locale lookup says so
        from babel.dates import format_date as babel_date

        return babel_date(day, format="long", locale=_locale(language))
    return f"{day.day} {months[day.month - 1]} {day.year}"


def format_datetime(value: date, language: str) -> str:
    """A date with its time when it has one: "15 januari 2027, 14:00"; a plain date stays a date."""
    text = format_date(value, language)
    if isinstance(value, datetime):
        return f"{text}, {value:%H:%M}"
    return text


@lru_cache(maxsize=1024, typed=True)
def format_money(amount: Decimal | int, currency: str, language: str) -> str:
    """An amount in a currency: nl "€ 40.000" / "€ 40.000,50", en "€40,000" / "€40,000.50".

    Decimals appear only when the amount has a fraction: tender documents state
    round budgets without ",00", and an amount with cents is never rounded away.
    """
    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)):
        raise _FilterError(f"money expects a whole number or Decimal, not {type(amount).__name__}")
    value = Decimal(amount)
    euros = _euros(value, language) if currency == "EUR" else None
    if euros is not None:
        return euros
    from babel.numbers import format_currency

    if value == value.to_integral_value():
        return format_currency(
            value, currency, format=_whole_currency_pattern(language),
            locale=_locale(language), currency_digits=False,
        )
    return format_currency(value, currency, locale=_locale(language))


#: Euro amounts in the document languages as Babel's CLDR patterns write them (nl "¤ #,##0.00", with a
#: no-break space; en "¤#,##0.00"): the sign, then the separators between thousands and before the cents.
#: Written out for the same reason as :data:`_MONTHS`; tests/test_templating.py compares with Babel.
_EURO_FORMS = {"nl": ("€\u00a0", ".", ","), "en": ("€", ",", ".")}


def _euros(value: Decimal, language: str) -> str | None:
    """An amount in euros as :func:`format_money` writes it, for the amounts documents hold (not negative,
    at most two decimals); None for any other (Babel formats those, rounding and signs included)."""
    form = _EURO_FORMS.get(language)
    if form is None or not value.is_finite() or value.is_signed():
        return None
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        return None
    sign, thousands, decimal = form
    if value == value.to_integral_value():
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}"
    return sign + text.translate({ord(","): thousands, ord("."): decimal})


# --------------------------------------------------------------------------- strings


@lru_cache(maxsize=1)
def builtin_templates_dir() -> Path:
    """Where the built-in templates live: the installed package's data, else the checkout's ``templates/``.

    The installed copy is looked for first: ``site-packages/templates`` may belong to
    another distribution, while ``procure/templates`` can only be ours.
    """
    installed = Path(__file__).resolve().parent / "templates"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "templates"


class TemplateFileError(TemplateError):
    """A file in a template folder that may not be used: a link out of the folder, a pipe, a device."""


def check_template_file(folder: Path, path: Path) -> bool:
    """Whether ``path`` (inside template ``folder``) exists; refuse it when it is not a plain file there.

    A template folder may come from anyone: a symbolic link that leads out of it (to
    ``/etc/passwd``, to another project's secrets) is refused, and so is anything that is not a
    regular file (a pipe would hang the render, a device would be read without end). Both are
    reported rather than silently replaced by the built-in template.
    """
    if not os.path.lexists(path):
        return False
    where = Location(file=str(path))
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise TemplateFileError(f"{path} is a symbolic link to a file that does not exist (or a link loop); "
                                "remove it or make it a file", where) from None
    root = folder.resolve()
    if not target.is_relative_to(root):
        raise TemplateFileError(f"{path} leads outside the template folder {folder} (to {target}); templates "
                                "may only use files inside their folder: copy the file in instead of linking",
                                where)
    if not stat.S_ISREG(target.stat().st_mode):
        raise TemplateFileError(f"{path} is not a regular file (a folder, pipe or device); a template must be "
                                "a text file", where)
    return True


class _FolderLoader(FileSystemLoader):
    """Jinja's FileSystemLoader, refusing links out of its folder and special files (see above)."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            if check_template_file(Path(folder), Path(folder).joinpath(*pieces)):
                break
        return super().get_source(environment, template)


def _search_path(templates_dir: Path | tuple[Path, ...] | None) -> tuple[Path, ...]:
    """The folders searched for templates, first wins: the given folder(s), then those of
    ``PROCURE_TEMPLATES``, then the built-in set (see :mod:`procure.template_sets`)."""
    from procure.template_sets import search_path

    return search_path(templates_dir)


def load_strings(language: str, templates_dir: Path | None = None) -> dict[str, Any]:
    """The strings of a language (titles, cover labels, units): ``<lang>/strings.yaml``.

    An override folder's ``strings.yaml`` is merged over the built-in one: labels
    key by key at any depth, so a user can change one cover label without copying
    the file; lists, and the default evaluation, are replaced whole. Every value
    must keep the built-in one's kind (text, number, list of the same length).
    """
    return _load_strings(language, _search_path(templates_dir))


#: Entries replaced whole by an override, never merged: their parts only make sense together
#: (the default criteria's weights must still sum to 100 with its price weight).
_WHOLE_ENTRIES = frozenset({"default_evaluation"})


@lru_cache(maxsize=None)
def _load_strings(language: str, search: tuple[Path, ...]) -> dict[str, Any]:
    builtin_path = search[-1] / language / "strings.yaml"
    if not check_template_file(search[-1], builtin_path):
        raise TemplateError(f"no strings.yaml for language {language!r} in {search[-1]}")
    builtin = _read_strings(builtin_path)
    merged = copy.deepcopy(builtin)
    for folder in reversed(search[:-1]):  # the first folder wins, so it is merged last
        path = folder / language / "strings.yaml"
        if check_template_file(folder, path):
            override = _read_strings(path)
            _merge(merged, override)
            _require_same_shape(merged, builtin, path)
            _require_whole_evaluation(merged, path)
    return merged


def _merge(base: dict[str, Any], override: dict[str, Any]) -> None:
    """Merge ``override`` into ``base`` key by key at every depth, but for the whole entries."""
    for key, value in override.items():
        if key not in _WHOLE_ENTRIES and isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _shape(value: Any) -> str:
    """What kind of value a string entry is, for comparing an override with the built-in."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if not value or isinstance(value[0], dict) else f"a list of {len(value)}"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return type(value).__name__
    return "a number" if isinstance(value, int) else "a text"


def _require_same_shape(merged: Any, builtin: Any, path: Path, name: str = "") -> None:
    """Every entry of the built-in strings is still there after an override, of the same kind."""
    if _shape(merged) != _shape(builtin):
        raise TemplateError(f"'{name}' must be {_shape(builtin)}, like the built-in strings.yaml's, "
                            f"not {_shape(merged)}", Location(file=str(path)))
    if isinstance(builtin, dict):
        for key, value in builtin.items():
            where = f"{name}.{key}" if name else key
            if key not in merged:
                raise TemplateError(f"'{where}' is missing; copy it from the built-in strings.yaml",
                                    Location(file=str(path)))
            _require_same_shape(merged[key], value, path, where)


def _require_whole_evaluation(merged: dict[str, Any], path: Path) -> None:
    """The default evaluation an override gives must be one the model accepts (weights sum to 100)."""
    from pydantic import ValidationError

    from procure.model import Evaluation

    try:
        Evaluation.model_validate(merged["default_evaluation"])
    except ValidationError as err:
        problem = err.errors()[0]
        field = ".".join(str(part) for part in ("default_evaluation", *problem["loc"]))
        raise TemplateError(f"'{field}': {problem['msg']}", Location(file=str(path))) from None


def _read_strings(path: Path) -> dict[str, Any]:
    """One strings.yaml as a mapping; a YAML error is located at its line and column."""
    data = read_yaml_file(path, "strings")
    if not isinstance(data, dict):
        raise TemplateError("strings.yaml must be a mapping of names to texts", Location(file=str(path)))
    return data


def placeholder_text(label: str, strings: dict[str, Any]) -> str:
    """The visible text of a placeholder: ``[in te vullen: label]``."""
    return f"[{strings['placeholder_prefix']}: {label}]"


def _strings_of(context: Context) -> dict[str, Any]:
    """The strings dict of the document being rendered (``s`` in the context)."""
    return context["s"]


# --------------------------------------------------------------------------- filters and globals


@pass_context
def _date_filter(context: Context, value: date) -> str:
    return format_date(value, context["lang"])


@pass_context
def _datetime_filter(context: Context, value: date) -> str:
    return format_datetime(value, context["lang"])


@pass_context
def _money_filter(context: Context, amount: Decimal | int, currency: str = "EUR") -> str:
    return format_money(amount, currency, context["lang"])


@pass_context
def _plural_filter(context: Context, count: int, unit: str) -> str:
    """``6 | plural("week")`` -> "6 weken": the unit's forms come from ``units`` in strings.yaml."""
    forms = _strings_of(context)["units"].get(unit)
    if forms is None:
        raise _FilterError(f"unknown unit {unit!r}; add it under 'units' in strings.yaml")
    one, many = forms
    return f"{count} {one if count == 1 else many}"


def _add_days(value: date, days: int) -> date:
    """A date some calendar days later, for derived dates such as the end of the standstill."""
    if not isinstance(value, date):
        raise _FilterError(f"add_days expects a date, not {type(value).__name__}")
    return value + timedelta(days=days)


@pass_context
def _todo(context: Context, label: str) -> MdSafe:
    """A visible placeholder, ``[[in te vullen: label]]``, for an optional value that is missing.

    The label is template text (never a user value): it is shown as written, so
    it must not hold what would end the placeholder or split a table row.
    """
    if not label or _BAD_LABEL.search(label):
        raise _FilterError(f"todo label {label!r} may not hold '[', ']', '|', '\\' or a line break")
    return MdSafe(f"[{placeholder_text(label, _strings_of(context))}]")


@pass_context
def _proposal(context: Context, label: str) -> MdSafe:
    """A visible proposal, ``[[?voorstel – bevestigen: label]]``: a choice procure made for the buyer
    (default award criteria, example procedure bands) that the buyer must confirm or replace.

    Like a placeholder it is template text, ends in the field that settles it ("gunningscriteria,
    tender.evaluation"), and is listed by ``check``; a document holding one is a draft.
    """
    if not label or _BAD_LABEL.search(label):
        raise _FilterError(f"proposal label {label!r} may not hold '[', ']', '|', '\\' or a line break")
    return MdSafe(f"[[?{_strings_of(context)['proposal_prefix']}: {label}]]")


@pass_context
def _or_todo(context: Context, value: Any, label: str) -> Any:
    """The value itself, or a placeholder when it is missing (None or empty)."""
    if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
        return _todo(context, label)
    return value


@pass_context
def _join_list(context: Context, items: list[Any]) -> MdSafe:
    """Escaped items joined as prose: "a, b en c" / "a, b and c"."""
    parts = [_finalize(item) for item in items]
    if len(parts) <= 1:
        return MdSafe("".join(parts))
    word = _strings_of(context)["and_word"]
    return MdSafe(f"{', '.join(parts[:-1])} {word} {parts[-1]}")


# --------------------------------------------------------------------------- cross-references


class CrossReferenceError(TemplateError):
    """A ``ref()`` to a heading key no heading of the document defines (``key``: the key,
    ``defined``: the keys its headings do define)."""

    def __init__(self, message: str, location: Location, key: str, defined: frozenset[str],
                 doc: str | None = None) -> None:
        super().__init__(message, location)
        self.key = key
        self.defined = defined
        self.doc = doc  # the other document of the pack referred to (``ref(..., doc=...)``), if any


class _DanglingReference(_FilterError):
    """``ref(key, doc=...)`` to a key the other document does not define (raised inside the template,
    so it is located at the calling line, then made a :class:`CrossReferenceError`)."""

    def __init__(self, message: str, key: str, defined: frozenset[str], doc: str) -> None:
        super().__init__(message)
        self.key, self.defined, self.doc = key, defined, doc


class _XrefState:
    """What one rendering knows of its cross-references: where each ``key()`` and ``ref()`` was
    called (template file and line, for errors found once the whole document exists), and the keyed
    headings of the other documents of the pack it referred to."""

    def __init__(self, values: dict[str, Any], lookup: bool = False) -> None:
        self.values = values
        self.lookup = lookup  # rendering another document only for its headings
        self.keys: dict[str, tuple[Any, int] | None] = {}  # key -> (template, compiled line) of key()
        self.refs: dict[str, tuple[Any, int] | None] = {}  # key -> (template, compiled line) of its first ref()
        self.repeated: dict[str, tuple[Any, int] | None] = {}  # key -> its second key()
        self.others: dict[str, Any] = {}


_xref_state: ContextVar[_XrefState | None] = ContextVar("procure_xref_state", default=None)


def _caller_position() -> tuple[Any, int] | None:
    """The innermost template calling us and the line of its compiled code (mapped to the template's
    own line only when an error needs it: the mapping costs more than the call)."""
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            return template, frame.f_lineno
        frame = frame.f_back
    return None


def _checked_key(name: Any, what: str) -> str:
    from procure import xref

    if not xref.valid_key(name):
        raise _FilterError(f"{what} {name!r} is not a heading key: use letters, digits and _ . : - only")
    return name


@pass_context
def _key(context: Context, name: str) -> MdSafe:
    """``# Beoogde uitkomsten {{ key("outcomes") }}``: the heading's key, the target of ``ref("outcomes")``.
    It ends the heading line and is not shown."""
    from procure import xref

    name = _checked_key(name, "key")
    state = _xref_state.get()
    if state is not None:
        if name not in state.keys:
            state.keys[name] = _caller_position()
        elif name not in state.repeated:
            state.repeated[name] = _caller_position()  # where a duplicate key is reported
    return MdSafe(xref.key_suffix(name))


@pass_context
def _ref(context: Context, name: str, what: str = "number", doc: str | None = None) -> MdSafe:
    """A cross-reference to the heading with key ``name``: its number (``ref("outcomes")`` -> 5) or,
    with ``"title"``, its title. Within the document it is a link the Word renderer makes a REF field
    of; with ``doc="agreement"`` it is the number (or title) that heading has in that document of the
    pack, as plain text."""
    from procure import xref

    name = _checked_key(name, "ref")
    if what not in xref.WHATS:
        raise _FilterError(f"ref({name!r}, {what!r}): what to show is 'number' or 'title'")
    state = _xref_state.get()
    if doc is None:
        if state is not None and not state.lookup and name not in state.refs:
            state.refs[name] = _caller_position()
        return MdSafe(xref.link("", name, what))
    if not isinstance(doc, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", doc):
        raise _FilterError(f"ref(..., doc={doc!r}): doc names a document template of the pack, such as 'agreement'")
    if state is None:
        raise _FilterError(f"ref(..., doc={doc!r}) needs the other documents of the pack: render the document "
                           "with procure (render_markdown), not the template alone")
    if state.lookup:
        return MdSafe("")  # this document is rendered for its headings only
    headings = _other_headings(context, state, doc)
    heading = headings.get(name)
    if heading is None:
        raise _DanglingReference(f"cross-reference to '{name}', which no heading of {context['lang']}/{doc}.md "
                                 f"defines{xref.nearest_hint(name, headings)}", name, frozenset(headings), doc)
    return MdSafe(heading.shown(what))


def _other_headings(context: Context, state: _XrefState, doc: str) -> dict[str, Any]:
    """The keyed headings of another document of the pack, rendered for the same problem statement."""
    from procure import xref

    if doc not in state.others:
        pack = state.values.get("p")  # the same object for every document of a pack (build.shared_context)
        key = (context.environment, context["lang"], doc)
        if pack is not None and _PACK_HEADINGS.get("pack") is pack and key in _PACK_HEADINGS:
            state.others[doc] = _PACK_HEADINGS[key]
            return state.others[doc]
        template = context.environment.get_template(f"{context['lang']}/{doc}.md")
        inner = _XrefState({**state.values, "doc_kind": doc}, lookup=True)
        token = _xref_state.set(inner)
        try:
            text = template.render(inner.values)
        finally:
            _xref_state.reset(token)
        try:
            state.others[doc] = xref.scan_headings(text)
        except xref.DuplicateKey as err:
            raise _FilterError(f"in {context['lang']}/{doc}.md: {err}") from None
        if pack is None:
            return state.others[doc]
        if _PACK_HEADINGS.get("pack") is not pack:
            _PACK_HEADINGS.clear()
            _PACK_HEADINGS["pack"] = pack
        _PACK_HEADINGS[key] = state.others[doc]
    return state.others[doc]


#: The other documents' headings found for the pack being built, so that the tender and the price form
#: render the agreement for its article numbers once per pack, not each: keyed by the pack's shared
#: problem data (``"pack"``, held so its identity stays valid), then by environment, language and document.
_PACK_HEADINGS: dict[Any, Any] = {}


def _resolve_references(text: str, state: _XrefState, name: str) -> str:
    """Check every key and reference of a rendered document and write each reference's number."""
    from procure import xref

    def where(position: tuple[Any, int] | None) -> Location:
        if position is None:
            return Location(file=name)
        template, compiled_line = position
        return Location(file=template.filename, line=template.get_corresponding_lineno(compiled_line))

    try:
        headings = xref.scan_headings(text)
    except xref.DuplicateKey as err:
        other = state.repeated.get(err.key)
        also = f" (the other key() is at {where(other).prefix()})" if other else ""
        raise TemplateError(f"template error: {err}{also}", where(state.keys.get(err.key))) from None
    for key, position in state.keys.items():
        if key not in headings:
            raise TemplateError(f"template error: key({key!r}) must end a heading line (# Title {{{{ key({key!r}) }}}})",
                                where(position))
    for key, _what in xref.reference_links(text):
        if key not in headings:
            raise CrossReferenceError(
                f"template error: cross-reference to '{key}', which no heading of {name} defines"
                f"{xref.nearest_hint(key, headings)}", where(state.refs.get(key)), key, frozenset(headings))
    return xref.fill_links(text, headings) if headings else text


# --------------------------------------------------------------------------- environment


def capfirst(value: str) -> str:
    """The first letter in upper case and the rest untouched (Jinja's ``capitalize`` lowers the rest,
    which would turn "EU" into "eu")."""
    return value[:1].upper() + value[1:]


def _bytecode_cache() -> Any:
    """Jinja's compiled templates kept between runs, in ``$XDG_CACHE_HOME/procure/jinja`` (``~/.cache``).

    Compiling the templates is about a fifth of a one-pack render; a run after
    the first loads them instead. Jinja keys each entry by the template's file
    name and checks the source's checksum and the Python version, so an edited
    template or another Python recompiles. ``PROCURE_NO_CACHE=1`` switches the
    cache off; a cache folder that cannot be written only costs speed, and one
    that others may write to is not used (compiled templates are code: see
    :mod:`procure.cache`).
    """
    from jinja2 import FileSystemBytecodeCache

    from procure.cache import cache_folder

    class QuietCache(FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    folder = cache_folder("jinja")
    return None if folder is None else QuietCache(str(folder))


@lru_cache(maxsize=None)
def _environment(search: tuple[Path, ...]) -> SafeEnvironment:
    """The one sandboxed environment per template search path; compiled templates are cached in it."""
    env = SafeEnvironment(
        loader=ChoiceLoader([_FolderLoader(str(folder)) for folder in search]
                            + [PrefixLoader({"builtin": _FolderLoader(str(search[-1]))})]),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(
        date=_date_filter, datetime=_datetime_filter, money=_money_filter,
        paragraphs=paragraphs, oneline=oneline, plural=_plural_filter,
        add_days=_add_days, or_todo=_or_todo, join_list=_join_list, capfirst=capfirst,
    )
    env.globals.update(todo=_todo, or_todo=_or_todo, proposal=_proposal, range=safe_range, key=_key, ref=_ref)
    env.trust(_todo, _or_todo, _proposal, safe_range, _key, _ref)
    return env


def environment(templates_dir: Path | None = None) -> SafeEnvironment:
    """The environment for a templates override folder (or the built-in templates alone)."""
    return _environment(_search_path(templates_dir))


def render_markdown(
    kind: DocKind, context: dict[str, Any], templates_dir: Path | None = None
) -> str:
    """Render ``<lang>/<kind>.md`` with the context (``p``, ``lang``, ``procedure``, ...) to Markdown.

    ``s`` (the strings) and ``doc_kind`` are filled in when the caller did not pass them.
    Every Jinja failure becomes a :class:`TemplateError` located at the template file and line.
    """
    search = _search_path(templates_dir)
    values = dict(context)
    language = values["lang"]
    if "s" not in values:
        values["s"] = _load_strings(language, search)
    values.setdefault("doc_kind", kind)
    values = {name: plain(value) for name, value in values.items()}  # never a live object
    name = f"{language}/{kind}.md"
    state = _XrefState(values)
    token = _xref_state.set(state)
    try:
        text = _render_limited(_environment(search).get_template(name), values)
    except TemplateFileError:
        raise  # already names the file that may not be used
    except _OutOfTime as err:
        raise _located(err, search, name, f"rendering took longer than {MAX_SECONDS:g} seconds, the limit "
                       "for one document (a loop without end, or loops nested over large ranges?)") from None
    except RecursionError as err:
        raise _located(err, search, name, "recursion too deep (a macro or include that calls itself "
                       "without end?)") from None
    except MemoryError as err:
        raise _located(err, search, name, "rendering needed more memory than the limit for one document "
                       "(a template that builds huge texts or lists?)") from None
    except TemplateNotFound as err:
        if err.name != name:  # an include inside the template: point at the line that includes it
            raise _located(err, search, name) from err
        raise TemplateError(f"template {err.name} not found in {', '.join(map(str, search))}") from err
    except _DanglingReference as err:
        located = _located(err, search, name)
        raise CrossReferenceError(located.message, located.location, err.key, err.defined, err.doc) from None
    except (JinjaTemplateError, ProcureError, TypeError, ValueError, ArithmeticError) as err:
        raise _located(err, search, name) from err
    finally:
        _xref_state.reset(token)
    return _resolve_references(text, state, name)  # needs the whole document: forward references


def _render_limited(template: Any, values: dict[str, Any]) -> str:
    """Render within the sandbox's limits of time, memory and output size."""
    chunks: list[str] = []
    total = 0
    generator = template.generate(values)
    try:
        with _limits(MAX_SECONDS):
            for chunk in generator:
                total += len(chunk)
                if total > MAX_OUTPUT_CHARS:
                    raise LimitError(f"the document would be longer than {MAX_OUTPUT_CHARS:,} characters, the "
                                     "limit for one document")
                chunks.append(chunk)
                _check_clock()
    except (_OutOfTime, LimitError) as err:
        if getattr(err, "position", None) is None:  # stopped between two pieces of output: where it was
            err.position = _generator_position(generator)  # type: ignore[union-attr]
        raise
    finally:
        generator.close()
    return "".join(chunks)


def _generator_position(generator: Any) -> tuple[str, int] | None:
    """The template file and line a suspended rendering stands at (innermost include first)."""
    found = None
    while generator is not None:
        frame = getattr(generator, "gi_frame", None)
        template = frame.f_globals.get("__jinja_template__") if frame is not None else None
        if template is not None and template.filename:
            found = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        generator = getattr(generator, "gi_yieldfrom", None)
    return found


def _located(err: BaseException, search: tuple[Path, ...], name: str, message: str | None = None) -> TemplateError:
    """Turn a failure inside a template into an error naming the template file and line."""
    if isinstance(err, TemplateSyntaxError) and err.lineno:
        file = err.filename or err.name or name
        return TemplateError(f"template syntax error: {err.message}", Location(file=file, line=err.lineno))
    if message is None:
        message = err.message if isinstance(err, ProcureError) else str(err)
    where = getattr(err, "position", None) or _template_position(err, search)
    if where is None:
        return TemplateError(f"template error: {message}", Location(file=name))
    return TemplateError(f"template error: {message}", Location(file=where[0], line=where[1]))


def _template_position(err: BaseException, search: tuple[Path, ...]) -> tuple[str, int] | None:
    """The innermost template file and line in a traceback: Jinja's rewritten frames, or (for an
    error Jinja did not rewrite, such as the alarm) the compiled template's line mapped back."""
    roots = tuple(os.path.join(str(folder), "") for folder in search)
    found = None
    tb = err.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        filename = tb.tb_frame.f_code.co_filename
        if template is not None and template.filename:
            found = (template.filename, template.get_corresponding_lineno(tb.tb_lineno))
        elif filename.startswith(roots):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
