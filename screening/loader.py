"""Read a rules folder into a RuleSet, or refuse it whole with every problem named.

Layout of a rules folder:
    ruleset.yaml                name, version, categories, decision words to refuse, discussion points
    sources.yaml                every document a rule may cite
    tables/*.yaml               reference tables (the opioid agents and their acting class)
    topics/*.yaml               one checklist topic each: its questions and its rules
    medication-vocabulary.yaml  how medication lines are read, and the facts they give the rules
    medications/*.yaml          ingredients and products the medication-list reader recognises
Anything else ending in .yaml is an error, so a misplaced file is never silently ignored.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .crosschecks import Located, RuleSetChecker
from .ehr_rules import CdsHooksFile, FhirConditionsFile, check_ehr_files
from .errors import Problem, RuleSetError
from .rule_cache import load_rule_yaml
from .rule_models import MedicationFile, MedicationVocabulary, RulesetFile, SourcesFile, TableFile, TopicFile
from .ruleset import RuleSet, build_ruleset
from .yaml_io import YamlError, load_yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
# LDN_RULES_DIR / LDN_CASES_DIR point the app, the CLI and the tests at another copy (a contributor's
# draft topic, or the test that proves a new topic needs no code change).
DEFAULT_RULES_DIR = Path(os.environ.get("LDN_RULES_DIR") or PROJECT_DIR / "rules")
DEFAULT_CASES_DIR = Path(os.environ.get("LDN_CASES_DIR") or PROJECT_DIR / "cases")


EHR_FILES: dict[str, type[BaseModel]] = {"fhir-conditions.yaml": FhirConditionsFile, "cds-hooks.yaml": CdsHooksFile}
SCHEMA_FOLDER = "schema"   # generated JSON Schemas for editors: not rule files, not hashed


def rule_files(rules_dir: Path) -> list[Path]:
    """Every file of the rule set, in a stable order (also the order hashed); schema/ is left out."""
    return sorted(p for p in rules_dir.rglob("*")
                  if p.is_file() and p.relative_to(rules_dir).parts[0] != SCHEMA_FOLDER)


def ruleset_sha256(rules_dir: Path, files: list[Path]) -> str:
    """SHA-256 over each file's relative path and bytes, so a rename or an edit changes it."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(rules_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _kind_of(rel: Path) -> type[BaseModel] | None:
    if rel.suffix != ".yaml":
        return None
    if rel.as_posix() == "ruleset.yaml":
        return RulesetFile
    if rel.as_posix() == "sources.yaml":
        return SourcesFile
    if rel.as_posix() == "medication-vocabulary.yaml":
        return MedicationVocabulary
    if rel.as_posix() in EHR_FILES:
        return EHR_FILES[rel.as_posix()]
    if len(rel.parts) == 2 and rel.parts[0] == "medications":
        return MedicationFile
    if len(rel.parts) == 2 and rel.parts[0] == "tables":
        return TableFile
    if len(rel.parts) == 2 and rel.parts[0] == "topics":
        return TopicFile
    return None


def _where(data: Any, loc: tuple[Any, ...]) -> tuple[str, str]:
    """Turn a pydantic location into ('rule "x"', 'field.path') using the ids in the raw data."""
    if len(loc) >= 2 and loc[0] in ("rules", "questions", "rows", "sources", "categories", "discussion") \
            and isinstance(loc[1], int):
        noun = {"rules": "rule", "questions": "question", "rows": "row", "sources": "source",
                "categories": "category", "discussion": "discussion point"}[loc[0]]
        item = None
        try:
            item = data[loc[0]][loc[1]]
        except (KeyError, IndexError, TypeError):
            pass
        ident = (item.get("id") or item.get("value")) if isinstance(item, dict) else None
        label = f'{noun} "{ident}"' if ident else f"{noun} #{loc[1] + 1}"
        return label, ".".join(str(p) for p in loc[2:])
    return "", ".".join(str(p) for p in loc)


PATTERN_HINTS = {
    r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "must be kebab-case: lower-case words joined by hyphens, e.g. opioid-current-use",
    r"^[a-z][a-z0-9_]*$": "must be snake_case: lower-case letters, digits and underscores, starting with a letter",
    r"^[a-z0-9][a-z0-9-]*$": "must be lower-case letters, digits and hyphens",
    r"^\d+\.\d+\.\d+$": "must be a version MAJOR.MINOR.PATCH in quotes, e.g. \"1.2.0\"",
    r"^https?://": "must be a web address starting with http:// or https://",
    r"\S": "must not be blank",
}


def _describe(err: dict[str, Any]) -> str:
    kind, shown = err["type"], err.get("input")
    got = f" (got {shown!r})" if not isinstance(shown, (dict, list)) else ""
    if kind == "extra_forbidden":
        return "unknown field (not part of the rule-file schema; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind == "too_short":
        return f"must not be empty (at least {err.get('ctx', {}).get('min_length', 1)} item)"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        return PATTERN_HINTS.get(pattern, err["msg"]) + got
    if kind in ("condition_shape", "value_shape"):
        keys = ", ".join(map(str, shown)) if isinstance(shown, dict) else type(shown).__name__
        return f"{err['msg']} (found: {keys or 'no keys'})"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return f"{err['msg']}{got}"


