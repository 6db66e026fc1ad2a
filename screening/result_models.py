"""The shape of a screening's output, shared by the app, the command line and the exports."""

from __future__ import annotations

from datetime import date
from typing import Literal

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
        """How the source is cited in text: its title, and its address when it has one (never a file name)."""
        if self.url:
            return f"{self.title} <{self.url}>"
        return self.title


class Trigger(_Out):
    """One answer the finding's condition read."""

    question_id: str
    prompt: str
    answer: str


class AlsoFound(_Out):
    """A finding folded into another's card because it shares its cause (one cause, one card)."""

    rule_id: str
    title: str
    severity: Severity
    summary: str


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
    patient_title: str | None = None     # the heading the patient reads; the title when absent
    cause: str | None = None             # the card key: findings of one cause share one card
    also: list[AlsoFound] = []           # the other findings of the same cause, folded into this card

    @property
    def card_key(self) -> str:
        return self.cause or self.rule_id

    @property
    def rule_ids(self) -> list[str]:
        return [self.rule_id, *(a.rule_id for a in self.also)]

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


class MedMatch(_Out):
    """One piece of a line that was recognised, and how."""

    text: str
    entry: str
    how: str          # name, brand or product name, abbreviation, known misspelling, tolerant match
    score: int        # 100 for exact; the rapidfuzz ratio for a tolerant match


MedStatus = Literal["recognised", "partly_read", "unrecognised", "empty"]
"""recognised: fully read, every word accounted for; partly_read: a medicine was found but some words
were not accounted for (or the line mixes alphabets); unrecognised: no medicine found; empty: blank."""

STATUS_LABELS: dict[str, str] = {"recognised": "read", "partly_read": "partly read", "unrecognised": "not read",
                                 "empty": "empty"}


class MedLine(_Out):
    """One input line of a medication list, classified."""

    number: int
    line: str
    status: MedStatus
    product: str | None
    ingredients: list[str]
    classes: list[str]
    long_acting: bool | None
    matches: list[MedMatch]
    leftover: list[str] = []                   # words not accounted for (as normalised)
    stopped: bool = False                      # marked stopped / discontinued / d/c / no longer taking
    stopped_date: date | None = None           # the stop date, only when read without ambiguity
    stopped_date_text: str | None = None       # a date written on a stopped line that could not be read for sure
    possible_hidden_opioid: bool = False       # a leftover word may be an opioid (beside APAP, promethazine...)
    mixed_script: bool = False                 # words mix Latin with Cyrillic or Greek letters
    notes: list[str] = []                      # why the line needs a look, in plain words

    @property
    def tolerant(self) -> bool:
        """Recognised only through a tolerant match: worth a second look."""
        return any(m.how in ("tolerant match", "truncated name") for m in self.matches)

    @property
    def fully_read(self) -> bool:
        return self.status == "recognised"

    @property
    def needs_review(self) -> bool:
        """Not fully read: it counts against a "no opioid" answer until someone checks it."""
        return self.status in ("partly_read", "unrecognised")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class Change(_Out):
    """From `on`, the findings of one category are these (empty: none), if nothing else changes."""

    on: date
    category: str
    findings: list[tuple[str, str, str]]   # (rule id, severity, title)

    def describe(self, label: str) -> str:
        if not self.findings:
            return f"from {self.on.isoformat()}, no finding ({label})"
        return f"from {self.on.isoformat()}, " + "; ".join(f"{sev} ({title})" for _, sev, title in self.findings)


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
    medications: list[MedLine] | None = None
    changes_ahead: dict[str, list[Change]] | None = None     # by category; see timeline.with_changes_ahead

    @property
    def unrecognised_medications(self) -> list[MedLine]:
        """Lines not fully read (not read at all, or partly read): each needs review by hand."""
        return [m for m in self.medications or [] if m.needs_review]

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]
