"""PRC5xx: periods.

Minimum periods and the standstill come from ``procure.legal`` (the decided
procedure carries them); the fairness margins that are policy rather than law
come from ``procure/data/check_policy.yaml`` (``periods``). The explanations
state both from the data (see :mod:`procure.checks.facts`).

Counting days: a period of N days that starts with an event (publication,
the award decision) does not count the day of the event; day 1 is the next
day (Regulation (EEC, Euratom) No 1182/71, article 3(1); for the standstill,
Aanbestedingswet 2012 article 2.127(2)). So a deadline N calendar dates after
publication ends an N-day period, and a contract may start only after the
Nth day of the standstill, that is N + 1 dates after the award decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from procure.checks.core import Context, Hit, rule


def day(value: date | datetime | None) -> date | None:
    """The calendar date of a date or date-time (periods count whole days)."""
    if isinstance(value, datetime):
        return value.date()
    return value


def shift(start: date, days: int) -> date:
    """``start`` moved by ``days`` calendar days, held at the calendar's ends instead of overflowing
    (the loader keeps dates in a sensible range; this keeps a check from ever crashing on one)."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def days_between(start: date | datetime | None, end: date | datetime | None) -> int | None:
    """Calendar days from ``start`` to ``end`` (None when either is missing)."""
    first, last = day(start), day(end)
    if first is None or last is None:
        return None
    return (last - first).days


def _tender_days(ctx: Context, start: str, end: str) -> int | None:
    tender = ctx.problem.tender
    if tender is None:
        return None
    return days_between(getattr(tender, start), getattr(tender, end))


@rule(
    code="PRC501",
    name="submission-period-too-short",
    severity="error",
    title="Less time from publication to submission than the law requires",
    message="{field} is {days} days after publication; the {procedure} needs at least {required} "
            "({stages}; {basis}): move the deadline to {earliest} or later",
    explanation="""
        European procedures have minimum periods between sending the notice and
        the deadline, so that bidders from anywhere in the EU can prepare a
        tender. The Netherlands kept longer periods than the directive's when
        it transposed it (Aanbestedingswet 2012, articles 2.71 and 2.74a), and
        a Dutch buyer is bound by the Dutch ones. In calendar days, as
        procure's legal data (procure/data/legal.yaml) records them:

        {european_periods}

        Tenders are submitted electronically (always the case through
        TenderNed), so the shorter electronic period applies where there is
        one. procure adds up the stages between tender.published and
        tender.submission_deadline with these figures.

        Days are counted from the day after publication: a deadline N dates
        after publication completes an N-day period. Longer is wiser: these are
        minimums, and the directive asks for periods that reflect the
        complexity of the contract and the time needed to prepare a tender.
    """,
    sources=(
        "Aanbestedingswet 2012, article 2.71 (45 days for tenders in the open procedure; 30 days for "
        "requests to participate and 40 for tenders in the restricted procedure and the competitive "
        "procedure with negotiation) and article 2.74a (5 days less when tenders may be submitted "
        "electronically)",
        "Directive 2014/24/EU, articles 27 to 31 (minimum periods, which the Netherlands lengthened) and "
        "47(1) (complexity of the contract)",
        "Regulation (EEC, Euratom) No 1182/71, article 3 (counting periods in days)",
    ),
)
def submission_period_too_short(ctx: Context) -> Iterator[Hit]:
    d, tender = ctx.decision, ctx.problem.tender
    days = _tender_days(ctx, "published", "submission_deadline")
    stages = [(d.min_request_days, "requests to participate"), (d.min_submission_days, "tenders")]
    required = sum(n for n, _ in stages if n)
    if tender is None or tender.published is None or days is None or not d.european or days >= required:
        return
    yield Hit(("tender", "submission_deadline"), {
        "days": days, "procedure": ctx.legal.procedures[d.code].name.en, "required": required,
        "stages": " + ".join(f"{n} for {what}" for n, what in stages if n),
        "basis": ctx.legal.procedures[d.code].source or ctx.legal.procedures[d.code].legal_basis.en,
        "earliest": shift(day(tender.published), required).isoformat(),
    })


