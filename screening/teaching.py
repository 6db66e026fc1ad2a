"""Scoring a trainee's predictions: the most severe finding per topic, against the engine's."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from .result_models import Finding, ScreeningResult
from .rule_models import SEVERITY_ORDER

NO_FINDING = "no finding"
PREDICTIONS = (NO_FINDING, "info", "warning", "critical")


class TopicScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str
    predicted: str | None
    actual: str
    findings: list[Finding]

    @property
    def correct(self) -> bool:
        return self.predicted == self.actual


def score_predictions(result: ScreeningResult, predictions: Mapping[str, str | None]) -> list[TopicScore]:
    """One score per predicted topic: right when it names the topic's most severe finding (or none)."""
    out = []
    for topic, predicted in predictions.items():
        found = [f for f in result.findings if f.topic == topic]
        actual = min((f.severity for f in found), key=SEVERITY_ORDER.__getitem__) if found else NO_FINDING
        out.append(TopicScore(topic=topic, predicted=predicted, actual=actual, findings=found))
    return out
