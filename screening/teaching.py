"""Teaching: scoring a trainee's predictions against the engine, numbering cases, running a lesson.

A topic's outcome is what the product itself would show for it: its most severe finding; else
"not assessed" when one of its applicable questions (or a medication line) was left open, since the
product never reads an unanswered question as "no concern"; else "no finding".
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from .crosschecks import forbidden_pattern
from .result_models import Finding, NotAssessed, ScreeningResult
from .rule_models import SEVERITY_ORDER, RulesetFile

NO_FINDING = "no finding"
NOT_ASSESSED = "not assessed"
PREDICTIONS = (NO_FINDING, "info", "warning", "critical", NOT_ASSESSED)
TRAINER_SEED = 20261203   # fixed, so every trainee and every projector shows the same case numbers


class TopicScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str
    predicted: str | None
    actual: str
    findings: list[Finding]
    open_items: list[NotAssessed] = []

    @property
    def correct(self) -> bool:
        return self.predicted == self.actual


def topic_outcome(result: ScreeningResult, topic: str) -> str:
    """The topic's most severe finding, else 'not assessed' if it has open items, else 'no finding'."""
    found = [f.severity for f in result.findings if f.topic == topic]
    if found:
        return min(found, key=SEVERITY_ORDER.__getitem__)
    if any(n.topic == topic for n in result.not_assessed):
        return NOT_ASSESSED
    return NO_FINDING


def score_predictions(result: ScreeningResult, predictions: Mapping[str, str | None]) -> list[TopicScore]:
    """One score per predicted topic: right when it names the topic's outcome (see topic_outcome)."""
    return [TopicScore(topic=topic, predicted=predicted, actual=topic_outcome(result, topic),
                       findings=[f for f in result.findings if f.topic == topic],
                       open_items=[n for n in result.not_assessed if n.topic == topic])
            for topic, predicted in predictions.items()]


def case_numbers(stems: Sequence[str], seed: int = TRAINER_SEED) -> dict[str, int]:
    """Case numbers from a seeded shuffle, stable for a given library and seed.

    File names state the answer, and the two cases of a boundary pair share a name prefix (13 and 14
    days, cataract and colonoscopy), so neighbours in file-name order never get consecutive numbers:
    a class cannot read one case's answer off the one beside it.
    """
    ordered = sorted(stems)
    neighbours = {frozenset(pair) for pair in zip(ordered, ordered[1:])}
    rng = random.Random(seed)
    order = list(ordered)
    for _ in range(10_000):
        rng.shuffle(order)
        if not any(frozenset(pair) in neighbours for pair in zip(order, order[1:])):
            break
    return {stem: i for i, stem in enumerate(order, start=1)}


def phrases_to_avoid(text: str, meta: RulesetFile, extra: Iterable[str] = ()) -> list[str]:
    """The decision words and narrative-language phrases of rules/ruleset.yaml that the text uses.

    A phrase is not a hit where the text goes on with the preferred wording that starts with it
    ('for alcohol use' is a hit; 'for alcohol use disorder' is not).
    """
    hits = [m.group(0) for m in forbidden_pattern([*meta.forbidden_words, *extra]).finditer(text)]
    for phrase in meta.narrative_language.phrases if meta.narrative_language else []:
        prefer = phrase.prefer.lower()
        for m in forbidden_pattern([phrase.avoid]).finditer(text):
            if not text[m.start():].lower().startswith(prefer):
                hits.append(m.group(0))
    return hits


def calendar_date(day: date) -> str:
    """A date as people say it ('Monday 23 November 2026'), so trainees count the days themselves."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class LessonScore(BaseModel):
    """The running score of one lesson: each revealed case counts once, with the predictions locked at its reveal."""

    model_config = ConfigDict(frozen=True)

    cases: dict[str, tuple[int, int]] = {}     # case key -> (topics right, topics predicted)

    def with_case(self, key: str, scored: Sequence[TopicScore]) -> LessonScore:
        if key in self.cases:                  # locked at its first reveal: never re-graded
            return self
        return LessonScore(cases={**self.cases, key: (sum(s.correct for s in scored), len(scored))})

    @property
    def correct(self) -> int:
        return sum(c for c, _ in self.cases.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.cases.values())