def _questions(ctx: Context) -> tuple[int, date] | None:
    """Days from questions_due to the submission deadline, and the deadline's date (None if either is absent)."""
    tender = ctx.problem.tender
    days = _tender_days(ctx, "questions_due", "submission_deadline")
    if tender is None or days is None or tender.submission_deadline is None:
        return None
    return days, day(tender.submission_deadline)


@rule(
    code="PRC502",
    name="questions-after-answer-limit",
    severity="error",
    title="Questions close after the last day the law allows for answering them",
    message="{field} is {days} days before the submission deadline, but answers must reach every bidder "
            "at least {legal} days before it, by {answers_by} ({basis}): close questions by {latest} or "
            "earlier, or move the deadline later",
    explanation="""
        In a European procedure, additional information that bidders asked for
        in good time (in the Netherlands: the answers in the nota van
        inlichtingen) must reach every bidder at least
        {legal.additional_information_days} days before the deadline for
        tenders. A timetable that accepts questions after that day
        promises answers the buyer cannot lawfully give in time: either the
        answers come too late, or the buyer must refuse questions it invited.
        The rule applies where the law does, that is when the maximum value is
        at or above the EU threshold; below it PRC507 gives the same advice as
        a warning. The number of days comes from procure/data/legal.yaml
        (additional_information).

        procure suggests closing questions at least
        {policy.days_to_answer_questions} days before the last day for answers,
        so that the buyer can collect, answer and publish them and bidders can
        still use them (procure/data/check_policy.yaml).
    """,
    sources=(
        "Aanbestedingswet 2012, article 2.54(1) (additional information at the latest "
        "{legal.additional_information_days} days before the deadline; the directive's article 53(2) "
        "has six)",
        "{policy_source[days_to_answer_questions]}",
    ),
)
def questions_after_answer_limit(ctx: Context) -> Iterator[Hit]:
    legal = ctx.decision.additional_information_days
    found = _questions(ctx)
    if legal is None or found is None or found[0] >= legal:
        return
    days, deadline = found
    yield Hit(("tender", "questions_due"), {
        "days": days, "legal": legal, "answers_by": shift(deadline, -legal).isoformat(),
        "basis": ctx.legal.additional_information_basis.en,
        "latest": shift(deadline, -(legal + ctx.policy.days_to_answer_questions)).isoformat(),
    })


@rule(
    code="PRC507",
    name="questions-too-late",
    severity="warning",
    title="Questions close too close to the submission deadline to be answered in good time",
    message="{field} is {days} days before the submission deadline: close questions at least {minimum} "
            "days before it ({latest} or earlier) so that the answers reach every bidder in time",
    explanation="""
        Bidders' questions are answered in a nota van inlichtingen that every
        bidder receives, and bidders need the answers to finish their tenders.
        Above the EU threshold the answers must be sent at least
        {legal.additional_information_days} days before the deadline (PRC502,
        an error when the timetable makes that impossible); below it the same
        {legal.additional_information_days} days are good practice. The buyer
        also needs a few days to collect, answer and publish the questions.
        procure therefore asks that questions close at least
        {questions_close_days} days before the deadline: the
        {legal.additional_information_days} days from procure/data/legal.yaml
        plus {policy.days_to_answer_questions} to answer (a practical margin,
        not law, from procure/data/check_policy.yaml).
    """,
    sources=(
        "Aanbestedingswet 2012, article 2.54(1) (additional information at the latest "
        "{legal.additional_information_days} days before the deadline)",
        "{policy_source[days_to_answer_questions]}",
    ),
)
def questions_too_late(ctx: Context) -> Iterator[Hit]:
    found = _questions(ctx)
    minimum = ctx.legal.additional_information_days + ctx.policy.days_to_answer_questions
    if found is None or found[0] >= minimum:
        return
    legal = ctx.decision.additional_information_days
    if legal is not None and found[0] < legal:
        return  # PRC502 speaks
    days, deadline = found
    yield Hit(("tender", "questions_due"), {
        "days": days, "minimum": minimum, "latest": shift(deadline, -minimum).isoformat(),
    })


