"""The problem statement as typed, frozen data: the input contract (docs/problem-statement.md).

Attribute names are the YAML keys of that reference exactly, so templates, examples
and users' files all speak one vocabulary. Every rule of it (1-7) is
enforced here, with a message that says what to do, so that a file that
validates always renders. This module does no I/O: the loader reads YAML,
keeps positions and turns the errors raised here into located messages.

Rules that relate several fields (ceiling, date order) are field validators
reading the fields validated before them, so they still run when an unrelated
field is wrong and each error carries its own field path. The one rule that
crosses blocks (consultation ``responses_due`` before the tender's first date)
raises a ``procure_rules`` error on ``tender`` whose context holds the
violation with a path relative to it; :func:`rule_violations` unpacks it, so
the loader reports it at the right line.

Choices worth knowing:

- Surrounding whitespace is stripped from every text; an optional text that is
  blank counts as absent. ``\\r\\n`` and ``\\r`` become ``\\n``.
- A date-time field accepts a date alone and keeps it a date (no invented time);
  strings such as ``2027-01-15T14:00`` are parsed as ISO 8601. Every date field
  (``responses_due`` included) accepts a date or a date-time.
- Rule 5 compares by the clock when both values carry a time, else by calendar
  day, and "before" is strict (see :func:`is_before`).
- Amounts are decimals with at most two decimals, so that ``45.000`` (a Dutch
  thousands separator read as a decimal point) is refused instead of becoming 45.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Callable, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

#: Characters a .docx (XML 1.0) cannot hold, plus invisible controls nobody means to type:
#: C0 controls other than tab, newline and carriage return (normalised to newline),
#: DEL and C1 controls other than NEL, surrogates and the two non-characters U+FFFE/U+FFFF.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
CPV_PATTERN = re.compile(r"^[0-9]{8}-[0-9]$")
CHECK_CODE_PATTERN = re.compile(r"^PRC[0-9]{3}$")
_LOCAL_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
EMAIL_PATTERN = re.compile(rf"^{_LOCAL_PART}@{_DOMAIN}$")
_DATE_TEXT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME_TEXT = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?$"
)
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")

#: The order rule 5 demands, as dotted paths from the top of the file.
DATE_ORDER: tuple[str, ...] = (
    "consultation.responses_due",
    "tender.published",
    "tender.questions_due",
    "tender.submission_deadline",
    "tender.award_decision",
    "tender.contract_start",
)
TENDER_DATE_FIELDS: tuple[str, ...] = tuple(p.split(".", 1)[1] for p in DATE_ORDER[1:])

ProcedureCode = Literal[
    "auto",
    "open",
    "restricted",
    "competitive_dialogue",
    "competitive_with_negotiation",
    "innovation_partnership",
    "national_open",
    "multiple_private",
    "single_private",
]

Violation = tuple[tuple[str | int, ...], str]


# ---------------------------------------------------------------- helpers for errors


def _fail(kind: str, message: str, **context: Any) -> PydanticCustomError:
    """A Pydantic error with our own type and a message that says what to do."""
    return PydanticCustomError(kind, message, context or None)


def _raise_violations(violations: list[Violation]) -> None:
    """Raise every cross-field violation of one model at once (see module docstring)."""
    if violations:
        summary = "; ".join(f"{'.'.join(map(str, loc)) or '(here)'}: {msg}" for loc, msg in violations)
        raise _fail("procure_rules", "{summary}", summary=summary, violations=violations)


def rule_violations(error: dict[str, Any]) -> list[Violation] | None:
    """The violations packed in a ``procure_rules`` error of ``ValidationError.errors()``, else None."""
    if error.get("type") != "procure_rules":
        return None
    return list(error["ctx"]["violations"])


#: Decimals with more digits than this are shown in scientific notation in messages.
MAX_SHOWN_DIGITS = 24
#: No public IT contract comes near a trillion; a larger amount is a typing error.
MAX_AMOUNT = Decimal(10) ** 12
#: Iterations beyond this are a typing error (a thousand two-week cycles is 38 years).
MAX_ITERATIONS = 1000


def show(value: object) -> str:
    """A value as a message shows it: decimals without exponent, date-times to the minute."""
    if isinstance(value, Decimal):
        if value.is_finite() and abs(value.adjusted()) > MAX_SHOWN_DIGITS:
            return f"{value:.3E}"  # never a message with a million digits in it
        return format(value, "f")
    if isinstance(value, datetime):
        spec = "minutes" if value.second == 0 and value.microsecond == 0 else "auto"
        return value.isoformat(sep="T", timespec=spec)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------- text


def _before(func: Callable[[Any], Any]) -> _Validator:
    """Run ``func`` on the raw value before Pydantic's own validation (like ``BeforeValidator``)."""
    return _Validator(func, core_schema.no_info_before_validator_function)


def _after(func: Callable[[Any], Any]) -> _Validator:
    """Run ``func`` on the value Pydantic validated (like ``AfterValidator``)."""
    return _Validator(func, core_schema.no_info_after_validator_function)


class _Validator:
    """A validator of the value alone, in an ``Annotated`` type. Pydantic's own ``BeforeValidator`` and
    ``AfterValidator`` inspect the function's signature at every field that uses the type (a few
    milliseconds of every start, on about a hundred fields); this marker hands Pydantic the core schema
    directly, which is the documented ``__get_pydantic_core_schema__`` hook."""

    __slots__ = ("func", "wrap")

    def __init__(self, func: Callable[[Any], Any], wrap: Callable[..., Any]) -> None:
        self.func = func
        self.wrap = wrap

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return self.wrap(self.func, handler(source))


