"""The pharmacist's independent second check: two screenings side by side, and their combination.

The two checks are compared on every question that applies under either of them, so an answer given
in one check and skipped in the other counts as a disagreement. A question shown on one side only
(because a parent answer differs) follows the resolution of that parent. The combination exists only
once every disagreement has a resolution, and is itself a `Screening`, so it is screened, exported and
signed exactly like the first one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .answers import answer_label
from .errors import Unresolved
from .session import Screening

Choice = Literal["first", "second"]


class Comparison(BaseModel):
    """One question as each check answered it, in the words a person reads."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    topic: str
    prompt: str
    first: str | None
    second: str | None
    shown_in: Literal["both", "first", "second"] = "both"

    @property
    def agree(self) -> bool:
        return self.first == self.second

    @property
    def one_sided(self) -> bool:
        """Asked in one check only, because a parent answer differs: it follows that parent's resolution."""
        return self.shown_in != "both"

    @property
    def disagrees(self) -> bool:
        """A disagreement the pharmacist must resolve (a one-sided question is resolved through its parent)."""
        return not self.agree and not self.one_sided


def compare(first: Screening, second: Screening) -> list[Comparison]:
    """Every question that applies in either check, with both answers as a person reads them."""
    if first.ruleset is not second.ruleset or first.screening_date != second.screening_date:
        raise ValueError("the two checks must be screened with the same rule set on the same date")
    shown = (set(first.visible), set(second.visible))
    out = []
    for cq in first.ruleset.questions:
        qid = cq.question.id
        where = [qid in s for s in shown]
        if not any(where):
            continue
        labels = [answer_label(cq, s.used[qid]) if qid in s.used else None for s in (first, second)]
        out.append(Comparison(question_id=qid, topic=cq.topic, prompt=cq.question.prompt, first=labels[0],
                              second=labels[1], shown_in="both" if all(where) else "first" if where[0] else "second"))
    return out


def combine(first: Screening, second: Screening, comparisons: list[Comparison],
            resolutions: Mapping[str, Choice | None]) -> Screening:
    """The agreed screening: each disagreement taken from the side its resolution names, a one-sided
    question from the side that asks it, and then any answer the resolved parents hide dropped, so no
    stale hidden answer enters the combined result."""
    open_items = [c.question_id for c in comparisons if c.disagrees and resolutions.get(c.question_id) is None]
    if open_items:
        raise Unresolved(f"{len(open_items)} disagreement(s) not resolved: {', '.join(open_items)}")
    combined: dict[str, Any] = {}
    for c in comparisons:
        side = _side(c, resolutions)
        value = (first if side == "first" else second).raw.get(c.question_id)
        if value is not None:
            combined[c.question_id] = value
    draft = first.with_answers(combined)
    shown = set(draft.visible)
    return first.with_answers({qid: v for qid, v in combined.items() if qid in shown})


def _side(c: Comparison, resolutions: Mapping[str, Choice | None]) -> Choice:
    if c.one_sided:
        return c.shown_in  # type: ignore[return-value]
    if c.agree:
        return "first"
    return resolutions[c.question_id] or "first"
