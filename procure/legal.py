"""The legal facts as data, and the choice of procedure for a problem statement.

The facts (EU thresholds with their regulation and validity, minimum periods,
standstill, procedure names and legal bases) live in ``procure/data/legal.yaml``
with their sources, so that legal staff review one file and templates never
hard-code a number. This module reads that file once per process and answers
one question: which procedure does this procurement get, and what follows
from it.

The answer is deterministic: the date that selects the thresholds comes from
the problem statement (or, failing that, from the data), never from today.

Every fact carries its source, a quote and the date it was checked; a record
marked ``verified: false`` is never handed to a template (:func:`verified_fact`,
:class:`Law`), and an unverified citation is replaced by the data's fallback.
Whether Part 2 of the Aanbestedingswet 2012 applies is decided once, from the
value, in :func:`decide_procedure`; every citation follows from that decision.
The standstill end date follows the Algemene termijnenwet, whose public holidays
(article 3) are computed here from the data (:func:`public_holidays`).

Below the thresholds the procedure follows value bands that are the buyer's
own policy, not law: a problem statement may set them in
``procurement_policy.bands``; otherwise the example bands of ``legal.yaml`` apply.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence

from msgspec import Struct, field

if TYPE_CHECKING:  # not at run time: `check --list-rules` and `--explain` read the data without Pydantic
    from procure.model import Problem

Language = Literal["nl", "en"]
Kind = Literal["central", "sub_central"]
EU_THRESHOLD = "eu_threshold"


class Localised(Struct, frozen=True):
    """One text in Dutch and English."""

    nl: str
    en: str

    def get(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


class ThresholdSet(Struct, frozen=True):
    """The EU thresholds of one two-year period and the regulation that set them."""

    period: str
    valid_from: date
    valid_to: date
    source: Localised
    supplies_services: Mapping[str, Decimal]
    works: Decimal
    social_services: Decimal

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


class ProcedureRule(Struct, frozen=True):
    """What the law says about one procedure."""

    code: str
    name: Localised
    european: bool
    announced_on_tenderned: bool
    legal_basis: Localised
    several_bidders: bool
    min_request_days: int | None
    min_submission_days: int | None
    min_submission_days_electronic: int | None
    source: str | None
    two_stage: bool = False  # anyone may ask to take part; only selected candidates tender
    legal_basis_verified: bool = True  # False: legal_basis is the data's fallback, which says less


class Fact(Struct, frozen=True):
    """One legal fact's record: where it comes from, a quote, and when it was checked.

    ``checked`` is None for a fact marked ``verified: false``; such a fact is never
    handed to a template (:func:`verified_fact` raises :class:`UnverifiedFact`).
    """

    key: str
    source: str
    quote: str
    checked: date | None
    note: str = ""

    @property
    def verified(self) -> bool:
        return self.checked is not None


class UnverifiedFact(LookupError):
    """A template or rule asked for a legal fact the data marks ``verified: false``."""


class HolidayRule(Struct, frozen=True):
    """One public holiday of the Algemene termijnenwet, article 3: a fixed date or an Easter offset."""

    key: str
    name: Localised
    month: int | None = None
    day: int | None = None
    easter: int | None = None
    sunday_moves_to: int = 0  # days to move the holiday when the fixed date is a Sunday (Koningsdag: -1)

    def on(self, year: int) -> date:
        if self.easter is not None:
            return easter_sunday(year) + timedelta(days=self.easter)
        assert self.month is not None and self.day is not None
        day = date(year, self.month, self.day)
        if self.sunday_moves_to and day.weekday() == 6:
            day += timedelta(days=self.sunday_moves_to)
        return day


class GeneralTerms(Struct, frozen=True):
    """General purchasing terms: name, short name and version, or the buyer's own text.

    ``source`` is the data's source for the instrument, or ``tender.general_terms``
    when the buyer named its own terms (then ``short`` and ``version`` are empty).
    """

    name: Localised
    short: str
    version: str
    source: str

    def title(self, language: str) -> str:
        """'Gemeentelijke Inkoopvoorwaarden bij IT 2023 (GIBIT 2023)', or the buyer's own text."""
        if not self.version:
            return self.name.get(language)
        return f"{self.name.get(language)} ({self.version})"

    def named_in(self, text: str) -> bool:
        """Whether the buyer's ``text`` names this version ('GIBIT 2023', 'arbit 2022'), not merely the
        instrument: terms named in another version are the buyer's words, printed as written."""
        wanted = "".join(ch for ch in text.upper() if ch.isalnum())
        return bool(self.version) and "".join(ch for ch in self.version.upper() if ch.isalnum()) in wanted