def _normalise_text(value: Any) -> Any:
    """Line endings to ``\\n`` before anything else looks at the text."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _refuse_forbidden(value: str) -> str:
    """Rule 7 for directly built models: refuse what a .docx cannot hold (the loader removes it)."""
    found = FORBIDDEN_CHARS.search(value)
    if found:
        raise _fail(
            "control_character",
            "contains the control character {code} at position {position}, which a Word document "
            "cannot hold; remove it",
            code=f"U+{ord(found.group()):04X}",
            position=found.start() + 1,
        )
    return value


#: The longest text a field may hold: about eight pages; a longer one belongs in an annex.
MAX_TEXT_CHARS = 20_000


def _not_too_long(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise _fail("text_too_long", "is {length} characters long; a field may hold at most {limit} (about eight "
                    "pages): shorten it and refer to an annex for the rest",
                    length=f"{len(value):,}", limit=f"{MAX_TEXT_CHARS:,}")
    return value


def _required_text(value: str) -> str:
    """Rule 1: a required text holds more than whitespace (stripping already happened)."""
    if not value:
        raise _fail("empty_text", "is empty; write a value here")
    return _refuse_forbidden(_not_too_long(value))


def _blank_to_none(value: Any) -> Any:
    """An optional text that is blank is absent: a draft may leave it empty."""
    value = _normalise_text(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _optional_text(value: str | None) -> str | None:
    return None if value is None else _refuse_forbidden(_not_too_long(value))


def _none_to_empty(value: Any) -> Any:
    """An optional list left empty in YAML (``evidence:``) is an empty list, as in a draft."""
    return [] if value is None else value


# The JSON Schema of each type (``procure schema``, for editors) states what its validators accept:
# the same patterns and bounds, so that an editor underlines what procure refuses and nothing else.
_TEXT_SCHEMA = {"type": "string", "pattern": r"\S"}
Text = Annotated[str, _before(_normalise_text), _after(_required_text),
                 WithJsonSchema(_TEXT_SCHEMA)]
OptionalText = Annotated[str | None, _before(_blank_to_none), _after(_optional_text)]
TextList = Annotated[list[Text], _before(_none_to_empty)]


def _pattern(regex: re.Pattern[str], kind: str, message: str) -> Callable[[str], str]:
    """An after-validator that checks a text against ``regex`` and explains the format if not."""

    def check(value: str) -> str:
        if not regex.match(value):
            raise _fail(kind, message, value=value)
        return value

    return check


Reference = Annotated[
    Text,
    _after(
        _pattern(
            REFERENCE_PATTERN,
            "reference_format",
            "'{value}' cannot be used: a reference starts with a letter or digit and holds only "
            "letters, digits, '.', '_' and '-', at most 64 characters (it becomes part of file "
            "names), e.g. ZV-2027-004",
        )
    ),
    WithJsonSchema({"type": "string", "pattern": REFERENCE_PATTERN.pattern}),
]
Email = Annotated[
    Text,
    _after(
        _pattern(
            EMAIL_PATTERN,
            "email_format",
            "'{value}' is not an e-mail address; write one like inkoop@example.nl",
        )
    ),
    WithJsonSchema({"type": "string", "pattern": EMAIL_PATTERN.pattern}),
]
Currency = Annotated[
    Text,
    _after(
        _pattern(
            CURRENCY_PATTERN,
            "currency_format",
            "'{value}' is not an ISO 4217 currency code; write three capital letters, like EUR",
        )
    ),
    WithJsonSchema({"type": "string", "pattern": CURRENCY_PATTERN.pattern}),
]
CpvCode = Annotated[
    Text,
    _after(
        _pattern(
            CPV_PATTERN,
            "cpv_format",
            "'{value}' is not a CPV code; write eight digits, a hyphen and the check digit, "
            "like 72000000-5 (quote it if it has no hyphen)",
        )
    ),
    WithJsonSchema({"type": "string", "pattern": CPV_PATTERN.pattern}),
]
CheckCode = Annotated[
    Text,
    _after(
        _pattern(CHECK_CODE_PATTERN, "check_code_format", "'{value}' is not a check code; write one like PRC101")
    ),
    WithJsonSchema({"type": "string", "pattern": CHECK_CODE_PATTERN.pattern}),
]


# ---------------------------------------------------------------- numbers and dates


def _whole_number(value: Any) -> Any:
    """Whole numbers only: 12.5, "12" and true are refused rather than silently converted."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        raise _fail("out_of_range", "{value} is far too large; check the number", value=show(value))
    raise _fail("whole_number", "must be a whole number, like 4; {value} is not", value=_describe(value))


