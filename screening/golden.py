"""Golden cases: screen every case file that declares `expected:` and list every offender at once.

One function serves `python -m screening test` and the pytest golden test, so a case that passes one
passes the other. A case's `not_assessed` list is compared only within the topics the case is about
(its `topics:`) and the items it names, so adding a new topic with new questions does not break cases
about other topics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .case_file import CaseFile, load_case
from .session import Screening
from .errors import InputError
from .result_models import ScreeningResult
from .ruleset import RuleSet


@dataclass(frozen=True)
class Offence:
    """One way one case file fails to give what it declares."""

    case: str
    message: str

    def __str__(self) -> str:
        return f"{self.case}: {self.message}"


def _pairs(items: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{rule_id} ({severity})" for rule_id, severity in sorted(items)) or "none"


def case_offences(ruleset: RuleSet, case: CaseFile, name: str, result: ScreeningResult | None = None) -> list[Offence]:
    """What differs between a case's declared result and what the screening gives (empty when it agrees).
    `result`: the case already screened on its own date, when the caller has it."""
    if case.expected is None:
        return []
    if result is None:
        result = Screening.from_case(ruleset, case).result
    out = [Offence(name, f"input problem: {p.field}: {p.message}") for p in result.input_problems]
    got = {(f.rule_id, f.severity) for f in result.findings}
    want = {(e.rule_id, e.severity) for e in case.expected.findings}
    if got - want:
        out.append(Offence(name, f"unexpected findings: {_pairs(got - want)}"))
    if want - got:
        out.append(Offence(name, f"missing findings: {_pairs(want - got)}"))
    if case.expected.not_assessed is not None:
        scope = set(case.topics)
        declared = set(case.expected.not_assessed)
        open_items = {n.question_id for n in result.not_assessed
                      if not scope or n.topic in scope or n.question_id in declared}
        if open_items - declared:
            out.append(Offence(name, f"not assessed but not declared: {', '.join(sorted(open_items - declared))}"))
        if declared - open_items:
            out.append(Offence(name, f"declared not assessed but assessed: {', '.join(sorted(declared - open_items))}"))
    return out


def check_case_files(ruleset: RuleSet, paths: Iterable[Path]) -> tuple[int, list[Offence]]:
    """(cases with `expected:` that were screened, every offence across all of them)."""
    checked, offences = 0, []
    for path in paths:
        try:
            case = load_case(path)
        except InputError as exc:
            offences += [Offence(str(path), str(p)) for p in exc.problems]
            continue
        if case.expected is not None:
            checked += 1
            offences += case_offences(ruleset, case, str(path))
    return checked, offences
