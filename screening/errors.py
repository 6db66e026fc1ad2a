"""Everything that can go wrong, in one place.

    ScreeningError                 base: never raised itself
    ├── RuleSetError               the rule files do not form a valid rule set; carries every Problem
    └── InputError                 a case file or an answer is unusable; carries every FieldProblem
        └── NotARecord             (screening/record.py) a file given as a screening record is not one at all;
                                   a record that was *changed* is read and reported by status instead

Rule-set problems stop everything (fail closed). Input problems are reported at the field and the
rest of the input is kept, so a caller can show the message and go on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one rule file: where it is, and what was expected against what was found."""

    file: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class FieldProblem:
    """One unusable value in a case file or an answer, named by its field."""

    field: str
    message: str

    def __str__(self) -> str:
        return f'field "{self.field}": {self.message}'


class ScreeningError(Exception):
    """Base class so callers can catch this package's errors alone."""


class RuleSetError(ScreeningError):
    """The rule set is invalid as a whole; it must not be used in part."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.problems)
        head = f"The rule set is invalid ({count} problem{'s' if count != 1 else ''}); nothing was screened."
        return "\n".join([head, *(f"- {p}" for p in self.problems)])


class InputError(ScreeningError):
    """A case file (or a set of answers) cannot be used as given."""

    def __init__(self, source: str, problems: list[FieldProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        return "\n".join(f"{self.source}: {p}" for p in self.problems)