def _describe(value: Any) -> str:
    """How a wrong value is named in a message: quoted text, or the value itself."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return str(value).lower()
    return show(value)


def _between(low: int, high: int | None, message: str) -> Callable[[int], int]:
    """An after-validator for an inclusive range with a message that says why it matters."""

    def check(value: int) -> int:
        if value < low or (high is not None and value > high):
            raise _fail("out_of_range", message, value=value)
        return value

    return check


def _whole(low: int, high: int | None, message: str) -> Any:
    bounds = {"minimum": low} if high is None else {"minimum": low, "maximum": high}
    return Annotated[int, _before(_whole_number), _after(_between(low, high, message)),
                     WithJsonSchema({"type": "integer", **bounds})]


def _amount(value: Any) -> Decimal:
    """Money in the major unit: a plain number, positive, at most two decimals."""
    number = _to_decimal(value)
    if not number.is_finite():
        raise _fail("amount", "must be a finite amount, like 45000")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise _fail(
            "amount_decimals",
            "{value} has more than two decimals; write the amount without thousands separators, "
            "like 45000 or 45000.50",
            value=show(number),
        )
    if number <= 0:
        raise _fail("amount_positive", "must be more than 0; {value} is not", value=show(number))
    if number > MAX_AMOUNT:
        raise _fail("amount_too_large", "{value} is more than a trillion; check the amount (in the currency's "
                    "major unit, excluding VAT)", value=show(number))
    return number


def _to_decimal(value: Any) -> Decimal:
    """Accept an int, a Decimal, a float or plain digits; refuse text such as '€ 45.000,-'."""
    if isinstance(value, bool):
        raise _fail("amount", "must be an amount, like 45000; true/false is not")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and _PLAIN_NUMBER.match(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            pass
    raise _fail(
        "amount",
        "must be a plain number, like 45000 (no currency sign, no thousands separators); "
        "{value} is not",
        value=_describe(value),
    )


#: The dates a procurement can have: anything outside is a typo (0207 for 2027), and keeping dates
#: here means date arithmetic (periods, the standstill's end) can never leave the calendar.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2200, 12, 31)


def _to_when(value: Any) -> date | datetime:
    """A date or date-time: YAML gives them typed; ISO 8601 strings are parsed too."""
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, str):
        text = value.strip()
        parsed: date | datetime | None = None
        try:
            if _DATE_TEXT.match(text):
                parsed = date.fromisoformat(text)
            elif _DATETIME_TEXT.match(text):
                parsed = datetime.fromisoformat(text.replace("t", "T").replace("z", "Z"))
        except ValueError:
            raise _fail("date_value", "'{value}' is not a real date; check day and month", value=text) from None
        if parsed is not None:
            return _in_range(parsed)
    raise _fail(
        "date_format",
        "must be a date like 2027-01-15 or a date-time like 2027-01-15T14:00; {value} is not",
        value=_describe(value),
    )


def _in_range(value: date | datetime) -> date | datetime:
    if not EARLIEST_DATE <= calendar_day(value) <= LATEST_DATE:
        raise _fail("date_range", "{value} lies outside {low} to {high}; check the year (a typo such as "
                    "0207 for 2027?)", value=value.isoformat(), low=EARLIEST_DATE.year, high=LATEST_DATE.year)
    return value


#: What ``_amount`` accepts, for the JSON Schema: a positive number up to a trillion, or its plain digits as text.
_AMOUNT_SCHEMA = {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_AMOUNT)},
                            {"type": "string", "pattern": r"^\s*\+?[0-9]+(\.[0-9]{1,2})?\s*$"}]}
#: What ``_to_when`` accepts, for the JSON Schema. Not ``format: date-time``: that is RFC 3339, which
#: demands seconds and a time zone, while a tender's 2027-02-04T14:00 has neither.
WHEN_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$")
Amount = Annotated[Decimal, _before(_amount), WithJsonSchema(_AMOUNT_SCHEMA)]
IterationWeeks = _whole(
    1, 13, "must be 1 to 13 weeks, not {value}: a cycle longer than a quarter is not short; plan shorter iterations"
)
Iterations = _whole(1, MAX_ITERATIONS, f"must be 1 to {MAX_ITERATIONS}, not {{value}}: the contract starts with "
                    "at least one iteration")
OptionIterations = _whole(0, MAX_ITERATIONS, f"must be 0 to {MAX_ITERATIONS}, not {{value}}")
Pages = _whole(1, None, "must be at least 1 page, not {value}")
CriterionWeight = _whole(1, 100, "must be 1 to 100 (a percentage), not {value}; drop a criterion that weighs nothing")
PriceWeight = _whole(0, 100, "must be 0 to 100 (a percentage), not {value}")
Candidates = _whole(1, 100, "must be 1 to 100 candidates, not {value}")
SchemaVersion = _whole(1, 1, "this version of procure reads schema_version 1, not {value}; write 1")
When = Annotated[datetime | date, _before(_to_when),
                 WithJsonSchema({"type": "string", "pattern": WHEN_PATTERN})]


def is_before(earlier: date | datetime, later: date | datetime) -> bool:
    """Rule 5's "before": by the clock when both carry a time, else by calendar day (strictly earlier)."""
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        if (earlier.tzinfo is None) == (later.tzinfo is None):
            return earlier < later
    return calendar_day(earlier) < calendar_day(later)


def calendar_day(value: date | datetime) -> date:
    """The calendar day of a date or date-time (a date-time's date part)."""
    return value.date() if isinstance(value, datetime) else value


# ---------------------------------------------------------------- the models


