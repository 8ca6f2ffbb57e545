"""The linter's policy limits, read from ``procure/data/check_policy.yaml``.

The numbers behind the rules that are practice rather than law (the longest
short iteration, the margins around the legal periods, the bounds on award
weights) live in that file, each with why it is set there and its source, so
that a reviewer changes one reviewed file and never a constant in code. The
law itself stays in ``legal.yaml`` (:mod:`procure.legal`).

The file is read and checked once per process, on first use. Every key this
module expects must be there with a value of the right kind, a ``why`` and a
``source``, and no other key may appear: a broken file is a
:class:`CheckPolicyError` that names the key, never a silent default.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

from msgspec import Struct

FILE = "procure/data/check_policy.yaml"
Kind = Literal["weeks", "days", "share", "weight", "count"]

# What the file must hold: group -> key -> kind of value. The values are in the file only.
SCHEMA: dict[str, dict[str, Kind]] = {
    "cycles": {"longest_short_iteration_weeks": "weeks", "largest_first_step_share": "share"},
    "periods": {"days_to_answer_questions": "days", "shortest_fair_consultation_days": "days",
                "days_to_process_consultation": "days"},
    "award": {"lowest_telling_price_weight": "weight", "highest_single_criterion_weight": "weight",
              "fewest_quality_criteria": "count"},
}
_ENTRY_KEYS = ("value", "why", "source")


class CheckPolicyError(ValueError):
    """``check_policy.yaml`` is missing a key, has an unknown one, or holds a value of the wrong kind."""


class PolicyEntry(Struct, frozen=True):
    """One limit: its value, why it is set there, and where it comes from."""

    value: int | Decimal
    why: str
    source: str


class CheckPolicy(Struct, frozen=True):
    """Every policy limit of the linter, checked."""

    longest_short_iteration_weeks: int
    largest_first_step_share: Decimal
    days_to_answer_questions: int
    shortest_fair_consultation_days: int
    days_to_process_consultation: int
    lowest_telling_price_weight: int
    highest_single_criterion_weight: int
    fewest_quality_criteria: int
    entries: Mapping[str, PolicyEntry]

    def entry(self, name: str) -> PolicyEntry:
        """The value, why and source of one limit (``KeyError`` for a name the file does not have)."""
        return self.entries[name]


@cache
def check_policy() -> CheckPolicy:
    """The policy limits, read and checked once per process."""
    import yaml

    from procure.errors import yaml_loader

    text = resources.files("procure").joinpath("data", "check_policy.yaml").read_text(encoding="utf-8")
    loader = yaml_loader()  # the one parser everywhere
    return parse_check_policy(yaml.load(text, Loader=loader))


def parse_check_policy(raw: object) -> CheckPolicy:
    """Build :class:`CheckPolicy` from the parsed file; :class:`CheckPolicyError` naming the first fault."""
    top = _mapping(raw, "the file")
    if top.get("schema") != 1:
        raise CheckPolicyError(f"{FILE}: schema must be 1, not {top.get('schema')!r}")
    _exact_keys(top, ("schema", *SCHEMA), "the top level")
    entries: dict[str, PolicyEntry] = {}
    for group, keys in SCHEMA.items():
        section = _mapping(top[group], group)
        _exact_keys(section, tuple(keys), group)
        for name, kind in keys.items():
            entries[name] = _entry(section[name], f"{group}.{name}", kind)
    values = {name: entry.value for name, entry in entries.items()}
    return CheckPolicy(**values, entries=entries)  # type: ignore[arg-type]


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CheckPolicyError(f"{FILE}: {where} must be a mapping, not {type(value).__name__}")
    return value


def _exact_keys(section: Mapping[str, Any], expected: tuple[str, ...], where: str) -> None:
    missing = [k for k in expected if k not in section]
    if missing:
        raise CheckPolicyError(f"{FILE}: {where} lacks {', '.join(missing)}")
    unknown = sorted(str(k) for k in section if k not in expected)
    if unknown:
        raise CheckPolicyError(f"{FILE}: {where} has unknown key(s) {', '.join(unknown)}; "
                               f"expected {', '.join(expected)}")


def _entry(raw: object, where: str, kind: Kind) -> PolicyEntry:
    entry = _mapping(raw, where)
    _exact_keys(entry, _ENTRY_KEYS, where)
    for key in ("why", "source"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise CheckPolicyError(f"{FILE}: {where}.{key} must be a non-empty text")
    return PolicyEntry(_value(entry["value"], where, kind), " ".join(entry["why"].split()),
                       " ".join(entry["source"].split()))


def _value(value: object, where: str, kind: Kind) -> int | Decimal:
    if kind == "share":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise CheckPolicyError(f"{FILE}: {where}.value must be a share between 0 and 1, not {value!r}")
        return Decimal(str(value))
    low, high = {"weeks": (1, 13), "days": (0, 365), "weight": (0, 100), "count": (1, 100)}[kind]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CheckPolicyError(f"{FILE}: {where}.value must be a whole number from {low} to {high}, "
                               f"not {value!r}")
    return value
