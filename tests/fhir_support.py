"""Helpers for the FHIR import and CDS Hooks tests: the shared samples, and requests built from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "fhir-samples"
CDS_EXTERNAL = SHARED / "external" / "cds-hooks"
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))
MARINE = SAMPLES / "bulk10_Marine542_Ai120_Upton904_79a66c97.json"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared/fhir-samples is not beside the project")
needs_cds_external = pytest.mark.skipif(not CDS_EXTERNAL.is_dir(), reason="shared/external/cds-hooks is missing")


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def bundle(resources: list[dict[str, Any]], kind: str = "searchset") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in resources]}


def sample_resources(path: Path) -> list[dict[str, Any]]:
    return [e["resource"] for e in load(path)["entry"]]


def patient_of(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in resources if r["resourceType"] == "Patient")


def ldn_order(patient_id: str, text: str = "Naltrexone 4.5 mg capsule (LDN, compounded)", order_id: str = "ldn-1",
              coding: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text} if text else {}
    if coding:
        concept["coding"] = coding
    return {"resourceType": "MedicationRequest", "id": order_id, "status": "draft", "intent": "order",
            "subject": {"reference": f"Patient/{patient_id}"}, "medicationCodeableConcept": concept}


def prefetch_of(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """What an EHR would send for the service's prefetch templates (active MedicationRequests only)."""
    return {"patient": patient_of(resources),
            "medications": bundle([r for r in resources if r["resourceType"] == "MedicationRequest"
                                   and r.get("status") == "active"]),
            "conditions": bundle([r for r in resources if r["resourceType"] == "Condition"])}


def hook_request(patient_id: str, orders: list[dict[str, Any]], prefetch: dict[str, Any] | None = None,
                 hook: str = "order-sign", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"hook": hook, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                            "context": {"userId": "Practitioner/example", "patientId": patient_id,
                                        "draftOrders": bundle(orders, "collection")}}
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body