class _Model(BaseModel):
    """Common configuration: unknown keys are errors, values never change after loading;
    no list and no name is longer than a document can carry (see :func:`_within_limits`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _sizes(cls, data: Any) -> Any:
        return _within_limits(data)


#: Sizes no procurement needs, which would make documents no word processor can lay out (a
#: 200,000-character title stopped LibreOffice). Lists: at most MAX_LIST_ITEMS items (outcomes
#: more, as a large programme may list many); names and titles at most MAX_NAME_CHARS characters.
MAX_LIST_ITEMS = 1000
_MAX_ITEMS_OF = {"outcomes": 10_000}
MAX_NAME_CHARS = 300
_NAME_FIELDS = frozenset({"title", "name", "organisation", "department"})


def _within_limits(data: Any) -> Any:
    """Refuse an over-long list or name in a model's input, each at its own field (any model, any field)."""
    if not isinstance(data, dict):
        return data
    violations: list[Violation] = []
    for key, value in data.items():
        limit = _MAX_ITEMS_OF.get(key, MAX_LIST_ITEMS)
        if isinstance(value, list) and len(value) > limit:
            violations.append(((key,), f"has {len(value):,} items; at most {limit:,} fit in a tender document: "
                               "group or shorten them"))
        elif key in _NAME_FIELDS and isinstance(value, str) and len(value.strip()) > MAX_NAME_CHARS:
            violations.append(((key,), f"is {len(value.strip()):,} characters long; a name or title may have at "
                               f"most {MAX_NAME_CHARS} (titles head pages, tables and every page header): "
                               "shorten it and put the rest in the description"))
    _raise_violations(violations)
    return data


class Contact(_Model):
    name: Text = Field(description="Who answers questions from the market: a person or a team.")
    email: Email = Field(description="The contact's e-mail address, e.g. inkoop@example.nl.")
    phone: OptionalText = Field(None, description="The contact's telephone number (optional; quote it in YAML).")


class Buyer(_Model):
    organisation: Text = Field(description="The contracting authority, e.g. Gemeente Zuiderveld.")
    department: OptionalText = Field(None, description="The department or team inside the organisation (optional).")
    kind: Literal["central", "sub_central"] | None = Field(
        None,
        description="central (central government) or sub_central (municipalities, provinces, water boards and other "
        "authorities); decides the EU threshold. Absent: settled by buyer.authority_type, or, where the value "
        "lies between the two thresholds, the documents show a placeholder and check reports it.",
    )
    authority_type: Literal["municipality", "province", "water_board", "central_government", "other"] | None = Field(
        None,
        description="Added by procure: what sort of public body buys. Settles buyer.kind when that is absent "
        "(central_government is central, the others sub-central) and which general terms procure proposes: "
        "GIBIT only for a municipality, ARBIT-2022 for central government (optional).",
    )
    contact: Contact = Field(description="The person or team suppliers write to.")


class ProblemBlock(_Model):
    statement: Text = Field(
        description="The problem in the buyer's words, without prescribing a solution; may hold several paragraphs.",
    )
    affected_users: list[Text] = Field(min_length=1, description="Who experiences the problem; at least one group.")
    current_situation: OptionalText = Field(None, description="How it works today, with figures (optional).")
    evidence: TextList = Field([], description="Facts or sources that show the problem (optional).")
    constraints: TextList = Field(
        [],
        description="Boundary conditions such as open standards, security, privacy or accessibility; never a solution"
        " (optional).",
    )
    out_of_scope: TextList = Field([], description="What this procurement does not cover (optional).")

    #: Extension (optional): what the buyer has already done about the problem (research, pilots,
    #: earlier contracts) and what it showed. The tender states prior work only from this field.
    prior_work: OptionalText = Field(
        default=None,
        description="What the buyer has already done about the problem (research, pilots, earlier "
                    "contracts) and what that showed; the tender says nothing about prior work without it.",
    )



class Outcome(_Model):
    title: Text = Field(description="A short name for the result the buyer pays for.")
    indicator: Text = Field(description="What is measured.")
    baseline: Text = Field(description="Where the indicator stands today, with a figure and when it was measured.")
    target: Text = Field(description="Where the indicator must be, with a figure.")
    measured_by: OptionalText = Field(
        None,
        description="Source, method and frequency of the measurement (optional).",
    )
    value_area: Literal["current_value", "unrealized_value", "time_to_market", "ability_to_innovate"] | None = Field(
        None,
        description="Evidence-Based Management key value area (optional): current_value, unrealized_value, "
        "time_to_market or ability_to_innovate.",
    )
    leading_indicator: OptionalText = Field(None, description=(
        "An early signal the team reports at every review, before the outcome itself can be measured "
        "(e.g. 'share of test users who submit a complete application'); the stop/go decision steers on it. "
        "Absent: the documents say the team proposes one at the first planning."))


class IterationBudget(_Model):
    currency: Currency = Field("EUR", description="ISO 4217 code of the amounts; default EUR.")
    iteration_weeks: IterationWeeks = Field(description="Length of one iteration in whole weeks, 1 to 13.")
    iterations: Iterations = Field(description="Iterations contracted at the start, at least 1.")
    per_iteration: Amount = Field(
        description="The most paid for one iteration, in the currency's major unit, excluding VAT, more than 0 and at"
        " most two decimals.",
    )
    option_iterations: OptionIterations = Field(
        0,
        description="Extra iterations the buyer may call off after a positive stop/go decision; default 0.",
    )
    ceiling: Amount | None = Field(
        None,
        description="The maximum value of the whole contract including options, excluding VAT; at least iterations * "
        "per_iteration (optional).",
    )
    payment: Literal["fixed_per_iteration", "capped_time_and_materials"] = Field(
        "fixed_per_iteration",
        description="fixed_per_iteration (default) or capped_time_and_materials.",
    )

    @property
    def initial_commitment(self) -> Decimal:
        return self.iterations * self.per_iteration

    @property
    def maximum_value(self) -> Decimal:
        if self.ceiling is not None:
            return self.ceiling
        return (self.iterations + self.option_iterations) * self.per_iteration

    @field_validator("ceiling")
    @classmethod
    def _ceiling_covers_commitment(cls, ceiling: Decimal | None, info: ValidationInfo) -> Decimal | None:
        """Rule 3: a ceiling below the initial commitment could not pay for the contracted iterations.

        A field validator (not a model one) so that it runs even when an unrelated field is wrong.
        """
        iterations, per_iteration = info.data.get("iterations"), info.data.get("per_iteration")
        if ceiling is None or iterations is None or per_iteration is None:
            return ceiling
        if ceiling < iterations * per_iteration:
            raise _fail(
                "ceiling_too_low",
                "must be at least {iterations} * {per_iteration} = {commitment} (iterations * per_iteration); "
                "raise the ceiling or lower per_iteration",
                iterations=iterations,
                per_iteration=show(per_iteration),
                commitment=show(iterations * per_iteration),
            )
        return ceiling


