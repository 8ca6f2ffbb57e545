"""The numbers a rule's title, explanation and sources state, taken from the data in force.

Rule texts are templates (``str.format`` fields) filled in when they are
printed, so ``--explain`` and ``--list-rules`` always state the figures of
``legal.yaml`` and ``check_policy.yaml`` and never drift from them. The
fields a template may use:

- ``{legal.…}``: :class:`procure.legal.LegalData` (``{legal.standstill_days}``,
  ``{legal.additional_information_days}``);
- ``{policy.…}``: :class:`procure.checks.policy.CheckPolicy`
  (``{policy.longest_short_iteration_weeks}``);
- ``{policy_source[NAME]}``: where a policy limit comes from, with its value and key;
- ``{european_periods}``: one line per European procedure with its minimum periods;
- ``{first_step_percent}``: the largest first step as a percentage ("50");
- ``{threshold_sets}``: each set of EU thresholds with the regulation that sets it;
- ``{questions_close_days}``: the days for answers plus procure's margin to answer;
- ``{standstill_example}``: a worked example of the standstill with the days in force.

The data is fetched on every call (both files are parsed once per process),
so a test that replaces the data sees its own numbers.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procure.legal import LegalData, ProcedureRule

_EXAMPLE_DECISION = date(2027, 4, 10)
WIDTH = 74  # the width the explanations are written at


def explanation_facts() -> dict[str, Any]:
    """Every field a rule text may use, from the data in force."""
    from procure import legal
    from procure.checks import policy

    data, limits = legal.legal_data(), policy.check_policy()
    return {
        "legal": data,
        "policy": limits,
        "european_periods": european_periods(data),
        "threshold_sets": "; ".join(f"{t.source.en} ({t.period})" for t in data.thresholds),
        "policy_source": {name: f"{entry.source} (procure/data/check_policy.yaml, {name}: {entry.value})"
                          for name, entry in limits.entries.items()},
        "first_step_percent": percent(limits.largest_first_step_share),
        "questions_close_days": data.additional_information_days + limits.days_to_answer_questions,
        "standstill_example": standstill_example(data.standstill_days),
    }


def fill(template: str) -> str:
    """A rule text with its fields filled in from the data."""
    return template.format_map(explanation_facts()) if "{" in template else template


def fill_paragraphs(template: str, width: int = WIDTH) -> str:
    """An explanation filled in, its prose paragraphs wrapped again to ``width``.

    A number from the data may be longer or shorter than the text the template
    was wrapped around. Lists (lines starting with ``- ``) are wrapped item by
    item; indented blocks (examples) are left exactly as written.
    """
    if "{" not in template:
        return template
    return "\n\n".join(_wrap(block, width) for block in fill(template).split("\n\n"))


def _wrap(block: str, width: int) -> str:
    lines = block.splitlines()
    if any(line[:1].isspace() for line in lines):
        return block
    if all(line.startswith("- ") for line in lines):
        return "\n".join(_fill(line, width, "  ") for line in lines)
    return _fill(" ".join(lines), width, "")


def _fill(text: str, width: int, indent: str) -> str:
    return textwrap.fill(text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def percent(share: Decimal) -> str:
    """A share as a percentage without trailing zeros: 0.5 -> '50', 0.125 -> '12.5'."""
    text = f"{share * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def european_periods(data: LegalData) -> str:
    """'- open procedure: tenders 35 days (30 when submitted electronically)', one line per procedure."""
    lines = [f"- {rule.name.en}: {_stages(rule)}" for rule in data.procedures.values() if rule.european]
    return "\n".join(lines)


def _stages(rule: ProcedureRule) -> str:
    parts = []
    if rule.min_request_days:
        parts.append(f"requests to participate {rule.min_request_days} days")
    if rule.min_submission_days:
        after = " after the invitation" if rule.min_request_days else ""
        electronic = rule.min_submission_days_electronic
        reduced = f" ({electronic} when submitted electronically)" if electronic else ""
        parts.append(f"tenders {rule.min_submission_days} days{after}{reduced}")
    else:
        parts.append("no statutory minimum for tenders")
    return "; ".join(parts)


def standstill_example(days: int) -> str:
    """'a decision sent on 10 April 2027 runs until 30 April, and the earliest start is 1 May'."""
    from procure.legal import extend_to_working_day

    last = extend_to_working_day(_EXAMPLE_DECISION + timedelta(days=days))
    start = last + timedelta(days=1)
    return (f"a decision sent on {_day(_EXAMPLE_DECISION, year=True)} runs until {_day(last)}, "
            f"and the earliest start is {_day(start)}")


def _day(value: date, year: bool = False) -> str:
    months = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
    text = f"{value.day} {months[value.month - 1]}"
    return f"{text} {value.year}" if year else text
