"""``--ocds``: the release package validates against the vendored OCDS 1.1.5 schema, its codelists and the
extensions' fields, and says what the problem statement says."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procure.cli import cli
from procure.loader import load_problem
from procure.ocds import OCDS_DIR, release_package
from tests.conftest import EXAMPLES, ROOT

PACKAGE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def extended_release_schema() -> dict[str, Any]:
    """The release schema with the extensions' fields merged in, and every object closed, so that a
    field no schema defines is an error (as libcove's 'additional fields' check reports it)."""
    schema = json.loads((OCDS_DIR / "release-schema.json").read_text(encoding="utf-8"))
    patch = json.loads((OCDS_DIR / "extensions.json").read_text(encoding="utf-8"))
    for name, definition in patch["definitions"].items():
        target = schema["definitions"].setdefault(name, {})
        if "properties" in definition and "properties" in target:
            target["properties"].update(definition["properties"])
        else:
            target.update(copy.deepcopy(definition))

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "patternProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def package_validator() -> jsonschema.Draft4Validator:
    package = json.loads((OCDS_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources([
        (RELEASE_URL, Resource(extended_release_schema(), specification=DRAFT4)),
        (PACKAGE_URL, Resource(package, specification=DRAFT4)),
    ])
    return jsonschema.Draft4Validator(package, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def codes(name: str) -> set[str]:
    with (OCDS_DIR / "codelists" / name).open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def check_open_codelists(release: dict[str, Any]) -> None:
    """The open codelists procure uses: only codes from the standard's lists."""
    tender = release["tender"]
    assert tender.get("awardCriteria", "ratedCriteria") in codes("awardCriteria.csv")
    assert {m["type"] for m in tender.get("milestones", [])} <= codes("milestoneType.csv")
    assert {d["documentType"] for d in tender["documents"] if "documentType" in d} <= codes("documentType.csv")
    assert {r for p in release["parties"] for r in p["roles"]} <= codes("partyRole.csv")
    assert tender["value"]["currency"] in codes("currency.csv")


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_validates(example: Path) -> None:
    loaded = load_problem(example)
    ref = loaded.problem.reference
    documents = [(f"{ref}-consultation.docx", "consultation"), (f"{ref}-tender.docx", "tender"),
                 (f"{ref}-tender.pdf", "tender")]
    package = release_package(loaded, documents, "ocds-abc123")
    errors = sorted(package_validator().iter_errors(package), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    for release in package["releases"]:
        check_open_codelists(release)


def test_the_release_says_what_the_problem_statement_says() -> None:
    loaded = load_problem(ROOT / "examples" / "waterschap-meldingen.yaml")
    package = release_package(loaded, [("W-consultation.docx", "consultation"), ("W-tender.docx", "tender")],
                              "ocds-abc123")
    consultation, tender_release = package["releases"]
    assert consultation["ocid"] == tender_release["ocid"] == "ocds-abc123-WLL-2027-012"
    assert (consultation["tag"], consultation["tender"]["status"]) == (["planning"], "planning")
    assert (tender_release["tag"], tender_release["tender"]["status"]) == (["tender"], "active")
    assert [d["id"] for d in consultation["tender"]["documents"]] == ["W-consultation.docx"]
    assert [(d["id"], d["language"], d["documentType"]) for d in tender_release["tender"]["documents"]] == [
        ("W-tender.docx", "nl", "biddingDocuments")]
    tender = tender_release["tender"]
    # the maximum value of the whole contract: iterations, options, exit support and scale-up options
    assert tender["value"] == {"amount": int(loaded.problem.maximum_value), "currency": "EUR"}
    assert loaded.problem.maximum_value > 450000
    assert tender["procurementMethod"] == "open" and tender["procurementMethodDetails"] == "openbare procedure"
    assert tender["awardCriteria"] == "ratedCriteria"
    (lot,) = tender["lots"]
    weights = [(c["type"], c["name"], c["numbers"][0]["number"]) for c in lot["awardCriteria"]["criteria"]]
    assert weights == [("quality", "Aanpak van de eerste vier iteraties", 35),
                       ("quality", "Samenwerken met melders en medewerkers", 25),
                       ("quality", "Betrouwbaarheid tijdens hoogwater", 15), ("price", "Prijs", 25)]
    assert lot["hasOptions"] is True and "6 aanvullende iteratie(s) van 3 weken" in lot["options"]["description"]
    assert tender["tenderPeriod"] == {"startDate": "2027-05-10T00:00:00+02:00", "endDate": "2027-06-21T12:00:00+02:00"}
    assert tender["enquiryPeriod"]["endDate"] == "2027-06-04T23:59:59+02:00"
    assert tender["awardPeriod"]["endDate"] == "2027-07-12T23:59:59+02:00"
    milestones = [(m["type"], m.get("dueDate")) for m in tender["milestones"]]
    assert milestones[:2] == [("engagement", "2027-03-03T10:00:00+01:00"), ("engagement", "2027-03-24T23:59:59+01:00")]
    # Four contracted iterations of three weeks from 2027-08-30: the first ends on 2027-09-19.
    assert milestones[2:] == [("delivery", "2027-09-19T23:59:59+02:00"), ("delivery", "2027-10-10T23:59:59+02:00"),
                              ("delivery", "2027-10-31T23:59:59+01:00"), ("delivery", "2027-11-21T23:59:59+01:00")]
    assert [i["classification"]["id"] for i in tender["items"]] == ["72000000", "72200000", "72224000"]


def test_an_invalid_release_is_caught() -> None:
    """The validation can fail: a status outside the closed codelist and an unknown field are errors."""
    loaded = load_problem(ROOT / "examples" / "waterschap-meldingen.yaml")
    package = release_package(loaded, [("W-tender.docx", "tender")], "ocds-abc123")
    package["releases"][0]["tender"]["status"] = "open"
    package["releases"][0]["tender"]["lots"][0]["weighting"] = 3
    messages = [e.message for e in package_validator().iter_errors(package)]
    assert any("'open' is not one of" in m for m in messages)
    assert any("'weighting' was unexpected" in m for m in messages)


def test_batch_writes_ocds_and_lists_it_in_the_manifest(tmp_path: Path) -> None:
    source = ROOT / "examples" / "gemeente-bijstand.yaml"
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(tmp_path), "--ocds", "--ocid-prefix",
                                      "ocds-abc123", "-j", "1"])
    assert result.exit_code == 0, result.stderr
    pack = tmp_path / "ZV-2027-004"
    package = json.loads((pack / "ocds.json").read_text(encoding="utf-8"))
    assert not list(package_validator().iter_errors(package))
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    assert "ocds.json" in [o["name"] for o in manifest["outputs"]]
    assert manifest["options"]["ocid_prefix"] == "ocds-abc123"


def test_a_bad_or_missing_ocid_prefix_is_a_usage_error(tmp_path: Path) -> None:
    source = str(ROOT / "examples" / "gemeente-bijstand.yaml")
    for extra in ([], ["--ocid-prefix", "OCDS-1"]):
        result = CliRunner(env={"PROCURE_OCID_PREFIX": None}).invoke(
            cli, ["batch", source, "-o", str(tmp_path), "--ocds", *extra])
        assert result.exit_code == 2 and "ocid prefix must be ocds-" in result.stderr
        assert not (tmp_path / "ZV-2027-004").exists()