class Session(_Model):
    """A meeting with the market. ``when`` keeps a date alone as a date: no time is invented."""

    when: When = Field(description="Date or date-time of the meeting with the market, e.g. 2027-01-15T14:00.")
    where: OptionalText = Field(None, description="Where the session takes place, e.g. Online (optional).")

    #: Extension (optional): the last moment to register for the meeting.
    registration_due: When | None = Field(
        default=None,
        description="The last date (and time) to register for the meeting; before the meeting itself.",
    )

    @field_validator("registration_due")
    @classmethod
    def _registration_before_meeting(cls, due: date | datetime | None, info: ValidationInfo) -> date | datetime | None:
        """Registering after the meeting has begun is no registration: the deadline comes first."""
        when = info.data.get("when")
        if due is not None and when is not None and is_before(when, due):
            raise _fail(
                "date_order",
                "must not be after consultation.session.when ({previous}): people register before the "
                "meeting; move this date earlier",
                previous=show(when),
            )
        return due



class Consultation(_Model):
    questions: list[Text] = Field(
        min_length=1,
        description="The questions to the market; at least one when the consultation block is present.",
    )
    session: Session | None = Field(
        None,
        description="A meeting with the market before the responses are due (optional).",
    )
    responses_due: When | None = Field(
        None,
        description="Date (or date-time) by which the market's written responses are due.",
    )
    max_pages: Pages | None = Field(
        None,
        description="The most pages a written response may have (optional, at least 1).",
    )
    published: When | None = Field(None, description=(
        "Date the consultation invitation is published; the invitation's document date when "
        "document.date is absent."))
    #: Extensions (optional): what the consultation yielded and what the buyer changed because of it.
    #: The tender states the consultation's effect only from these fields, never by default.
    outcome: OptionalText = Field(
        default=None,
        description="What the consultation yielded, in a few sentences (the tender's market consultation "
                    "section quotes it; a placeholder where absent).",
    )
    changes: TextList = Field(
        default=[],
        description="What the buyer changed in the tender because of the consultation, one item each.",
    )
    disclose_budget: StrictBool = Field(
        default=False,
        description="true: the consultation invitation states the price per iteration and the maximum "
                    "value. By default it does not, so that a question on a realistic price is not "
                    "answered with the buyer's own figure (anchoring).",
    )
    report_published: bool | None = Field(None, description=(
        "true when the buyer publishes the anonymised consultation report with the tender; only then does "
        "the tender document refer to it and list it as an annex."))

    @field_validator("responses_due")
    @classmethod
    def _after_session(cls, due: date | datetime | None, info: ValidationInfo) -> date | datetime | None:
        """Rule 5: the session informs the written responses, so it comes first."""
        session = info.data.get("session")
        if due is not None and session is not None and not is_before(session.when, due):
            raise _fail(
                "date_order",
                "must be after consultation.session.when ({previous}): the session comes before the "
                "responses; move this date later or the session earlier",
                previous=show(session.when),
            )
        return due


OptionMonths = _whole(1, 120, "must be 1 to 120 months, not {value}")
DecisionDays = _whole(1, 30, "must be 1 to 30 working days, not {value}: the decision follows the review closely")
RepairDays = _whole(1, 60, "must be 1 to 60 working days, not {value}")
ExitHours = _whole(1, 10000, "must be 1 to 10000 hours, not {value}")


class ScaleUp(_Model):
    """What calling off options may cover beyond more iterations of the same team."""

    covers: Literal["rollout", "operation_and_maintenance", "hosting", "licences"] = Field(description=(
        "What the option covers: rollout (taking a working result into use more widely), "
        "operation_and_maintenance, hosting or licences."))
    maximum: Amount = Field(description="The most this option may cost over the whole contract, excluding VAT; "
                            "part of the contract's estimated value.")
    description: OptionalText = Field(None, description="What the option covers, in the buyer's words.")
    #: Extension (optional): how long a service option runs, so that bidders can price it and the
    #: agreement knows when it ends. A rollout is a delivery and has none.
    months: OptionMonths | None = Field(None, description=(
        "How long the option runs once called off, in months from the start date the go names "
        "(operation_and_maintenance, hosting and licences; not used for a rollout). Absent: the documents show "
        "a placeholder, because a bidder cannot price a service without its period."))


class ExitSupport(_Model):
    """Handover and exit support after the end of the contract, budgeted and priced in the price form."""

    hours: ExitHours = Field(description="The most hours of exit support the buyer may call off after the "
                             "contract ends; also the reference quantity in the evaluated price.")
    max_rate: Amount = Field(description="The highest hourly exit rate, excluding VAT, a tender may offer; "
                             "hours * max_rate is the exit budget, part of the estimated value.")

    @property
    def budget(self) -> Decimal:
        return self.hours * self.max_rate


