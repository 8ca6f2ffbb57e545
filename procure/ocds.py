"""Open Contracting Data Standard 1.1.5: a release package (``ocds.json``) for a pack.

One release per stage the pack's documents belong to: the consultation
(``tag`` planning, ``tender.status`` planning, engagement milestones) and the
tender (``tag`` tender, ``tender.status`` active). Each release is a full
snapshot of what the problem statement says:

- the buyer as a party (buyer and procuring entity) with its contact point;
- planning: the rationale (the problem) and the budget (the maximum value);
- tender: title, description, status, value (options included), procurement
  method and its Dutch name, award criteria (``ratedCriteria``, ``priceOnly``
  or ``qualityOnly``) with the weights on the lot as the award criteria
  breakdown extension has them, one lot (the lots extension's single virtual
  lot for a tender not divided into lots) carrying the options as the options
  extension has them, tender, enquiry, award and contract periods,
  milestones (``engagement`` for the consultation, ``delivery`` for each
  iteration) and the documents of the pack with their language and type;
- items: one per CPV code.

Dates without a time are read as Dutch local dates: a period starts at 00:00
and ends at 23:59:59, Europe/Amsterdam. Nothing depends on the clock: the
package and release dates are the pack's pinned date (``SOURCE_DATE_EPOCH``).
The schema and codelists are vendored in ``procure/data/ocds`` (Apache 2.0).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from procure.errors import OutputError

OCDS_DIR = Path(__file__).resolve().parent / "data" / "ocds"
OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}$")
ZONE = ZoneInfo("Europe/Amsterdam")
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteriaBreakdown_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_options_extension/master/extension.json",
)
LOT_ID = "1"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = {".docx": DOCX, ".pdf": "application/pdf"}

#: Each stage of the pack that gets its own release: (release tag, tender status).
STAGES = {"consultation": ("planning", "planning"), "tender": ("tender", "active")}
#: The OCDS documentType of each kind of document (an open codelist; a kind not listed gets none).
DOCUMENT_TYPES = {"consultation": "plannedProcurementNotice", "tender": "biddingDocuments"}
#: OCDS procurementMethod (closed codelist) of each procedure procure knows.
METHODS = {"open": "open", "national_open": "open", "restricted": "selective", "competitive_dialogue": "selective",
           "competitive_with_negotiation": "selective", "innovation_partnership": "selective",
           "multiple_private": "limited", "single_private": "direct"}

WORDS = {
    "nl": {"price": "Prijs", "session": "Marktconsultatie: bijeenkomst",
           "responses": "Marktconsultatie: reacties uiterlijk", "iteration": "Iteratie {n}: resultaat en stop/go-besluit",
           "options": "Optie op ten hoogste {n} aanvullende iteratie(s) van {weeks} weken, elk van {amount}; "
                      "het maximum van de opdracht, opties inbegrepen, is {maximum}.",
           "weights": "{criteria}; de weging telt op tot 100%.",
           "budget": "Maximale waarde van de opdracht, opties inbegrepen."},
    "en": {"price": "Price", "session": "Market consultation: session",
           "responses": "Market consultation: responses due", "iteration": "Iteration {n}: result and stop/go decision",
           "options": "Option of up to {n} further iteration(s) of {weeks} weeks, each of {amount}; the contract's "
                      "maximum value, options included, is {maximum}.",
           "weights": "{criteria}; the weights add up to 100%.",
           "budget": "Maximum value of the contract, options included."},
}


def check_prefix(prefix: str | None) -> str:
    """The ocid prefix, checked: ``ocds-`` and the six letters or digits the OCDS registry assigns."""
    if not prefix or not OCID_PREFIX.match(prefix):
        raise OutputError(f"the ocid prefix must be ocds- followed by six lower-case letters or digits "
                          f"(registered with the Open Contracting Partnership), not {prefix!r}; give it with "
                          "--ocid-prefix or PROCURE_OCID_PREFIX")
    return prefix


def ocds_bytes(loaded: Any, documents: Sequence[tuple[str, str]], prefix: str | None,
               templates_dir: Path | None = None) -> bytes:
    """The ``ocds.json`` of a pack: ``documents`` are (file name, kind) of every file it publishes."""
    package = release_package(loaded, documents, check_prefix(prefix), templates_dir)
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def release_package(loaded: Any, documents: Sequence[tuple[str, str]], prefix: str,
                    templates_dir: Path | None = None) -> dict[str, Any]:
    from procure.package import pinned_datetime

    problem = loaded.problem
    ocid = f"{prefix}-{problem.reference}"
    published = _stamp(pinned_datetime())
    kinds = list(dict.fromkeys(kind for _, kind in documents))
    stages = [kind for kind in kinds if kind in STAGES] or kinds[:1]
    releases = []
    for index, stage in enumerate(stages):
        # A release lists the documents of its stage and of every kind without a stage of its own.
        own = [d for d in documents if d[1] == stage or (d[1] not in STAGES and index == len(stages) - 1)]
        releases.append(_release(loaded, ocid, stage, own, published, templates_dir))
    return {
        "uri": f"urn:ocid:{ocid}",
        "version": "1.1",
        "extensions": list(EXTENSIONS),
        "publishedDate": published,
        "publisher": {"name": problem.buyer.organisation},
        "releases": releases,
    }


def _release(loaded: Any, ocid: str, stage: str, documents: Sequence[tuple[str, str]], published: str,
             templates_dir: Path | None) -> dict[str, Any]:
    from procure.legal import decide_procedure
    from procure.templating import load_strings

    problem = loaded.problem
    words = WORDS[problem.language]
    tag, status = STAGES.get(stage, ("tender", "active"))
    budget = problem.iteration_budget
    currency = budget.currency
    maximum = _value(problem.maximum_value, currency)
    procedure = decide_procedure(problem)
    buyer = problem.buyer
    party_id = buyer.organisation
    contact = {"name": buyer.contact.name, "email": buyer.contact.email}
    if buyer.contact.phone:
        contact["telephone"] = buyer.contact.phone
    organisation = buyer.organisation + (f", {buyer.department}" if buyer.department else "")
    strings = load_strings(problem.language, templates_dir)
    tender: dict[str, Any] = {
        "id": f"{problem.reference}",
        "title": problem.title,
        "description": problem.problem.statement.strip(),
        "status": status,
        "procuringEntity": {"id": party_id, "name": buyer.organisation},
        "value": maximum,
        "procurementMethod": METHODS.get(procedure.code, "open"),
        "procurementMethodDetails": procedure.name,
        "mainProcurementCategory": "services",
        "hasEnquiries": False,
    }
    items = [{"id": str(n), "description": problem.title, "relatedLot": LOT_ID,
              "classification": {"scheme": "CPV", "id": code.split("-")[0]}}
             for n, code in enumerate(problem.cpv_codes, start=1)]
    if items:
        tender["items"] = items
    lot: dict[str, Any] = {"id": LOT_ID, "title": problem.title, "status": status, "value": maximum,
                           "hasOptions": budget.option_iterations > 0}
    if budget.option_iterations:
        from procure.templating import format_money

        lot["options"] = {"description": words["options"].format(
            n=budget.option_iterations, weeks=budget.iteration_weeks,
            amount=format_money(budget.per_iteration, currency, problem.language),
            maximum=format_money(problem.maximum_value, currency, problem.language))}
    evaluation = problem.tender.evaluation if problem.tender else None
    if evaluation is not None:
        tender["awardCriteria"] = ("priceOnly" if evaluation.price_weight == 100 else
                                   "qualityOnly" if evaluation.price_weight == 0 else "ratedCriteria")
        criteria = [{"type": "quality", "name": c.name, **({"description": c.description} if c.description else {}),
                     "numbers": [{"number": c.weight, "weight": "percentageExact"}]} for c in evaluation.criteria]
        if evaluation.price_weight:
            criteria.append({"type": "price", "name": words["price"],
                             "numbers": [{"number": evaluation.price_weight, "weight": "percentageExact"}]})
        lot["awardCriteria"] = {"criteria": criteria}
        tender["awardCriteriaDetails"] = words["weights"].format(
            criteria="; ".join(f"{c['name']} {c['numbers'][0]['number']}%" for c in criteria))
    periods = _periods(problem)
    tender.update(periods)
    if "enquiryPeriod" in periods:
        tender["hasEnquiries"] = True
    if "contractPeriod" in periods:
        lot["contractPeriod"] = periods["contractPeriod"]
    tender["lots"] = [lot]
    milestones = _milestones(problem, words)
    if milestones:
        tender["milestones"] = milestones
    tender["documents"] = [_document(name, kind, problem.language, strings, published) for name, kind in documents]
    return {
        "ocid": ocid,
        "id": f"{problem.reference}-{stage}",
        "date": published,
        "tag": [tag],
        "initiationType": "tender",
        "language": problem.language,
        "parties": [{"id": party_id, "name": organisation, "roles": ["buyer", "procuringEntity"],
                     "contactPoint": contact}],
        "buyer": {"id": party_id, "name": buyer.organisation},
        "planning": {"rationale": problem.problem.statement.strip(),
                     "budget": {"description": words["budget"], "amount": maximum}},
        "tender": tender,
    }


def _value(amount: Decimal, currency: str) -> dict[str, Any]:
    number: Any = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"amount": number, "currency": currency}


def _stamp(moment: date | datetime, end: bool = False) -> str:
    """An ISO 8601 date-time with offset; a date alone is the start (or end) of that Dutch day."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(23, 59, 59) if end else time(0, 0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZONE)
    return moment.isoformat()