class Band(Struct, frozen=True):
    """A below-threshold band of a buyer's policy: ``procedure`` for values below ``below``.

    ``below=None`` means "below the EU threshold in force for the buyer".
    """

    procedure: str
    below: Decimal | None


class LegalData(Struct, frozen=True):
    """Everything in ``legal.yaml``, parsed and checked."""

    thresholds: tuple[ThresholdSet, ...]
    procedures: Mapping[str, ProcedureRule]
    electronic_submission: bool
    auto_european: str
    bands: tuple[Band, ...]
    fallback: str
    band_order: tuple[str, ...]  # the national procedures, lightest first
    threshold_currency: str
    additional_information_days: int
    additional_information_european_only: bool
    additional_information_basis: Localised
    standstill_days: int
    standstill_basis: Localised
    consultation_basis: Localised
    prior_involvement_basis: Localised
    additional_information_accelerated_days: int = 4
    below_threshold_basis: Localised = Localised("", "")
    consultation_basis_below: Localised = Localised("", "")
    prior_involvement_basis_below: Localised = Localised("", "")
    abnormally_low_basis: Localised = Localised("", "")
    confidentiality_basis: Localised = Localised("", "")
    experts_committee: Localised = Localised("", "")
    holiday_rules: tuple[HolidayRule, ...] = ()
    general_terms: Mapping[str, GeneralTerms] = field(default_factory=dict)
    open_government_act: Localised = Localised("", "")
    processing_agreement_basis: Localised = Localised("", "")
    open_government_applies_to: frozenset[str] = frozenset()  # buyer.authority_type values under the Woo
    facts: Mapping[str, Fact] = field(default_factory=dict)

    def thresholds_on(self, day: date) -> ThresholdSet:
        """The set in force on ``day``; before the first or after the last set, the nearest one."""
        for candidate in self.thresholds:
            if candidate.covers(day):
                return candidate
        return self.thresholds[0] if day < self.thresholds[0].valid_from else self.thresholds[-1]

    @property
    def newest(self) -> ThresholdSet:
        return self.thresholds[-1]