class ContractTerms(_Model):
    """Optional: the buyer's choices for the draft agreement. Each absent choice shows in the documents as
    a placeholder or a visible proposal, never as a silent default."""

    minimum_iterations: Iterations | None = Field(None, description=(
        "The iterations the buyer commits to and pays for in any case (the minimum commitment), at most "
        "iteration_budget.iterations; after them the buyer may stop after any iteration. Absent: all "
        "iterations of the initial term are the minimum commitment."))
    decision_days: DecisionDays | None = Field(None, description=(
        "Working days after a review within which the buyer takes the acceptance and stop/go decision."))
    repair_days: RepairDays | None = Field(None, description=(
        "Working days the supplier has to repair what was rejected, at its own cost (also after a stop)."))
    exit_support: ExitSupport | None = Field(None, description=(
        "Handover and exit support after the contract ends: the most hours the buyer may call off and the "
        "highest hourly exit rate; priced in the price form and counted in the evaluated price."))
    scale_up: Annotated[list[ScaleUp], _before(_none_to_empty)] = Field([], description=(
        "Options that cover more than further iterations (rollout, operation and maintenance, hosting, "
        "licences), each with its maximum; they count towards the estimated value."))
    price_index: OptionalText = Field(None, description=(
        "The index the buyer may apply to the prices once a year when the contract may last more than a "
        "year, e.g. 'CBS cao-lonen per uur, sector informatie en communicatie'."))
    court: OptionalText = Field(None, description="The court with jurisdiction over disputes under the "
                                "agreement, e.g. 'Rechtbank Midden-Nederland'.")

    @property
    def scale_up_total(self) -> Decimal:
        return sum((item.maximum for item in self.scale_up), Decimal(0))


class Criterion(_Model):
    name: Text = Field(description="The name of a quality award criterion.")
    weight: CriterionWeight = Field(description="Its weight in percent, a whole number from 1 to 100.")
    description: OptionalText = Field(None, description="What the criterion looks at (optional).")


class Evaluation(_Model):
    price_weight: PriceWeight = Field(
        description="The weight of price in percent, 0 to 100; with the criteria's weights it sums to exactly 100.",
    )
    criteria: Annotated[list[Criterion], _before(_none_to_empty)] = Field(
        [],
        description="The quality award criteria.",
    )

    @model_validator(mode="after")
    def _weights_make_100(self) -> Evaluation:
        """Rule 4: quality weights plus price weight are whole percentages summing to exactly 100."""
        total = self.price_weight + sum(c.weight for c in self.criteria)
        if total != 100:
            parts = " + ".join(str(c.weight) for c in self.criteria) or "none"
            message = (
                f"weights sum to {total} (price_weight {self.price_weight} + criteria {parts}); "
                "they must sum to exactly 100: adjust the weights"
            )
            raise _fail("weights_sum", message)
        return self


class Tender(_Model):
    procedure: ProcedureCode = Field(
        "auto",
        description="auto (default: derived from the maximum value and the thresholds in force) or one of open, "
        "restricted, competitive_dialogue, competitive_with_negotiation, innovation_partnership, "
        "national_open, multiple_private, single_private.",
    )
    published: When | None = Field(None, description="Date (or date-time) the tender is announced.")
    questions_due: When | None = Field(
        None,
        description="Date (or date-time) by which suppliers' questions must be in.",
    )
    submission_deadline: When | None = Field(None, description="Date (or date-time) by which tenders must be in.")
    award_decision: When | None = Field(None, description="Date (or date-time) of the award decision.")
    contract_start: When | None = Field(None, description="Date (or date-time) the contract starts.")
    evaluation: Evaluation | None = Field(
        None,
        description="Price and quality weights (optional; a template default applies when absent).",
    )
    #: Extensions (optional) for the tender's procedure chapters; placeholders where absent.
    platform: OptionalText = Field(
        default=None,
        description="The electronic system through which questions and tenders are submitted, e.g. "
                    "TenderNed or the buyer's own platform; never assumed (a placeholder where absent).",
    )
    min_candidates: Candidates | None = Field(
        default=None,
        description="Two-stage procedures: the least number of suitable candidates invited to tender.",
    )
    max_candidates: Candidates | None = Field(
        default=None,
        description="Two-stage procedures: the most candidates invited to tender; above it the "
                    "selection_criteria decide.",
    )
    selection_criteria: TextList = Field(
        default=[],
        description="Two-stage procedures: the objective criteria that choose among more suitable "
                    "candidates than max_candidates, one item each.",
    )
    minimum_requirements: TextList = Field(
        default=[],
        description="Competitive procedure with negotiation and innovation partnership: the minimum "
                    "requirements every tender meets, which are not negotiated, one item each.",
    )
    innovation_need: OptionalText = Field(
        default=None,
        description="Innovation partnership: the need for an innovative service that products already "
                    "on the market cannot meet.",
    )
    phase_end_conditions: TextList = Field(
        default=[],
        description="Innovation partnership: the conditions on which the buyer may end the partnership "
                    "after a phase, one item each.",
    )
    #: Extension: the general purchasing terms that govern the contract, when the buyer's
    #: kind does not settle it (a water board or province may use its own rather than GIBIT).
    general_terms: OptionalText = Field(
        None,
        description="Added by procure: the general purchasing terms that govern the contract, when the buyer's kind "
        "does not settle them (defaults: ARBIT-2022 for central government, GIBIT for municipalities).",
    )
    court: OptionalText = Field(
        None,
        description="Added by procure: the court that hears disputes about the tender, e.g. 'de "
        "voorzieningenrechter van de rechtbank Den Haag'; a placeholder where absent (optional).",
    )
    complaints_desk: OptionalText = Field(
        None,
        description="Added by procure: the buyer's independent complaints desk (klachtenmeldpunt): its name and "
        "address, e-mail or web form; a placeholder where absent (optional).",
    )

    @field_validator("max_candidates")
    @classmethod
    def _max_not_below_min(cls, most: int | None, info: ValidationInfo) -> int | None:
        """A maximum below the minimum could never be met."""
        least = info.data.get("min_candidates")
        if most is not None and least is not None and most < least:
            raise _fail("out_of_range", "must be at least tender.min_candidates ({least}), not {value}; "
                        "raise the maximum or lower the minimum", least=least, value=most)
        return most

    @field_validator(*TENDER_DATE_FIELDS[1:])
    @classmethod
    def _dates_in_order(cls, value: date | datetime | None, info: ValidationInfo) -> date | datetime | None:
        """Rule 5 within the tender: each present date lies after the latest earlier one present."""
        if value is None:
            return value
        earlier = TENDER_DATE_FIELDS[: TENDER_DATE_FIELDS.index(str(info.field_name))]
        present = [(name, info.data[name]) for name in earlier if info.data.get(name) is not None]
        if present and not is_before(present[-1][1], value):
            raise _fail("date_order", date_order_message(f"tender.{present[-1][0]}", present[-1][1]))
        return value

    def first_date(self) -> tuple[str, date | datetime] | None:
        """The earliest date of the timetable that is present, with its field name."""
        for name in TENDER_DATE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                return name, value
        return None