def _periods(problem: Any) -> dict[str, Any]:
    tender = problem.tender
    out: dict[str, Any] = {}
    if tender is None:
        return out

    def period(start: Any, end: Any) -> dict[str, str] | None:
        found = {}
        if start is not None:
            found["startDate"] = _stamp(start)
        if end is not None:
            found["endDate"] = _stamp(end, end=True)
        return found or None

    for name, start, end in (("tenderPeriod", tender.published, tender.submission_deadline),
                             ("enquiryPeriod", tender.published, tender.questions_due),
                             ("awardPeriod", tender.submission_deadline, tender.award_decision)):
        found = period(start, end) if end is not None else None
        if found:
            out[name] = found
    if tender.contract_start is not None:
        out["contractPeriod"] = {"startDate": _stamp(tender.contract_start),
                                 "durationInDays": problem.maximum_duration_weeks * 7}
    return out


def _milestones(problem: Any, words: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    consultation = problem.consultation
    if consultation is not None:
        if consultation.session is not None:
            out.append({"id": "consultation-session", "title": words["session"], "type": "engagement",
                        "dueDate": _stamp(consultation.session.when), "status": "scheduled"})
        if consultation.responses_due is not None:
            out.append({"id": "consultation-responses", "title": words["responses"], "type": "engagement",
                        "dueDate": _stamp(consultation.responses_due, end=True), "status": "scheduled"})
    budget = problem.iteration_budget
    start = problem.tender.contract_start if problem.tender else None
    for n in range(1, budget.iterations + 1):  # the contracted iterations; options are on the lot
        milestone: dict[str, Any] = {"id": f"iteration-{n}", "title": words["iteration"].format(n=n),
                                     "type": "delivery", "relatedLots": [LOT_ID]}
        if start is not None:
            first_day = start.date() if isinstance(start, datetime) else start
            milestone["dueDate"] = _stamp(first_day + timedelta(weeks=budget.iteration_weeks * n, days=-1), end=True)
            milestone["status"] = "scheduled"
        out.append(milestone)
    return out


def _document(name: str, kind: str, language: str, strings: dict[str, Any], published: str) -> dict[str, Any]:
    document: dict[str, Any] = {"id": name, "title": strings.get("documents", {}).get(kind, name),
                                "format": FORMATS.get(Path(name).suffix, "application/octet-stream"),
                                "language": language, "datePublished": published, "relatedLots": [LOT_ID]}
    if kind in DOCUMENT_TYPES:
        document["documentType"] = DOCUMENT_TYPES[kind]
    return document


def schema_path(name: str) -> Path:
    """A vendored OCDS 1.1.5 file (``release-schema.json``, ``codelists/tenderStatus.csv``...)."""
    return OCDS_DIR / name
