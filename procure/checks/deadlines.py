"""PRC52x: deadlines that name a moment.

A deadline for tenders is a moment, not a day: a tender that arrives one
minute late is not considered, so bidders must know the exact closing time.
A date without a time leaves open whether the deadline falls at the start or
the end of that day, and an electronic platform closes at a time of its own
choosing. The documents therefore never print a bare date for the deadline
(they show a placeholder for the missing time), and this rule says so in
``check`` before anyone reads the documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from procure.checks.core import Context, Hit, rule


@rule(
    code="PRC520",
    name="deadline-without-time",
    severity="warning",
    title="The deadline for tenders is a date without a time of day",
    message="{field} is the date {day} without a time; a late tender is not considered, so give the exact "
            "moment, for example {example}",
    explanation="""
        A tender that arrives after the deadline is not considered. For that
        rule to be fair, every bidder must know the exact moment the deadline
        passes: with a date alone, one bidder reads "on 11 May" as the start
        of that day and another as its end, and the electronic platform closes
        at whatever time it was set to. Equal treatment and transparency
        require one moment, the same for all, stated in the tender documents.

        The European notice form asks for the deadline for receipt of tenders
        as a date and a time, and the Dutch platforms close a tender at a
        stated time. procure prints a date alone with a placeholder for the
        missing time, so the documents are not final until the time is given.

        Write the deadline as a date-time, for example
        submission_deadline: 2027-05-11T12:00. Noon on a working day is
        common: it leaves the afternoon to solve an upload problem with the
        platform's helpdesk.
    """,
    sources=(
        "Aanbestedingswet 2012, article 1.8 (equal treatment and transparency)",
        "Commission Implementing Regulation (EU) 2019/1780 (eForms), annex: BT-131 Deadline Receipt "
        "Tenders, given as a date and a time",
    ),
)
def deadline_without_time(ctx: Context) -> Iterator[Hit]:
    tender = ctx.problem.tender
    deadline = tender.submission_deadline if tender else None
    if deadline is None or isinstance(deadline, datetime):
        return
    yield Hit(("tender", "submission_deadline"), {
        "day": deadline.isoformat(),
        "example": f"{deadline.isoformat()}T12:00",
    })