def date_order_message(previous_path: str, previous: date | datetime) -> str:
    """The message of a rule-5 violation, naming the date that must come first."""
    order = ", ".join(p.split(".", 1)[1] for p in DATE_ORDER)
    return (
        f"must be after {previous_path} ({show(previous)}); dates run in this order: {order}; "
        "move this date later or the earlier one back"
    )


class IgnoredCheck(_Model):
    """One linter finding the buyer has decided to accept, with the reason on record."""

    code: CheckCode = Field(description="The code of the check to switch off for this file, e.g. PRC301.")
    reason: Text = Field(description="Why the finding is accepted; kept on record, never printed in the documents.")


class Checks(_Model):
    """Optional extension for ``procure check``: findings to ignore. The documents never print it."""

    ignore: Annotated[list[IgnoredCheck], _before(_none_to_empty)] = Field(
        [],
        description="Checks switched off for this file, each with a reason.",
    )


class PolicyBand(_Model):
    """One band of the buyer's own below-threshold policy: ``procedure`` for maximum values below ``below``."""

    procedure: Literal["single_private", "multiple_private", "national_open"] = Field(
        description="The procedure of this band: single_private, multiple_private or national_open.",
    )
    below: Amount | None = Field(
        None,  # absent: up to the EU threshold in force for the buyer
        description="The band covers maximum values below this amount, excluding VAT; absent: up to the EU threshold "
        "in force (last band only).",
    )


class ProcurementPolicy(_Model):
    """Optional: the buyer's procurement policy (inkoopbeleid), replacing procure's example bands.

    Values no band covers (at or above the last limit, below the EU threshold) get the
    national open procedure; at or above the threshold the law decides, not the policy.
    """

    bands: list[PolicyBand] = Field(
        min_length=1,
        description="The value bands of the buyer's procurement policy, from the lowest limit to the highest; at "
        "least one.",
    )

    @field_validator("bands")
    @classmethod
    def _limits_increase(cls, bands: list[PolicyBand]) -> list[PolicyBand]:
        """The first band that fits wins, so a limit at or below an earlier one could never apply."""
        violations: list[Violation] = []
        previous: Decimal | None = None
        for index, band in enumerate(bands):
            if band.below is None and index < len(bands) - 1:
                violations.append(((index,), "a band without 'below' runs up to the EU threshold, so it must "
                                   "be the last band; give it a limit or move it to the end"))
            elif band.below is not None and previous is not None and band.below <= previous:
                violations.append(((index, "below"), f"must be above the previous band's limit ({show(previous)}); "
                                   "list the bands from the lowest limit to the highest"))
            previous = band.below if band.below is not None else previous
        _raise_violations(violations)
        return bands


def _version_text(value: Any) -> Any:
    """A version is text: ``2`` is read as "2", but ``1.10`` unquoted is a number YAML has made 1.1."""
    if isinstance(value, bool) or isinstance(value, float):
        raise _fail("version_number", "is read as a number ({value}), which loses digits such as the 0 "
                    "of 1.10; write the version in quotes, like '1.0'", value=value)
    if isinstance(value, int):
        value = str(value)
    return _blank_to_none(value)


VersionText = Annotated[str | None, _before(_version_text), _after(_optional_text)]


class DocumentInfo(_Model):
    """What the documents of the pack say about themselves on their title page."""

    version: VersionText = Field(None, description=(
        "Version of the documents, on their title page (for example '0.3' or '1.0'); without it the "
        "title page shows a placeholder and the documents are drafts."))
    date: When | None = Field(None, description=(
        "Date of the documents, on their title page; without it the publication date "
        "(consultation.published for the consultation invitation, tender.published for every other "
        "document), else a placeholder."))


