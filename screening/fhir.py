"""Medication names from a FHIR R4 Bundle, for reading a record's list.

Only orders with a current status count by default: a record keeps every order ever written, and a
meperidine order stopped in 1980 is not current opioid use. The full import (current and recently
stopped lines, conditions, provenance) is screening/fhir_import.py.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

CURRENT_STATUSES = ("active", "on-hold")   # the same as rules/fhir-conditions.yaml medications.*.current


def _concept_text(concept: dict[str, Any]) -> str | None:
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display"):
            return str(coding["display"])
    return None


def medication_texts(bundle: dict[str, Any], statuses: Collection[str] | None = CURRENT_STATUSES) -> list[str]:
    """Each distinct medication text of the bundle's MedicationRequests with one of `statuses`
    (None: whatever the status, e.g. to test the reader on every name), in first-seen order."""
    seen: dict[str, None] = {}
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "MedicationRequest":
            continue
        if statuses is not None and resource.get("status") not in statuses:
            continue
        text = _concept_text(resource.get("medicationCodeableConcept", {}))
        if text:
            seen.setdefault(text, None)
    return list(seen)