class ProcedureDecision(Struct, frozen=True):
    """The procedure of a procurement and what follows from it, ready for the templates."""

    code: str
    chosen: bool
    european: bool
    threshold: Decimal
    threshold_kind: Kind
    kind_assumed: bool
    threshold_source: str
    threshold_valid_from: date
    threshold_valid_to: date
    reference_date: date
    maximum_value: Decimal
    name: str
    min_submission_days: int | None
    min_request_days: int | None
    standstill_days: int
    announced_on_tenderned: bool
    legal_basis: str
    allowed: bool
    threshold_in_force: bool = True  # False when the reference date lies outside every threshold set
    several_bidders: bool = True  # more than one supplier competes (a losing bidder can object)
    threshold_currency: str = "EUR"
    # Days before the submission deadline by which answers to bidders' questions must be sent,
    # where the law requires it (at or above the threshold); None where it is good practice only.
    additional_information_days: int | None = None
    # The article that prescribes the standstill; empty where the law does not (below the threshold).
    standstill_basis: str = ""
    two_stage: bool = False  # anyone may ask to take part; only the selected candidates tender
    # Kind absent and the value between the central and the sub-central threshold: whether
    # the contract is European depends on the kind, so the documents print a placeholder.
    undecided: bool = False
    kind_known: bool = True  # buyer.kind given, or settled by buyer.authority_type
    threshold_central: Decimal = Decimal(0)
    threshold_sub_central: Decimal = Decimal(0)
    # Whether a standstill applies at all (European, or several bidders below the threshold),
    # and whether it is the statute's (European) or the buyer's own rule (below the threshold).
    standstill_applies: bool = True
    standstill_statutory: bool = True
    standstill_end: date | None = None  # last day, extended to a working day; None without award_decision
    earliest_contract_date: date | None = None  # the day after standstill_end
    # A sub-central buyer may agree the period for tenders with the selected candidates.
    sub_central_may_agree_period: bool = False
    consultation_basis: str = ""
    prior_involvement_basis: str = ""
    abnormally_low_basis: str = ""  # empty below the threshold: the Part 2 article is not cited
    confidentiality_basis: str = ""  # likewise (Aw 2012, artikel 2.57)
    # Part 2 of the Aw 2012 surely applies: European by value and not undecided. Templates cite
    # a Part 2 article only when this is true.
    part_2_applies: bool = False


# ---------------------------------------------------------------- reading the data


@cache
def legal_data() -> LegalData:
    """The legal data, parsed once per process."""
    import yaml

    from procure.errors import yaml_loader

    text = resources.files("procure").joinpath("data", "legal.yaml").read_text(encoding="utf-8")
    loader = yaml_loader()  # the one parser everywhere
    return parse_legal_data(yaml.load(text, Loader=loader))


def parse_legal_data(raw: Mapping[str, Any]) -> LegalData:
    """Build :class:`LegalData` from the mapping in ``legal.yaml``; ValueError if it is inconsistent."""
    procedures = {code: _procedure(code, entry) for code, entry in raw["procedures"].items()}
    below = raw["below_threshold"]
    info = raw["additional_information"]
    data = LegalData(
        thresholds=tuple(sorted((_threshold_set(t) for t in raw["thresholds"]), key=lambda t: t.valid_from)),
        procedures=procedures,
        electronic_submission=bool(raw["electronic_submission"]["always"]),
        auto_european=str(raw["auto_european"]),
        bands=tuple(_band(b) for b in below["bands"]),
        fallback=str(below["fallback"]),
        band_order=tuple(str(code) for code in below["order"]),
        threshold_currency=str(raw["threshold_currency"]["code"]),
        additional_information_days=int(info["days_before_deadline"]),
        additional_information_european_only=_applies_to_european_only(info["applies_to"]),
        additional_information_basis=_localised(info["legal_basis"]),
        standstill_days=int(raw["standstill"]["days"]),
        standstill_basis=_localised(raw["standstill"]["legal_basis"]),
        consultation_basis=_localised(raw["consultation"]["legal_basis"]),
        prior_involvement_basis=_localised(raw["prior_involvement"]["legal_basis"]),
        additional_information_accelerated_days=int(info.get("accelerated_days_before_deadline", 4)),
        below_threshold_basis=_localised(raw.get("below_threshold_basis", {"nl": "", "en": ""})),
        consultation_basis_below=_localised(raw["consultation"].get("below_threshold", raw["consultation"]["legal_basis"])),
        prior_involvement_basis_below=_localised(
            raw["prior_involvement"].get("below_threshold", raw["prior_involvement"]["legal_basis"])),
        abnormally_low_basis=_localised(raw["abnormally_low"]["legal_basis"]) if "abnormally_low" in raw
        else Localised("", ""),
        confidentiality_basis=_localised(raw["confidentiality"]["legal_basis"]) if "confidentiality" in raw
        else Localised("", ""),
        experts_committee=_localised(raw["complaints"]["experts_committee"]) if "complaints" in raw
        else Localised("", ""),
        holiday_rules=tuple(_holiday(h) for h in raw.get("calendar", {}).get("holidays", {}).get("days", ())),
        general_terms={key: _general_terms(entry) for key, entry in raw.get("general_terms", {}).items()},
        open_government_act=_localised(raw["open_government"]["name"]) if "open_government" in raw
        else Localised("", ""),
        open_government_applies_to=frozenset(raw.get("open_government", {}).get("applies_to", ())),
        processing_agreement_basis=_localised(raw["processing_agreement"]["legal_basis"])
        if "processing_agreement" in raw else Localised("", ""),
        facts=collect_facts(raw),
    )
    _check(data)
    return data