def _collapse(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union tag pydantic repeats before a field of the same name (when.in.in.values)."""
    out: list[Any] = []
    for part in loc:
        if not (out and out[-1] == part and isinstance(part, str)):
            out.append(part)
    return tuple(out)


def validation_problems(file: str, data: Any, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        where, field = _where(data, _collapse(tuple(err["loc"])))
        message = f'field "{field}": {_describe(err)}' if field else _describe(err)
        problems.append(Problem(file, message, where))
    return problems


def parse_file(path: Path, rules_dir: Path, data_cache: bool = False) -> tuple[Located | None, list[Problem]]:
    rel = path.relative_to(rules_dir)
    name = f"{rules_dir.name}/{rel.as_posix()}"
    model_type = _kind_of(rel)
    if model_type is None:
        return None, [Problem(name, "unexpected file in the rules folder: rule files are ruleset.yaml, "
                                    "sources.yaml, medication-vocabulary.yaml, fhir-conditions.yaml, cds-hooks.yaml, tables/*.yaml, topics/*.yaml and "
                                    "medications/*.yaml (lower-case .yaml); move or remove it")]
    try:
        text = path.read_text(encoding="utf-8")
        data = load_rule_yaml(text) if data_cache else load_yaml(text)   # plain data; validated below every time
    except UnicodeDecodeError:
        return None, [Problem(name, "not UTF-8 text")]
    except YamlError as exc:
        return None, [Problem(name, str(exc))]
    if data is None:
        return None, [Problem(name, "the file is empty")]
    if not isinstance(data, dict):
        return None, [Problem(name, f"must be a YAML mapping at the top level (got a {type(data).__name__})")]
    try:
        return Located(name, model_type.model_validate(data)), []
    except ValidationError as exc:
        return None, validation_problems(name, data, exc)


def load_ruleset(rules_dir: Path | str = DEFAULT_RULES_DIR, *, data_cache: bool = False) -> RuleSet:
    """Load, validate and compile a rules folder; raise RuleSetError listing every problem.

    data_cache: take each file's parsed YAML data from the rule-file cache (rule_cache.py). Only the
    command line asks for it, where start-up is most of a run; the app and the CDS service read the
    rules once per process and never read the cache, so a server's rules come from its rules folder alone.
    """
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise RuleSetError([Problem(str(rules_dir), "rules folder not found")])
    files = rule_files(rules_dir)
    problems: list[Problem] = []
    parsed: dict[type[BaseModel], list[Located]] = {kind: [] for kind in (
        RulesetFile, SourcesFile, TableFile, TopicFile, MedicationVocabulary, MedicationFile, *EHR_FILES.values())}
    for path in files:
        located, found = parse_file(path, rules_dir, data_cache)
        problems.extend(found)
        if located is not None:
            parsed[type(located.model)].append(located)
    for required, fname in ((RulesetFile, "ruleset.yaml"), (SourcesFile, "sources.yaml"),
                            (MedicationVocabulary, "medication-vocabulary.yaml")):
        if not parsed[required] and not any(p.file.endswith(fname) for p in problems):
            problems.append(Problem(f"{rules_dir.name}/{fname}", "required file is missing"))
    if not parsed[TopicFile] and not any("/topics/" in p.file for p in problems):
        problems.append(Problem(f"{rules_dir.name}/topics", "no topic files: the checklist would be empty"))
    if problems:
        raise RuleSetError(problems)
    checker = RuleSetChecker(parsed[RulesetFile][0], parsed[SourcesFile][0], parsed[TableFile], parsed[TopicFile],
                             parsed[MedicationVocabulary][0], parsed[MedicationFile])
    problems = checker.run()
    ehr = {kind: (parsed[kind][0].file, parsed[kind][0].model) if parsed[kind] else None
           for kind in EHR_FILES.values()}
    problems += check_ehr_files(ehr[FhirConditionsFile], ehr[CdsHooksFile],  # type: ignore[arg-type]
                                {q.id for q in checker.questions.values() if q.type == "yes_no"},
                                set(checker.questions), checker.source_ids, checker.forbidden)
    if problems:
        raise RuleSetError(problems)
    return build_ruleset(
        meta=checker.meta, sha256=ruleset_sha256(rules_dir, files), sources=list(checker.sources.sources),
        tables=[t.model for t in parsed[TableFile]],  # type: ignore[misc]
        topics=[(t.model.topic, list(t.model.questions), list(t.model.rules))  # type: ignore[attr-defined]
                for t in parsed[TopicFile]],
        vocabulary=checker.vocabulary, medication_files=[m.model for m in parsed[MedicationFile]],  # type: ignore[misc]
        contradictions=[(t.model.topic.id, c) for t in parsed[TopicFile]  # type: ignore[attr-defined]
                        for c in t.model.contradictions],  # type: ignore[attr-defined]
    ).with_ehr(fhir=ehr[FhirConditionsFile] and ehr[FhirConditionsFile][1],  # type: ignore[index]
               cds=ehr[CdsHooksFile] and ehr[CdsHooksFile][1])  # type: ignore[index]
