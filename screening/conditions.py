"""The closed condition vocabulary of rule files, and its compiler.

A condition is a YAML mapping with exactly one key: all, any, not, equals, in, answered, compare,
days_since or lookup. Nothing in a rule file is ever evaluated as code: each shape is a pydantic
model, compiled once at load time into a small Python closure.

Logic is three-valued (Kleene): a test on an unanswered question is *unknown* (None), not false, so
a rule never fires or stays silent because a question was skipped; the skipped question is
reported as not assessed instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from .strict import StrictModel

QuestionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="A question id.")]
Scalar = Union[bool, str, int, float]  # bool first, so `true` is reported as such, not as 1
Truth = bool | None
Answers = Mapping[str, Any]
Evaluator = Callable[[Answers, date], Truth]
Tables = Mapping[str, Mapping[str, Mapping[str, str]]]

CONDITION_KEYS = ("all", "any", "not", "equals", "in", "answered", "compare", "days_since", "lookup")



class EqualsArgs(StrictModel):
    question: QuestionId
    value: Scalar = Field(description="The option value (or number) the answer must equal.")


class InArgs(StrictModel):
    question: QuestionId
    values: list[Scalar] = Field(min_length=1, description="The answer must be one of these.")


class CompareArgs(StrictModel):
    question: QuestionId
    op: Literal["lt", "lte", "gt", "gte"] = Field(description="less than, at most, more than, at least")
    value: int | float


class DaysSinceArgs(StrictModel):
    """Whole days from a date answer to the screening date, compared with bounds (any of the four)."""

    question: QuestionId
    lt: int | None = None
    lte: int | None = None
    gt: int | None = None
    gte: int | None = None

    @model_validator(mode="after")
    def _needs_a_possible_bound(self) -> DaysSinceArgs:
        if all(b is None for b in (self.lt, self.lte, self.gt, self.gte)):
            raise ValueError("days_since needs at least one bound: lt, lte, gt or gte")
        lowest = max(b for b in (self.gte, None if self.gt is None else self.gt + 1, -10**9) if b is not None)
        highest = min(b for b in (self.lte, None if self.lt is None else self.lt - 1, 10**9) if b is not None)
        if lowest > highest:
            raise ValueError(f"days_since bounds can never all hold (no whole number of days from {lowest} to "
                             f"{highest})")
        return self


class LookupArgs(StrictModel):
    """Look the answer up in a reference table and test one of its attributes."""

    question: QuestionId
    table: str
    attribute: str
    in_: list[str] = Field(alias="in", min_length=1)


class AllOf(StrictModel):
    all_: list[Condition] = Field(alias="all", min_length=1, description="True when every part is true.")


class AnyOf(StrictModel):
    any_: list[Condition] = Field(alias="any", min_length=1, description="True when any part is true.")


class NotOf(StrictModel):
    not_: Condition = Field(alias="not", description="True when the part is false.")


class Equals(StrictModel):
    equals: EqualsArgs


class In(StrictModel):
    in_: InArgs = Field(alias="in")


class Answered(StrictModel):
    answered: QuestionId = Field(description="True when the question has an answer; never unknown.")


class Compare(StrictModel):
    compare: CompareArgs


class DaysSince(StrictModel):
    days_since: DaysSinceArgs


class Lookup(StrictModel):
    lookup: LookupArgs


def _condition_key(value: Any) -> str | None:
    """Pick the condition shape from its single key, so errors name the shape that was meant."""
    if isinstance(value, dict):
        keys = list(value)
        return keys[0] if len(keys) == 1 and keys[0] in CONDITION_KEYS else None
    return _TAG_OF_CLASS.get(type(value))


Condition = Annotated[
    Union[
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[NotOf, Tag("not")],
        Annotated[Equals, Tag("equals")],
        Annotated[In, Tag("in")],
        Annotated[Answered, Tag("answered")],
        Annotated[Compare, Tag("compare")],
        Annotated[DaysSince, Tag("days_since")],
        Annotated[Lookup, Tag("lookup")],
    ],
    Discriminator(
        _condition_key,
        custom_error_type="condition_shape",
        custom_error_message="a condition is a mapping with exactly one key, one of: " + ", ".join(CONDITION_KEYS),
    ),
]

_TAG_OF_CLASS: dict[type, str] = {
    AllOf: "all", AnyOf: "any", NotOf: "not", Equals: "equals", In: "in",
    Answered: "answered", Compare: "compare", DaysSince: "days_since", Lookup: "lookup",
}

for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


def children(cond: Condition) -> list[Condition]:
    """The sub-conditions of a combinator (empty for a leaf)."""
    if isinstance(cond, AllOf):
        return list(cond.all_)
    if isinstance(cond, AnyOf):
        return list(cond.any_)
    if isinstance(cond, NotOf):
        return [cond.not_]
    return []


def leaf_question(cond: Condition) -> str | None:
    """The question a leaf condition reads, or None for a combinator."""
    if isinstance(cond, Answered):
        return cond.answered
    args = getattr(cond, "equals", None) or getattr(cond, "in_", None) or getattr(cond, "compare", None) \
        or getattr(cond, "days_since", None) or getattr(cond, "lookup", None)
    return args.question if args is not None else None


def walk(cond: Condition) -> Iterator[Condition]:
    """Every condition in the tree, depth first."""
    yield cond
    for child in children(cond):
        yield from walk(child)


def questions_in(cond: Condition) -> list[str]:
    """The question ids a condition reads, in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for node in walk(cond):
        q = leaf_question(node)
        if q is not None:
            seen.setdefault(q, None)
    return list(seen)