def collect_facts(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Fact]:
    """Every fact record in the data, by dotted key: a mapping with ``checked`` or ``verified: false``.

    A record needs a source and, when checked, a quote; a checked date must be a date.
    """
    found: dict[str, Fact] = {}
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, list):  # a list of records, e.g. the threshold sets: key[0], key[1], ...
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    found.update(collect_facts({f"{key}[{index}]": item}, prefix))
            continue
        if not isinstance(value, Mapping):
            continue
        if "checked" in value or value.get("verified") is False:
            found[dotted] = _fact(dotted, value)
        found.update(collect_facts(value, dotted + "."))
    return found


def _fact(key: str, raw: Mapping[str, Any]) -> Fact:
    checked = raw.get("checked")
    if raw.get("verified") is False:
        if checked is not None:
            raise ValueError(f"legal.yaml: {key} is both checked and verified: false")
        if not raw.get("note"):
            raise ValueError(f"legal.yaml: {key} is verified: false without a note saying what is unverified")
        return Fact(key, str(raw.get("source", "")), str(raw.get("quote", "")), None, str(raw["note"]))
    if not isinstance(checked, date):
        raise ValueError(f"legal.yaml: {key}.checked must be a date (YYYY-MM-DD), not {checked!r}")
    if not raw.get("source") or not raw.get("quote"):
        raise ValueError(f"legal.yaml: {key} is checked but lacks a source or a quote")
    return Fact(key, str(raw["source"]), " ".join(str(raw["quote"]).split()), checked, str(raw.get("note", "")))


def _holiday(raw: Mapping[str, Any]) -> HolidayRule:
    return HolidayRule(key=str(raw["key"]), name=Localised(nl=str(raw["nl"]), en=str(raw["en"])),
                       month=raw.get("month"), day=raw.get("day"), easter=raw.get("easter"),
                       sunday_moves_to=int(raw.get("sunday_moves_to", 0)))


def _general_terms(raw: Mapping[str, Any]) -> GeneralTerms:
    return GeneralTerms(name=_localised(raw["name"]), short=str(raw["short"]), version=str(raw["version"]),
                        source=str(raw["source"]))


def _applies_to_european_only(value: object) -> bool:
    if value not in ("european", "all"):
        raise ValueError(f"legal.yaml: additional_information.applies_to is {value!r}; use european or all")
    return value == "european"


def _localised(raw: Mapping[str, Any]) -> Localised:
    return Localised(nl=str(raw["nl"]), en=str(raw["en"]))


def _threshold_set(raw: Mapping[str, Any]) -> ThresholdSet:
    supplies = raw["supplies_services"]
    return ThresholdSet(
        period=str(raw["period"]),
        valid_from=raw["valid_from"],
        valid_to=raw["valid_to"],
        source=_localised(raw["source"]),
        supplies_services={"central": Decimal(supplies["central"]), "sub_central": Decimal(supplies["sub_central"])},
        works=Decimal(raw["works"]),
        social_services=Decimal(raw["social_services"]),
    )