@rule(
    code="PRC503",
    name="consultation-response-too-short",
    severity="warning",
    title="Too little time between the consultation session and the response deadline",
    message="{field} is {days} days after the session: give the market at least {minimum} days "
            "to respond after it ({earliest} or later)",
    explanation="""
        A market consultation only helps when the market can answer well, and
        small and medium-sized firms have the least time to spare. The session
        is where the market hears the problem in full, so the time that counts
        is from the session to consultation.responses_due. No law fixes it;
        procure asks for at least {policy.shortest_fair_consultation_days} days
        (procure/data/check_policy.yaml), enough to write a short response of a
        few pages alongside paid work. The Gids Proportionaliteit asks for a
        consultation that is proportionate and keeps the burden on the market
        low.
    """,
    sources=(
        "Directive 2014/24/EU, article 40 (preliminary market consultations)",
        "Gids Proportionaliteit, section on market consultation",
        "{policy_source[shortest_fair_consultation_days]}",
    ),
)
def consultation_response_too_short(ctx: Context) -> Iterator[Hit]:
    consultation = ctx.problem.consultation
    if consultation is None or consultation.session is None:
        return
    minimum = ctx.policy.shortest_fair_consultation_days
    days = days_between(consultation.session.when, consultation.responses_due)
    if days is not None and days < minimum:
        earliest = shift(day(consultation.session.when), minimum)
        yield Hit(("consultation", "responses_due"), {
            "days": days, "minimum": minimum, "earliest": earliest.isoformat(),
        })


@rule(
    code="PRC504",
    name="consultation-too-close-to-tender",
    severity="warning",
    title="The tender is published too soon after the consultation responses",
    message="{field} is {days} days after the consultation responses were due: allow at least {minimum} "
            "days ({earliest} or later) to process them and share what was learned with every bidder",
    explanation="""
        A consultation is meant to shape the tender, and whatever the buyer
        learned from it must reach every bidder, not only those who took part
        (equal treatment; the directive's rule on prior involvement). Publishing
        the tender a few days after the responses were due suggests that the
        responses could not have changed it and leaves no time to publish the
        anonymised results. procure asks for at least
        {policy.days_to_process_consultation} days
        (procure/data/check_policy.yaml); this is practice, not a legal
        minimum.
    """,
    sources=(
        "Directive 2014/24/EU, articles 40 and 41 (prior involvement of candidates)",
        "Gids Proportionaliteit, section on market consultation",
        "{policy_source[days_to_process_consultation]}",
    ),
)
def consultation_too_close_to_tender(ctx: Context) -> Iterator[Hit]:
    consultation, tender = ctx.problem.consultation, ctx.problem.tender
    if consultation is None or tender is None:
        return
    minimum = ctx.policy.days_to_process_consultation
    days = days_between(consultation.responses_due, tender.published)
    if days is not None and days < minimum:
        earliest = shift(day(consultation.responses_due), minimum)
        yield Hit(("tender", "published"), {"days": days, "minimum": minimum, "earliest": earliest.isoformat()})


def _standstill_hit(ctx: Context) -> Hit | None:
    """A hit when the contract starts before the standstill after the award decision has run out."""
    tender = ctx.problem.tender
    if tender is None or tender.award_decision is None or tender.contract_start is None:
        return None
    from procure.legal import standstill_end

    standstill = ctx.decision.standstill_days
    decided = day(tender.award_decision)
    last = standstill_end(decided)  # extended to a working day (Algemene termijnenwet)
    earliest = shift(last, 1)
    if day(tender.contract_start) >= earliest:
        return None
    return Hit(("tender", "contract_start"), {
        "days": days_between(decided, tender.contract_start), "standstill": standstill,
        "last": last.isoformat(), "earliest": earliest.isoformat(),
    })


_STANDSTILL_MESSAGE = ("{field} is {days} days after the award decision; the standstill of {standstill} "
                       "calendar days runs until {last} (a last day on a weekend or public holiday moves to "
                       "the next working day): start on {earliest} or later")
_STANDSTILL_EXPLANATION = """
    After the award decision is sent, the buyer must wait before concluding
    the contract, so that a losing bidder can ask a court to stop it (the
    Alcatel period). In the Netherlands it is at least
    {legal.standstill_days} calendar days (procure/data/legal.yaml), counted
    from the day after the decision was sent. The contract may be concluded,
    and so start, only after the last of those days: {standstill_example}.
    Under the Algemene termijnenwet (article 1) a last day on a Saturday,
    Sunday or public holiday of that law's article 3 (New Year's Day, Good
    Friday, Easter Monday, King's Day, 5 May, Ascension Day, Whit Monday,
    Christmas Day and Boxing Day) moves to the next working day; procure
    computes those holidays. Days that a royal decree equates with a holiday
    for a given year are not known to procure: check them.
"""


