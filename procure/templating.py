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

import os
import re
import traceback
from datetime import date, datetime, timedelta
from decimal import Decimal
import copy
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Undefined, pass_context
from jinja2 import TemplateError as JinjaTemplateError
from jinja2 import TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from procure.errors import Location, ProcureError, TemplateError, yaml_problem

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
    """Escape every printed value unless it is already Markdown."""
    if isinstance(value, MdSafe):
        return value
    return md_escape(_printable(value))


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


@lru_cache(maxsize=1024, typed=True)
def format_date(value: date, language: str) -> str:
    """A date in the long form: nl "14 juni 2027", en "14 June 2027"."""
    from babel.dates import format_date as babel_date

    if not isinstance(value, date):
        raise _FilterError(f"date expects a date, not {type(value).__name__}")
    day = value.date() if isinstance(value, datetime) else value
    return babel_date(day, format="long", locale=_locale(language))


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
    from babel.numbers import format_currency

    if isinstance(amount, bool) or not isinstance(amount, (int, Decimal)):
        raise _FilterError(f"money expects a whole number or Decimal, not {type(amount).__name__}")
    value = Decimal(amount)
    if value == value.to_integral_value():
        return format_currency(
            value, currency, format=_whole_currency_pattern(language),
            locale=_locale(language), currency_digits=False,
        )
    return format_currency(value, currency, locale=_locale(language))


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


def _search_path(templates_dir: Path | None) -> tuple[Path, ...]:
    """The folders searched for templates, a user's override first."""
    builtin = builtin_templates_dir()
    if templates_dir is None or Path(templates_dir).resolve() == builtin:
        return (builtin,)
    return (Path(templates_dir).resolve(), builtin)


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
    if not builtin_path.is_file():
        raise TemplateError(f"no strings.yaml for language {language!r} in {search[-1]}")
    builtin = _read_strings(builtin_path)
    merged = copy.deepcopy(builtin)
    for folder in search[:-1]:
        path = folder / language / "strings.yaml"
        if path.is_file():
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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as err:
        line, column, detail = yaml_problem(err)
        raise TemplateError(f"cannot read strings: {detail}", Location(str(path), line, column)) from None
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as err:
        raise TemplateError(f"cannot read strings: {err}", Location(file=str(path))) from None
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
    if value is None or value == "" or value == []:
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


# --------------------------------------------------------------------------- environment


def capfirst(value: str) -> str:
    """The first letter in upper case and the rest untouched (Jinja's ``capitalize`` lowers the rest,
    which would turn "EU" into "eu")."""
    return value[:1].upper() + value[1:]


@lru_cache(maxsize=None)
def _environment(search: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    """The one sandboxed environment per template search path; compiled templates are cached in it."""
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in search]),
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.filters.update(
        date=_date_filter, datetime=_datetime_filter, money=_money_filter,
        paragraphs=paragraphs, oneline=oneline, plural=_plural_filter,
        add_days=_add_days, or_todo=_or_todo, join_list=_join_list, capfirst=capfirst,
    )
    env.globals.update(todo=_todo, or_todo=_or_todo, proposal=_proposal)
    return env


def environment(templates_dir: Path | None = None) -> ImmutableSandboxedEnvironment:
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
    name = f"{language}/{kind}.md"
    try:
        return _environment(search).get_template(name).render(values)
    except TemplateNotFound as err:
        if err.name != name:  # an include inside the template: point at the line that includes it
            raise _located(err, search, name) from err
        raise TemplateError(f"template {err.name} not found in {', '.join(map(str, search))}") from err
    except (JinjaTemplateError, ProcureError, TypeError, ValueError, ArithmeticError) as err:
        raise _located(err, search, name) from err


def _located(err: Exception, search: tuple[Path, ...], name: str) -> TemplateError:
    """Turn a failure inside a template into an error naming the template file and line."""
    if isinstance(err, TemplateSyntaxError) and err.lineno:
        file = err.filename or err.name or name
        return TemplateError(f"template syntax error: {err.message}", Location(file=file, line=err.lineno))
    roots = tuple(os.path.join(str(folder), "") for folder in search)
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.startswith(roots)]
    message = err.message if isinstance(err, ProcureError) else str(err)
    if not frames:
        return TemplateError(f"template error: {message}", Location(file=name))
    return TemplateError(
        f"template error: {message}", Location(file=frames[-1].filename, line=frames[-1].lineno)
    )