def _procedure(code: str, raw: Mapping[str, Any]) -> ProcedureRule:
    basis = raw["legal_basis"]
    verified = basis.get("verified", True) is not False
    if not verified and "fallback" not in basis:
        raise ValueError(f"legal.yaml: procedures.{code}.legal_basis is unverified and has no fallback to print")
    return ProcedureRule(
        code=code,
        name=_localised(raw["name"]),
        european=bool(raw["european"]),
        announced_on_tenderned=bool(raw["announced_on_tenderned"]),
        # An unverified citation is never handed on: the fallback says less, correctly.
        legal_basis=_localised(basis if verified else basis["fallback"]),
        legal_basis_verified=verified,
        two_stage=bool(raw.get("two_stage", False)),
        several_bidders=bool(raw["several_bidders"]),
        min_request_days=raw.get("min_request_days"),
        min_submission_days=raw.get("min_submission_days"),
        min_submission_days_electronic=raw.get("min_submission_days_electronic"),
        source=(raw.get("periods") or {}).get("source", raw.get("source")),
    )


def _band(raw: Mapping[str, Any]) -> Band:
    limit = raw["below"]
    return Band(str(raw["procedure"]), None if limit == EU_THRESHOLD else Decimal(limit))


def _check(data: LegalData) -> None:
    """Catch a broken data file at load time rather than in a rendered document."""
    if not data.thresholds:
        raise ValueError("legal.yaml: no threshold sets")
    for earlier, later in zip(data.thresholds, data.thresholds[1:]):
        if earlier.valid_to >= later.valid_from:
            raise ValueError(f"legal.yaml: threshold periods {earlier.period} and {later.period} overlap")
    named = [data.auto_european, data.fallback, *(band.procedure for band in data.bands), *data.band_order]
    unknown = [code for code in named if code not in data.procedures]
    if unknown:
        raise ValueError(f"legal.yaml: unknown procedure(s) {', '.join(unknown)}")
    national = [code for code, rule in data.procedures.items() if not rule.european]
    if sorted(data.band_order) != sorted(national):
        raise ValueError("legal.yaml: below_threshold.order must list every national procedure once, "
                         f"lightest first: {', '.join(national)}")
    if not data.procedures[data.auto_european].european:
        raise ValueError(f"legal.yaml: auto_european {data.auto_european} is not a European procedure")


# ---------------------------------------------------------------- deciding


def buyer_kind(problem: Problem) -> Kind | None:
    """buyer.kind, else what buyer.authority_type settles (central government is central), else None."""
    if problem.buyer.kind is not None:
        return problem.buyer.kind
    authority = getattr(problem.buyer, "authority_type", None)
    if authority == "central_government":
        return "central"
    if authority in ("municipality", "province", "water_board"):
        return "sub_central"
    return None


