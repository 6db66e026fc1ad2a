"""Medication names from a FHIR R4 Bundle (MedicationRequest display text), for reading a record's list."""

from __future__ import annotations

from typing import Any


def _concept_text(concept: dict[str, Any]) -> str | None:
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display"):
            return str(coding["display"])
    return None


def medication_texts(bundle: dict[str, Any]) -> list[str]:
    """Each distinct medication text of the bundle's MedicationRequests, in first-seen order."""
    seen: dict[str, None] = {}
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "MedicationRequest":
            continue
        text = _concept_text(resource.get("medicationCodeableConcept", {}))
        if text:
            seen.setdefault(text, None)
    return list(seen)
