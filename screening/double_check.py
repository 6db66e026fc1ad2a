"""The pharmacist's independent second check: two answer sets side by side, and their combination.

Each answer set is compared on every question that applies under either of them, so an answer given
in one check and skipped in the other counts as a disagreement. The combined answers exist only
once every disagreement has a resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .answers import answer_label, parse_answers
from .engine import applicable_answers
from .ruleset import RuleSet

Choice = Literal["first", "second"]


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    question_id: str
    topic: str
    prompt: str
    first: str | None
    second: str | None

    @property
    def agree(self) -> bool:
        return self.first == self.second


def compare(ruleset: RuleSet, first: Mapping[str, Any], second: Mapping[str, Any],
            screening_date: date) -> list[Comparison]:
    """Every question that applies in either check, with both answers as a person reads them."""
    typed = [parse_answers(ruleset, raw, screening_date)[0] for raw in (first, second)]
    shown = [applicable_answers(ruleset, answers, screening_date) for answers in typed]
    applies = set(shown[0][0]) | set(shown[1][0])
    out = []
    for cq in ruleset.questions:
        qid = cq.question.id
        if qid not in applies:
            continue
        labels = [answer_label(cq, effective[qid]) if qid in effective else None for _, effective in shown]
        out.append(Comparison(question_id=qid, topic=cq.topic, prompt=cq.question.prompt,
                              first=labels[0], second=labels[1]))
    return out


class Unresolved(ValueError):
    """Combined answers were asked for while disagreements remain."""


def combine(first: Mapping[str, Any], second: Mapping[str, Any], comparisons: list[Comparison],
            resolutions: Mapping[str, Choice | None]) -> dict[str, Any]:
    """The agreed answers, taking each disagreement from the side its resolution names."""
    open_items = [c.question_id for c in comparisons if not c.agree and resolutions.get(c.question_id) is None]
    if open_items:
        raise Unresolved(f"{len(open_items)} disagreement(s) not resolved: {', '.join(open_items)}")
    combined: dict[str, Any] = {}
    for c in comparisons:
        side = first if c.agree or resolutions.get(c.question_id) == "first" else second
        if side.get(c.question_id) is not None:
            combined[c.question_id] = side[c.question_id]
    return combined