def decide_procedure(problem: Problem, bands: Sequence[Band] | None = None) -> ProcedureDecision:
    """The procedure for ``problem``: the one it names, or derived from the value and thresholds.

    The below-threshold bands are ``bands`` when given, else the problem's own
    ``procurement_policy.bands``, else the example bands of ``legal.yaml``. The
    value compared is the maximum value including options.

    Whether the contract is European is decided here, once, from the value (and the
    buyer's kind), and every citation follows from it: below the threshold no Part 2
    article is cited, whatever procedure is named. Without a kind, a value between the
    central and the sub-central threshold leaves the question open (``undecided``): the
    lower, central threshold is used for the checks, and the documents print a placeholder.
    """
    data = legal_data()
    day = reference_date(problem)
    thresholds = data.thresholds_on(day)
    known = buyer_kind(problem)
    kind: Kind = known or "central"
    central = thresholds.supplies_services["central"]
    sub_central = thresholds.supplies_services["sub_central"]
    threshold = thresholds.supplies_services[kind]
    value = problem.maximum_value
    european = value >= threshold
    undecided = known is None and central <= value < sub_central
    cite = european and not undecided  # Part 2 articles are cited only where Part 2 surely applies
    chosen = problem.tender is not None and problem.tender.procedure != "auto"
    if chosen and problem.tender:
        code = problem.tender.procedure
    else:
        code = auto_procedure(value, threshold, bands_in_use(problem, bands))
    rule = data.procedures[code]
    language = problem.language
    several = rule.several_bidders
    from procure.model import calendar_day  # loaded with the problem

    award = problem.tender.award_decision if problem.tender else None
    end = standstill_end(calendar_day(award)) if award is not None and (european or several) else None
    return ProcedureDecision(
        code=code,
        chosen=chosen,
        european=european,
        threshold=threshold,
        threshold_kind=kind,
        kind_assumed=known is None,
        threshold_source=thresholds.source.get(language),
        threshold_valid_from=thresholds.valid_from,
        threshold_valid_to=thresholds.valid_to,
        reference_date=day,
        maximum_value=value,
        name=rule.name.get(language),
        # Statutory periods only where Part 2 applies; below the threshold the timetable decides.
        min_submission_days=_submission_days(data, rule) if european else None,
        min_request_days=rule.min_request_days if european else None,
        standstill_days=data.standstill_days,
        announced_on_tenderned=rule.announced_on_tenderned or european,
        legal_basis=(rule.legal_basis if european and rule.european else data.below_threshold_basis).get(language),
        allowed=rule.european or not european,
        threshold_in_force=thresholds.covers(day),
        several_bidders=several,
        threshold_currency=data.threshold_currency,
        additional_information_days=_additional_information_days(data, european),
        standstill_basis=data.standstill_basis.get(language) if european else "",
        two_stage=rule.two_stage,
        undecided=undecided,
        kind_known=known is not None,
        threshold_central=central,
        threshold_sub_central=sub_central,
        standstill_applies=european or several,
        standstill_statutory=european,
        standstill_end=end,
        earliest_contract_date=later(end, 1) if end is not None else None,
        sub_central_may_agree_period=european and kind == "sub_central" and known is not None
        and code in ("restricted", "competitive_with_negotiation"),
        # Undecided: the weaker, by-analogy wording, which is never a wrong Part 2 citation.
        consultation_basis=(data.consultation_basis if cite else data.consultation_basis_below).get(language),
        prior_involvement_basis=(data.prior_involvement_basis if cite
                                 else data.prior_involvement_basis_below).get(language),
        abnormally_low_basis=data.abnormally_low_basis.get(language) if cite else "",
        confidentiality_basis=data.confidentiality_basis.get(language) if cite else "",
        part_2_applies=cite,
    )


# ---------------------------------------------------------------- calendar (Algemene termijnenwet)


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l) // 433
    month = (h + l - 7 * m + 90) // 25
    return date(year, month, (h + l - 7 * m + 33 * month + 19) % 32)


def public_holidays(year: int) -> dict[date, Localised]:
    """The generally recognised public holidays of the Algemene termijnenwet (article 3) in ``year``.

    Days equated with them by royal decree (article 3(3)) are not included: see
    ``calendar.equated_days`` in legal.yaml.
    """
    return {rule.on(year): rule.name for rule in legal_data().holiday_rules}


def holiday_name(day: date, language: str) -> str | None:
    """The name of the public holiday on ``day`` in ``language``, or None."""
    name = public_holidays(day.year).get(day)
    return name.get(language) if name else None


def is_working_day(day: date) -> bool:
    """Not a Saturday, Sunday or public holiday of the Algemene termijnenwet."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def later(day: date, days: int) -> date:
    """``day`` plus ``days`` calendar days, held at the calendar's last day instead of overflowing
    (the loader refuses dates outside 1990-2200, but library callers may pass any date)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def extend_to_working_day(day: date) -> date:
    """``day``, or the next working day when it is a Saturday, Sunday or public holiday
    (Algemene termijnenwet, article 1(1))."""
    while not is_working_day(day) and day < date.max:
        day = later(day, 1)
    return day


