"""JSON Schemas for editors, exported from the pydantic models (the models stay the single truth)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .case_file import CaseFile
from .ehr_rules import CdsHooksFile, FhirConditionsFile
from .rule_models import RulesetFile, SourcesFile, TableFile, TopicFile

SCHEMAS: dict[str, type[BaseModel]] = {
    "ruleset.schema.json": RulesetFile,
    "sources.schema.json": SourcesFile,
    "table.schema.json": TableFile,
    "topic.schema.json": TopicFile,
    "case.schema.json": CaseFile,
    "fhir-conditions.schema.json": FhirConditionsFile,
    "cds-hooks.schema.json": CdsHooksFile,
}


def schema_texts() -> dict[str, str]:
    """File name -> schema JSON text, deterministic so the committed copies can be compared."""
    return {name: json.dumps(model.model_json_schema(by_alias=True), indent=2, sort_keys=True) + "\n"
            for name, model in SCHEMAS.items()}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
