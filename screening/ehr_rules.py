"""The shapes of the EHR rule files (FHIR import code lists, CDS Hooks wording) and their cross-checks.

rules/fhir-conditions.yaml  which coded conditions pre-fill which yes/no question, the medication
                            look-back window, the FHIR statuses that count, naltrexone RxNorm codes
rules/cds-hooks.yaml        the CDS Hooks services' titles, card wording and override reasons

Both are loaded with the rest of the rule set (screening/loader.py), so a bad file stops everything
with the file and field named: a code list that silently failed to load would turn "the record says
transplant" into "not assessed" without anyone knowing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .conditions import QuestionId
from .errors import Problem
from .rule_models import Id, RuleId, SourceId, Text
from .strict import StrictModel

Url = Annotated[str, Field(pattern=r"^(https?://|urn:)")]


class CodeEntry(StrictModel):
    system: Id = Field(description="a name from code_systems")
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9.\-]+$")]
    display: Text
    prefix: bool = Field(default=False, description="ICD-10: this code and every code under it (Z94 covers Z94.0)")


class ConditionList(StrictModel):
    """Codes that, on an active Condition, pre-fill `question` with yes (never no)."""

    id: RuleId
    question: QuestionId
    label: Text
    codes: list[CodeEntry] = Field(min_length=1)
    exclude: list[CodeEntry] = Field(default_factory=list, description="codes under a prefix that do not count")
    onset_within_days: int | None = Field(default=None, gt=0, description="ignore entries whose onset is older "
                                          "(a stale 'active' pregnancy); no onset date counts")
    sources: list[SourceId] = Field(min_length=1)
    note: str | None = None


class StatusSets(StrictModel):
    current: list[Text] = Field(min_length=1, description="statuses read as a current medication line")
    stopped: list[Text] = Field(min_length=1, description="statuses read as a stopped line when they ended "
                                                          "inside the look-back window")


class MedicationImport(StrictModel):
    lookback_days: int = Field(gt=0, description="stopped medicines that ended this many days before the "
                                                 "screening date or less are listed as stopped lines")
    stopped_line: Text = Field(description="how a stopped line is written; {name} and {date} (YYYY-MM-DD)")
    MedicationRequest: StatusSets
    MedicationStatement: StatusSets
    sources: list[SourceId] = Field(min_length=1)

    @model_validator(mode="after")
    def _placeholders(self) -> MedicationImport:
        if "{name}" not in self.stopped_line or "{date}" not in self.stopped_line:
            raise ValueError("stopped_line must contain {name} and {date}")
        return self


class ConditionStatuses(StrictModel):
    clinical: list[Text] = Field(min_length=1, description="clinicalStatus codes that count (active, recurrence)")
    verification_ignored: list[Text] = Field(description="verificationStatus codes that make an entry not count")
    sources: list[SourceId] = Field(min_length=1)


class RxNormCodes(StrictModel):
    codes: list[CodeEntry] = Field(min_length=1)
    sources: list[SourceId] = Field(min_length=1)


class FhirConditionsFile(StrictModel):
    """rules/fhir-conditions.yaml."""

    description: Text
    code_systems: dict[Id, list[Url]] = Field(min_length=1, description="name -> the FHIR system URIs it covers")
    condition_statuses: ConditionStatuses
    medications: MedicationImport
    naltrexone_rxnorm: RxNormCodes
    conditions: list[ConditionList] = Field(min_length=1)


class CdsService(StrictModel):
    id: RuleId
    hook: Literal["order-select", "order-sign"]
    title: Text
    description: Text


class OverrideReason(StrictModel):
    code: RuleId
    display: Text


class CdsHooksFile(StrictModel):
    """rules/cds-hooks.yaml: what the CDS Hooks service says; how it says it is in screening/cds_hooks/."""

    services: list[CdsService] = Field(min_length=1)
    source_label: Text = Field(description="card source.label; {name} and {version} are filled in")
    override_reason_system: Url
    override_reasons: list[OverrideReason] = Field(min_length=1)
    detail_footer: Text = Field(description="the last paragraph of every card's detail")
    not_assessed_summary: Text = Field(description="summary of the info card; {count} is filled in")
    not_assessed_intro: Text
    checklist_link_label: Text
    sources: list[SourceId] = Field(min_length=1)


def check_ehr_files(fhir: tuple[str, FhirConditionsFile] | None, cds: tuple[str, CdsHooksFile] | None,
                    yes_no_questions: set[str], all_questions: set[str], source_ids: set[str],
                    forbidden: object) -> Iterator[Problem]:
    """Cross-file checks: questions exist and are yes/no, systems and sources are known, no decision words."""
    if fhir is not None:
        file, model = fhir
        groups: list[tuple[str, list[str]]] = [
            ("condition_statuses", model.condition_statuses.sources), ("medications", model.medications.sources),
            ("naltrexone_rxnorm", model.naltrexone_rxnorm.sources)]
        seen: set[str] = set()
        for cl in model.conditions:
            where = f'condition list "{cl.id}"'
            if cl.id in seen:
                yield Problem(file, f'condition list "{cl.id}" is defined twice; ids must be unique', where)
            seen.add(cl.id)
            if cl.question not in all_questions:
                yield Problem(file, f'field "question": unknown question "{cl.question}" (not in rules/topics/)', where)
            elif cl.question not in yes_no_questions:
                yield Problem(file, f'field "question": "{cl.question}" is not a yes/no question; a record can only '
                                    "pre-fill yes", where)
            for entry in [*cl.codes, *cl.exclude]:
                if entry.system not in model.code_systems:
                    yield Problem(file, f'code "{entry.code}": unknown system "{entry.system}" (expected one of: '
                                        f'{", ".join(model.code_systems)})', where)
            groups.append((where, cl.sources))
        for entry in model.naltrexone_rxnorm.codes:
            if entry.system not in model.code_systems:
                yield Problem(file, f'code "{entry.code}": unknown system "{entry.system}"', "naltrexone_rxnorm")
        for where, ids in groups:
            for sid in ids:
                if sid not in source_ids:
                    yield Problem(file, f'field "sources": unknown source "{sid}" (not in sources.yaml)', where)
    if cds is not None:
        file, cmodel = cds
        for sid in cmodel.sources:
            if sid not in source_ids:
                yield Problem(file, f'field "sources": unknown source "{sid}" (not in sources.yaml)')
        texts = [("source_label", cmodel.source_label), ("detail_footer", cmodel.detail_footer),
                 ("not_assessed_summary", cmodel.not_assessed_summary),
                 ("not_assessed_intro", cmodel.not_assessed_intro),
                 *((f"services.{s.id}", f"{s.title} {s.description}") for s in cmodel.services),
                 *((f"override_reasons.{r.code}", r.display) for r in cmodel.override_reasons)]
        for field, text in texts:
            hit = forbidden.search(text)  # type: ignore[attr-defined]
            if hit:
                yield Problem(file, f'field "{field}": uses the decision word "{hit.group(0)}"; this tool summarises '
                                    "findings for discussion and must not word them as a decision")
        widest = cmodel.not_assessed_summary.replace("{count}", "999")
        if len(widest) >= 140:
            yield Problem(file, f'field "not_assessed_summary": a CDS Hooks card summary must be under 140 '
                                f"characters (up to {len(widest)} once filled in)")
        hooks = [s.hook for s in cmodel.services]
        for hook in ("order-select", "order-sign"):
            if hooks.count(hook) != 1:
                yield Problem(file, f'field "services": needs exactly one service for the hook "{hook}" '
                                    f"(found {hooks.count(hook)})")