@rule(
    code="PRC505",
    name="standstill-too-short",
    severity="error",
    title="The contract starts before the standstill after the award decision has ended",
    message=_STANDSTILL_MESSAGE,
    explanation=_STANDSTILL_EXPLANATION + """
    For a European procedure this is law: a contract concluded during the
    standstill can be declared void.
""",
    sources=(
        "Directive 89/665/EEC as amended by Directive 2007/66/EC, article 2a (a minimum standstill "
        "that member states may lengthen; the Netherlands chose {legal.standstill_days} days)",
        "Aanbestedingswet 2012, article 2.127(2) and (3) (from the day after sending, at least "
        "{legal.standstill_days} calendar days)",
        "Algemene termijnenwet, articles 1(1) and 3 (a period ending on a weekend or public holiday)",
    ),
)
def standstill_too_short(ctx: Context) -> Iterator[Hit]:
    hit = _standstill_hit(ctx)
    if hit is not None and ctx.decision.european:
        yield hit


@rule(
    code="PRC506",
    name="standstill-advised",
    severity="warning",
    title="A national procedure with several bidders leaves no standstill before the contract starts",
    message=_STANDSTILL_MESSAGE,
    explanation=_STANDSTILL_EXPLANATION + """
    Below the threshold the statutory standstill does not apply (article
    2.127(4)(a)), but with several bidders (national_open, multiple_private) a
    losing bidder still needs a chance to object before the contract is
    concluded, and many buyers' procurement policies use the same
    {legal.standstill_days} days.
    With a single invited supplier there is nobody to object, and the rule
    does not apply. Which procedures have several bidders is recorded per
    procedure in procure/data/legal.yaml (several_bidders).
""",
    sources=(
        "Aanbestedingswet 2012, article 2.127 (applied by analogy below the threshold)",
    ),
)
def standstill_advised(ctx: Context) -> Iterator[Hit]:
    hit = _standstill_hit(ctx)
    d = ctx.decision
    if hit is not None and not d.european and d.several_bidders:
        yield hit


_PLANNING_FIELDS: tuple[tuple[str, ...], ...] = (
    ("tender", "published"), ("tender", "questions_due"), ("tender", "submission_deadline"),
    ("tender", "award_decision"), ("tender", "contract_start"),
    ("consultation", "session", "when"), ("consultation", "responses_due"),
)


@rule(
    code="PRC508",
    name="date-not-a-working-day",
    severity="warning",
    title="A date in the planning falls on a weekend or a Dutch public holiday",
    message="{field} is {date}, {what}: move it to a working day ({suggestion} is the next one)",
    explanation="""
        Publication, deadlines, the consultation session, the award decision
        and the start of the contract are working days in practice: bidders
        and the buyer's staff must be able to act on them, and a statutory
        period that ends on a Saturday, Sunday or public holiday runs on to
        the next working day anyway (Algemene termijnenwet, article 1). The
        public holidays are those of that law's article 3 (New Year's Day,
        Good Friday, Easter Monday, King's Day, 5 May every year, Ascension
        Day, Whit Monday, Christmas Day and Boxing Day), computed by procure
        from procure/data/legal.yaml.
    """,
    sources=(
        "Algemene termijnenwet, articles 1(1) and 3",
    ),
)
def date_not_a_working_day(ctx: Context) -> Iterator[Hit]:
    from procure.legal import extend_to_working_day, holiday_name

    for path in _PLANNING_FIELDS:
        value: object = ctx.problem
        for part in path:
            value = getattr(value, part, None) if value is not None else None
        when = day(value)  # type: ignore[arg-type]
        if when is None or not isinstance(when, date):
            continue
        holiday = holiday_name(when, "en")
        if holiday is None and when.weekday() < 5:
            continue
        what = f"a public holiday ({holiday})" if holiday else ("a Saturday" if when.weekday() == 5 else "a Sunday")
        yield Hit(path, {"date": when.isoformat(), "what": what,
                         "suggestion": extend_to_working_day(when).isoformat()})
