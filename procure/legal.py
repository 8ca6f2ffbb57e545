"""The legal facts as data, and the choice of procedure for a problem statement.

The facts (EU thresholds with their regulation and validity, minimum periods,
standstill, procedure names and legal bases) live in ``procure/data/legal.yaml``
with their sources, so that legal staff review one file and templates never
hard-code a number. This module reads that file once per process and answers
one question: which procedure does this procurement get, and what follows
from it.

The answer is deterministic: the date that selects the thresholds comes from
the problem statement (or, failing that, from the data), never from today.

Below the thresholds the procedure follows value bands that are the buyer's
own policy, not law: a problem statement may set them in
``procurement_policy.bands``; otherwise the example bands of ``legal.yaml`` apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal, Mapping, Sequence

from procure.model import Problem, calendar_day

Language = Literal["nl", "en"]
Kind = Literal["central", "sub_central"]
EU_THRESHOLD = "eu_threshold"


@dataclass(frozen=True)
class Localised:
    """One text in Dutch and English."""

    nl: str
    en: str

    def get(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


@dataclass(frozen=True)
class ThresholdSet:
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


@dataclass(frozen=True)
class ProcedureRule:
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


@dataclass(frozen=True)
class Band:
    """A below-threshold band of a buyer's policy: ``procedure`` for values below ``below``.

    ``below=None`` means "below the EU threshold in force for the buyer".
    """

    procedure: str
    below: Decimal | None


@dataclass(frozen=True)
class LegalData:
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

    def thresholds_on(self, day: date) -> ThresholdSet:
        """The set in force on ``day``; before the first or after the last set, the nearest one."""
        for candidate in self.thresholds:
            if candidate.covers(day):
                return candidate
        return self.thresholds[0] if day < self.thresholds[0].valid_from else self.thresholds[-1]

    @property
    def newest(self) -> ThresholdSet:
        return self.thresholds[-1]


@dataclass(frozen=True)
class ProcedureDecision:
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
    )
    _check(data)
    return data


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
    return ProcedureRule(
        code=code,
        name=_localised(raw["name"]),
        european=bool(raw["european"]),
        announced_on_tenderned=bool(raw["announced_on_tenderned"]),
        legal_basis=_localised(raw["legal_basis"]),
        several_bidders=bool(raw["several_bidders"]),
        min_request_days=raw.get("min_request_days"),
        min_submission_days=raw.get("min_submission_days"),
        min_submission_days_electronic=raw.get("min_submission_days_electronic"),
        source=raw.get("source"),
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


def decide_procedure(problem: Problem, bands: Sequence[Band] | None = None) -> ProcedureDecision:
    """The procedure for ``problem``: the one it names, or derived from the value and thresholds.

    The below-threshold bands are ``bands`` when given, else the problem's own
    ``procurement_policy.bands``, else the example bands of ``legal.yaml``. The
    value compared is the maximum value including options.
    """
    data = legal_data()
    day = reference_date(problem)
    thresholds = data.thresholds_on(day)
    kind: Kind = problem.buyer.kind or "central"
    threshold = thresholds.supplies_services[kind]
    value = problem.maximum_value
    european = value >= threshold
    chosen = problem.tender is not None and problem.tender.procedure != "auto"
    if chosen and problem.tender:
        code = problem.tender.procedure
    else:
        code = auto_procedure(value, threshold, bands_in_use(problem, bands))
    rule = data.procedures[code]
    return ProcedureDecision(
        code=code,
        chosen=chosen,
        european=european,
        threshold=threshold,
        threshold_kind=kind,
        kind_assumed=problem.buyer.kind is None,
        threshold_source=thresholds.source.get(problem.language),
        threshold_valid_from=thresholds.valid_from,
        threshold_valid_to=thresholds.valid_to,
        reference_date=day,
        maximum_value=value,
        name=rule.name.get(problem.language),
        min_submission_days=_submission_days(data, rule),
        min_request_days=rule.min_request_days,
        standstill_days=data.standstill_days,
        announced_on_tenderned=rule.announced_on_tenderned,
        legal_basis=rule.legal_basis.get(problem.language),
        allowed=rule.european or not european,
        threshold_in_force=thresholds.covers(day),
        several_bidders=rule.several_bidders,
        threshold_currency=data.threshold_currency,
        additional_information_days=_additional_information_days(data, european),
        standstill_basis=data.standstill_basis.get(problem.language) if rule.european else "",
    )


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
    """The legal basis of the six days for answers to bidders' questions, in ``language``."""
    return legal_data().additional_information_basis.get(language)


def standstill_basis(language: str) -> str:
    """The legal basis of the standstill period, in ``language``."""
    return legal_data().standstill_basis.get(language)