def standstill_end(sent: date) -> date:
    """The last day of the standstill after an award decision sent on ``sent``.

    The period starts on the day after sending (Aw 2012, article 2.127(2)), lasts the
    data's number of calendar days, and a last day on a weekend or public holiday runs
    on to the next working day (Algemene termijnenwet, article 1(1)).
    """
    return extend_to_working_day(later(sent, legal_data().standstill_days))


# ---------------------------------------------------------------- facts for templates


def verified_fact(key: str) -> Fact:
    """The record of a legal fact; :class:`UnverifiedFact` when the data marks it unverified."""
    facts = legal_data().facts
    if key not in facts:
        raise KeyError(f"legal.yaml records no fact {key!r}")
    fact = facts[key]
    if not fact.verified:
        raise UnverifiedFact(f"legal.yaml marks {key} as verified: false ({fact.note}); it may not be printed as law")
    return fact


def general_terms_for(problem: Problem) -> GeneralTerms | None:
    """The general purchasing terms for ``problem``, or None: ask the buyer.

    The buyer's own ``tender.general_terms`` win; otherwise ARBIT for central
    government (buyer.kind central, or authority_type central_government) and
    GIBIT only for a municipality. A province, water board or other body is asked.
    """
    tender = problem.tender
    if tender is not None and tender.general_terms:
        return GeneralTerms(name=Localised(tender.general_terms, tender.general_terms), short="", version="",
                            source="tender.general_terms")
    data = legal_data()
    authority = getattr(problem.buyer, "authority_type", None)
    if buyer_kind(problem) == "central" and "arbit" in data.general_terms:
        verified_fact("general_terms.arbit")
        return data.general_terms["arbit"]
    if authority == "municipality" and "gibit" in data.general_terms:
        verified_fact("general_terms.gibit")
        return data.general_terms["gibit"]
    return None


class Law(Struct, frozen=True):
    """Legal facts a template may print, each from a verified record of legal.yaml.

    Built by :func:`law_for`; every fact is a read-only property that looks its
    record up through :func:`verified_fact`, so an unverified record can never
    reach a document. The names are listed in :data:`LAW_FACTS` with the record
    they rest on; being properties, templates get them as plain data, read only
    when a template asks for one.
    """

    language: str
    european: bool
    authority_type: str | None = None  # buyer.authority_type; central_government for buyer.kind central

    def fact(self, name: str) -> Any:
        """The value of one fact of :data:`LAW_FACTS`, refused while its record is unverified."""
        verified_fact(LAW_FACTS[name])
        return _LAW_VALUES[name](self)


def _experts(law: Law) -> str:
    return legal_data().experts_committee.get(law.language)


def _uea_below(law: Law) -> bool:
    return True


def _reliance(law: Law) -> bool:
    return True


def _abnormally_low(law: Law) -> str:
    return legal_data().abnormally_low_basis.get(law.language) if law.european else ""


def _working_day_rule(law: Law) -> bool:
    return True


def _open_government_act(law: Law) -> str:
    return legal_data().open_government_act.get(law.language)


def _processing_agreement_basis(law: Law) -> str:
    return legal_data().processing_agreement_basis.get(law.language)


def _open_government_applies(law: Law) -> bool:
    """Whether the buyer is known to be a bestuursorgaan under the Woo (else the documents word it conditionally)."""
    return law.authority_type in legal_data().open_government_applies_to


#: Template attribute -> the legal.yaml record it rests on.
LAW_FACTS: dict[str, str] = {
    "experts_committee": "complaints.experts_committee",
    "uea_below_threshold": "uea.below_threshold",
    "reliance_only_if_performing": "reliance",
    "abnormally_low_basis": "abnormally_low",
    "deadline_moves_to_working_day": "calendar.extension",
    "open_government_act": "open_government",
    "open_government_applies": "open_government",
    "processing_agreement_basis": "processing_agreement",
}
_LAW_VALUES = {
    "experts_committee": _experts,
    "uea_below_threshold": _uea_below,
    "reliance_only_if_performing": _reliance,
    "abnormally_low_basis": _abnormally_low,
    "deadline_moves_to_working_day": _working_day_rule,
    "open_government_act": _open_government_act,
    "open_government_applies": _open_government_applies,
    "processing_agreement_basis": _processing_agreement_basis,
}


