"""Golden cases: every case file in cases/ gives exactly the findings it declares.

The cases run through `screening.golden`, the same function `python -m screening test` uses, which
screens them with `Screening.from_case`, the path the app and the CLI use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.case_file import load_case
from screening.session import Screening
from screening.golden import case_offences
from screening.loader import DEFAULT_CASES_DIR
from screening.ruleset import RuleSet

CASES = sorted(DEFAULT_CASES_DIR.glob("*.yaml"))


def test_there_are_at_least_fifteen_golden_cases() -> None:
    assert len([c for c in CASES if load_case(c).expected is not None]) >= 15


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_case_gives_exactly_its_expected_findings(path: Path, ruleset: RuleSet) -> None:
    case = load_case(path)
    assert case.expected is not None, f"{path.name}: a case in cases/ declares its expected findings"
    assert [str(o) for o in case_offences(ruleset, case, path.name)] == []


def test_every_active_rule_fires_in_some_golden_case(ruleset: RuleSet) -> None:
    # a rule folded into another's card (one cause, one card) still fired: count every rule of every card
    fired = {r for c in CASES for f in Screening.from_case(ruleset, load_case(c)).result.findings for r in f.rule_ids}
    declared = [cr.rule.id for cr in ruleset.rules] + [cc.decl.id for cc in ruleset.contradictions]
    never = sorted(rid for rid in declared if rid not in fired)
    assert never == [], f"rules with no golden case that fires them: {never}"


def test_every_case_is_ready_for_teaching(ruleset: RuleSet) -> None:
    """Trainer mode filters by topic and difficulty and presents the narrative: every case has them."""
    topic_ids = {t.id for t in ruleset.topics}
    problems = []
    for path in CASES:
        case = load_case(path)
        if not (case.title and case.narrative and case.difficulty and case.topics):
            problems.append(f"{path.name}: needs title, narrative, topics and difficulty")
        unknown = set(case.topics) - topic_ids
        if unknown:
            problems.append(f"{path.name}: unknown topics {sorted(unknown)}")
    assert problems == []
    assert len(CASES) >= 20
