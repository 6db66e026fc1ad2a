"""The shape of a screening's output, shared by the app, the command line and the exports."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, computed_field

from .rule_models import Severity


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SourceRef(_Out):
    id: str
    title: str
    kind: str
    url: str | None = None
    document: str | None = None

    @property
    def cite(self) -> str:
        """How the source is cited in text: the file name or the address."""
        if self.url:
            return f"{self.title} <{self.url}>"
        return f"{self.title} ({'seed file' if self.kind == 'seed' else 'file'} {self.document})"


class Trigger(_Out):
    """One answer the finding's condition read."""

    question_id: str
    prompt: str
    answer: str


class Finding(_Out):
    rule_id: str
    title: str
    category: str
    topic: str
    severity: Severity
    summary: str
    why: str
    discuss: list[str]
    would_change: str
    patient: str
    sources_disagree: str | None
    sources: list[SourceRef]
    triggered_by: list[Trigger]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def detail(self) -> str:
        """Why it matters, where sources disagree, and what would change it, as one paragraph set."""
        parts = [self.why]
        if self.sources_disagree:
            parts.append(f"Where sources disagree: {self.sources_disagree}")
        parts.append(f"What would change this: {self.would_change}")
        return "\n\n".join(parts)


class NotAssessed(_Out):
    question_id: str
    topic: str
    prompt: str


class InputProblem(_Out):
    field: str
    message: str


class RulesetInfo(_Out):
    name: str
    version: str
    sha256: str


class ScreeningResult(_Out):
    screening_date: date
    findings: list[Finding]
    not_assessed: list[NotAssessed]
    answered: int
    applicable: int
    input_problems: list[InputProblem]
    ruleset: RulesetInfo

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]