for _name in LAW_FACTS:
    setattr(Law, _name, property(lambda self, name=_name: self.fact(name), doc=f"legal.yaml: {LAW_FACTS[_name]}"))


def law_for(problem: Problem, decision: ProcedureDecision | None = None) -> Law:
    """The template's ``law`` object for ``problem``."""
    decided = decision or decide_procedure(problem)
    authority = problem.buyer.authority_type or ("central_government" if problem.buyer.kind == "central" else None)
    return Law(language=problem.language, european=decided.european and not decided.undecided,
               authority_type=authority)


def auto_procedure(value: Decimal, threshold: Decimal, bands: Sequence[Band] | None = None) -> str:
    """What ``procedure: auto`` gives for a maximum value, whatever procedure the file names.

    At or above ``threshold`` (the EU threshold in force for the buyer) the default
    European procedure; below it the first of ``bands`` (default: legal.yaml's) whose
    limit the value is under; otherwise the fallback (the national open procedure).
    """
    data = legal_data()
    if value >= threshold:
        return data.auto_european
    for band in data.bands if bands is None else bands:
        limit = threshold if band.below is None else band.below
        if value < limit:
            return band.procedure
    return data.fallback


def policy_bands(problem: Problem) -> tuple[Band, ...] | None:
    """The buyer's own bands from ``procurement_policy.bands``, or None when the file sets none."""
    policy = problem.procurement_policy
    if policy is None:
        return None
    return tuple(Band(band.procedure, band.below) for band in policy.bands)


def bands_in_use(problem: Problem, bands: Sequence[Band] | None = None) -> tuple[Band, ...]:
    """The bands that decide below the threshold: ``bands``, else the problem's policy, else legal.yaml's."""
    if bands is not None:
        return tuple(bands)
    return policy_bands(problem) or legal_data().bands


def _additional_information_days(data: LegalData, european: bool) -> int | None:
    """The statutory days where the law applies: at or above the threshold, whatever procedure is named."""
    if data.additional_information_european_only and not european:
        return None
    return data.additional_information_days


def _submission_days(data: LegalData, rule: ProcedureRule) -> int | None:
    """The minimum period for tenders, shortened where submission is electronic (always, in NL)."""
    if data.electronic_submission and rule.min_submission_days_electronic is not None:
        return rule.min_submission_days_electronic
    return rule.min_submission_days


def reference_date(problem: Problem) -> date:
    """The date that selects the thresholds: the tender's publication, else the consultation's dates.

    Falls back to the start of the newest threshold set, so the answer never depends on today.
    """
    from procure.model import calendar_day  # loaded with the problem

    tender = problem.tender
    consultation = problem.consultation
    candidates = [
        tender.published if tender else None,
        consultation.responses_due if consultation else None,
        consultation.session.when if consultation and consultation.session else None,
    ]
    for candidate in candidates:
        if candidate is not None:
            return calendar_day(candidate)
    return legal_data().newest.valid_from


def consultation_basis(language: str) -> str:
    """The legal basis of a market consultation, in ``language``."""
    return legal_data().consultation_basis.get(language)


def prior_involvement_basis(language: str) -> str:
    """The legal basis for taking part in the tender after the consultation, in ``language``."""
    return legal_data().prior_involvement_basis.get(language)


def additional_information_basis(language: str) -> str:
    """The legal basis of the days for answers to bidders' questions, in ``language``."""
    return legal_data().additional_information_basis.get(language)


def standstill_basis(language: str) -> str:
    """The legal basis of the standstill period, in ``language``."""
    return legal_data().standstill_basis.get(language)
