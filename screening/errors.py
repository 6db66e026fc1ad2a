"""Everything that can go wrong, in one place.

    ScreeningError                 base: never raised itself
    ├── RuleSetError               the rule files do not form a valid rule set; carries every Problem
    ├── InputError                 a case file or an answer is unusable; carries every FieldProblem
    │   └── NotARecord             a file given as a screening record is not one at all; a record that
    │                              was *changed* is read and reported by status instead
    ├── UnreadableText             (also a ValueError) text that is not the format it claims
    │   ├── YamlError              not YAML we accept (tags, duplicate keys, too deep); says the line
    │   └── JsonError              not JSON we accept (duplicate keys, too deep); says the line
    ├── Unresolved                 (also a ValueError) a combined double-check was asked for while
    │                              disagreements remain
    ├── SignInMisconfigured        the deployment's sign-in settings cannot be used (ui/auth.py): the app
    │                              does not open without sign-in
    └── ServiceError               the CDS Hooks service (screening/cds_hooks/), one per HTTP answer
        ├── BadRequest             400: not a usable CDS Hooks call
        ├── DataUnavailable        412: the record is neither in the prefetch nor fetchable
        ├── AuthError              401: the client's token was refused (never echoes the token)
        └── SettingsError          the service cannot start as configured (names the variable)

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


class NotARecord(InputError):
    """The file is not a screening record at all (not JSON, not a record's fields): nothing to verify.

    Distinct from a record that *was* changed after it was written: that one is read, and verify_record
    returns it with status "changed"."""


class UnreadableText(ScreeningError, ValueError):
    """Text that is not the format it claims; the message gives the line. A ValueError too, so a parser's
    caller that catches ValueError keeps working."""


class YamlError(UnreadableText):
    """The text is not YAML we accept; the message gives the line."""


class JsonError(UnreadableText):
    """The text is not JSON we accept; the message gives the line."""


class Unresolved(ScreeningError, ValueError):
    """Combined double-check answers were asked for while disagreements remain."""


class SignInMisconfigured(ScreeningError):
    """The deployment's sign-in settings cannot be used; the app must not open without sign-in."""


class ServiceError(ScreeningError):
    """The CDS Hooks service refuses a call or cannot start; each subclass is one kind of answer."""


class BadRequest(ServiceError):
    """HTTP 400: the request is not a usable CDS Hooks call; the message says what is wrong."""


class DataUnavailable(ServiceError):
    """HTTP 412: the record could be neither taken from the prefetch nor fetched from fhirServer."""


class AuthError(ServiceError):
    """Why a token was refused; the message says which check failed and never echoes the token."""


class SettingsError(ServiceError):
    """The service cannot start as configured; the message names the variable and the fix."""