# ---- the compiler -------------------------------------------------------------------------------

def _all(parts: list[Evaluator]) -> Evaluator:
    def run(answers: Answers, today: date) -> Truth:
        unknown = False
        for part in parts:
            result = part(answers, today)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True
    return run


def _any(parts: list[Evaluator]) -> Evaluator:
    def run(answers: Answers, today: date) -> Truth:
        unknown = False
        for part in parts:
            result = part(answers, today)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False
    return run


def _not(part: Evaluator) -> Evaluator:
    def run(answers: Answers, today: date) -> Truth:
        result = part(answers, today)
        return None if result is None else not result
    return run


def _bounded(value: float, lt: float | None, lte: float | None, gt: float | None, gte: float | None) -> bool:
    return ((lt is None or value < lt) and (lte is None or value <= lte)
            and (gt is None or value > gt) and (gte is None or value >= gte))


_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
}


def compile_condition(cond: Condition, tables: Tables) -> Evaluator:
    """Turn a validated condition into a closure; tables are the reference tables by id."""
    if isinstance(cond, AllOf):
        return _all([compile_condition(c, tables) for c in cond.all_])
    if isinstance(cond, AnyOf):
        return _any([compile_condition(c, tables) for c in cond.any_])
    if isinstance(cond, NotOf):
        return _not(compile_condition(cond.not_, tables))
    if isinstance(cond, Answered):
        qid = cond.answered
        return lambda answers, today: qid in answers
    if isinstance(cond, Equals):
        qid, expected = cond.equals.question, cond.equals.value
        return lambda answers, today: None if qid not in answers else answers[qid] == expected
    if isinstance(cond, In):
        qid, allowed = cond.in_.question, frozenset(cond.in_.values)
        return lambda answers, today: None if qid not in answers else answers[qid] in allowed
    if isinstance(cond, Compare):
        qid, op, limit = cond.compare.question, _OPS[cond.compare.op], cond.compare.value
        return lambda answers, today: None if qid not in answers else op(answers[qid], limit)
    if isinstance(cond, DaysSince):
        a = cond.days_since
        qid, lt, lte, gt, gte = a.question, a.lt, a.lte, a.gt, a.gte

        def days_since(answers: Answers, today: date) -> Truth:
            if qid not in answers:
                return None
            return _bounded((today - answers[qid]).days, lt, lte, gt, gte)
        return days_since
    if isinstance(cond, Lookup):
        a = cond.lookup
        qid, rows, attribute, allowed_values = a.question, tables[a.table], a.attribute, frozenset(a.in_)

        def lookup(answers: Answers, today: date) -> Truth:
            if qid not in answers:
                return None
            row = rows.get(answers[qid])
            return None if row is None else row.get(attribute) in allowed_values
        return lookup
    raise TypeError(f"not a condition: {cond!r}")  # unreachable once validated


# ---- what made a condition true -----------------------------------------------------------------

def contributing(cond: Condition, evaluators: Mapping[int, Any], answers: Answers, today: date) -> list[str]:
    """The answered questions that made a true condition true, in first-seen order.

    `any` names only its true branches and `all` all of its parts, so a finding's triggers are the
    answers that caused it, not every answer its rule could read. `evaluators` is compile_nodes' map.
    """
    seen: dict[str, None] = {}

    def visit(node: Condition) -> None:
        run, reads = evaluators[id(node)]
        if run(answers, today) is not True:
            return
        if isinstance(node, (AllOf, AnyOf)):
            for child in children(node):
                visit(child)
            return
        for q in reads:     # a leaf's question, or every question under a `not`
            if q in answers:
                seen.setdefault(q, None)

    visit(cond)
    return list(seen)


def compile_nodes(cond: Condition, tables: Tables) -> dict[int, tuple[Evaluator, tuple[str, ...]]]:
    """For every node of a condition tree, keyed by id(node): its closure and the questions it names
    (a leaf's own question, or every question under a `not`), for `contributing`."""
    out: dict[int, tuple[Evaluator, tuple[str, ...]]] = {}
    for node in walk(cond):
        if isinstance(node, NotOf):
            reads = tuple(questions_in(node.not_))
        else:
            q = leaf_question(node)
            reads = (q,) if q is not None else ()
        out[id(node)] = (compile_condition(node, tables), reads)
    return out