class Problem(_Model):
    """One procurement: who buys, the problem, the outcomes, the cycles and the timetable."""

    schema_version: SchemaVersion = Field(1, description="The version of this file format; 1 (the default).")
    language: Literal["nl", "en"] = Field(description="The language of the documents: nl or en.")
    reference: Reference = Field(
        description="The procurement reference: a letter or digit, then letters, digits, '.', '_' or '-', at most 64 "
        "characters; used in file names and headers.",
    )
    title: Text = Field(description="A short title of the procurement.")
    buyer: Buyer = Field(description="Who buys.")
    problem: ProblemBlock = Field(description="The problem to be solved, in the buyer's words.")
    outcomes: list[Outcome] = Field(
        min_length=1,
        description="The measurable results the buyer pays for; at least one.",
    )
    iteration_budget: IterationBudget = Field(
        description="The short cycles the buyer commits to and what each may cost.",
    )
    consultation: Consultation | None = Field(
        None,
        description="What the market-consultation invitation needs (optional block).",
    )
    tender: Tender | None = Field(None, description="What the tender document needs (optional block).")
    cpv_codes: Annotated[list[CpvCode], _before(_none_to_empty)] = Field(
        [],
        description="Common Procurement Vocabulary (CPV 2008) codes, eight digits, a hyphen and a check digit, e.g. "
        "72000000-5 (optional).",
    )
    checks: Checks | None = Field(
        None,
        description="Added by procure: settings for procure check; never printed in the documents (optional).",
    )
    procurement_policy: ProcurementPolicy | None = Field(
        None,
        description="Added by procure: the buyer's own below-threshold procurement policy, replacing procure's "
        "example bands (optional).",
    )
    document: DocumentInfo | None = Field(None, description=(
        "Added by procure: the version and date every document of the pack carries on its title page "
        "(optional block)."))
    contract: ContractTerms | None = Field(None, description=(
        "Added by procure: the buyer's choices for the draft agreement, the price form and the budget "
        "(optional block); each absent choice shows as a placeholder or a visible proposal."))

    @field_validator("contract")
    @classmethod
    def _minimum_within_initial_term(cls, contract: ContractTerms | None,
                                     info: ValidationInfo) -> ContractTerms | None:
        """The minimum commitment is part of the initial term: it cannot exceed its iterations."""
        budget = info.data.get("iteration_budget")
        if contract and contract.minimum_iterations and budget and contract.minimum_iterations > budget.iterations:
            _raise_violations([(("minimum_iterations",), (
                f"must be at most iteration_budget.iterations ({budget.iterations}): the minimum commitment is "
                "part of the initial term; lower it or raise iteration_budget.iterations"))])
        return contract

    @field_validator("tender")
    @classmethod
    def _consultation_before_tender(cls, tender: Tender | None, info: ValidationInfo) -> Tender | None:
        """Rule 5 across blocks: the consultation's responses come in before the tender's first date."""
        consultation = info.data.get("consultation")
        due = consultation.responses_due if consultation else None
        first = tender.first_date() if tender else None
        if due is not None and first is not None and not is_before(due, first[1]):
            _raise_violations([((first[0],), date_order_message("consultation.responses_due", due))])
        return tender

    @property
    def initial_commitment(self) -> Decimal:
        """What the buyer commits to at the start: ``iterations * per_iteration``."""
        return self.iteration_budget.initial_commitment

    @property
    def maximum_value(self) -> Decimal:
        """The contract's estimated value including options: the ceiling, else all iterations plus the
        scale-up options and the exit budget."""
        if self.iteration_budget.ceiling is not None:
            return self.iteration_budget.ceiling
        return self.iteration_budget.maximum_value + self.scale_up_total + self.exit_budget

    @property
    def minimum_iterations(self) -> int:
        """The iterations the buyer commits to in any case (contract.minimum_iterations, else the initial term)."""
        chosen = self.contract.minimum_iterations if self.contract else None
        return chosen or self.iteration_budget.iterations

    @property
    def minimum_commitment(self) -> Decimal:
        """What the buyer pays in any case: ``minimum_iterations * per_iteration``."""
        return self.minimum_iterations * self.iteration_budget.per_iteration

    @property
    def options_value(self) -> Decimal:
        """The most the option iterations cost: ``option_iterations * per_iteration``."""
        return self.iteration_budget.option_iterations * self.iteration_budget.per_iteration

    @property
    def scale_up_total(self) -> Decimal:
        return self.contract.scale_up_total if self.contract else Decimal(0)

    @property
    def exit_budget(self) -> Decimal:
        support = self.contract.exit_support if self.contract else None
        return support.budget if support else Decimal(0)

    @property
    def components_value(self) -> Decimal:
        """The sum of every part of the contract: all iterations, the scale-up options and the exit budget
        (what a ceiling is compared with)."""
        budget = self.iteration_budget
        return ((budget.iterations + budget.option_iterations) * budget.per_iteration
                + self.scale_up_total + self.exit_budget)

    @property
    def initial_duration_weeks(self) -> int:
        budget = self.iteration_budget
        return budget.iterations * budget.iteration_weeks

    @property
    def option_duration_weeks(self) -> int:
        budget = self.iteration_budget
        return budget.option_iterations * budget.iteration_weeks

    @property
    def maximum_duration_weeks(self) -> int:
        return self.initial_duration_weeks + self.option_duration_weeks
