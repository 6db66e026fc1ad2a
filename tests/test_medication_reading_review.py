"""Lines an outside reviewer wrote after issue 9 landed, that the reader got dangerously wrong.

Each is a silent miss a pharmacist double-checking a prescription would not forgive: a naltrexone
label read as another drug, and a current course read as stopped (past use) because of "until finished".
"""

from __future__ import annotations

import pytest

from screening.ruleset import RuleSet
from screening.session import Screening
from tests.helpers import SCREENING_DATE, fired


def test_a_truncated_naltrexone_label_is_naltrexone_not_valtrex(ruleset: RuleSet) -> None:
    [row] = ruleset.matcher.classify(["NALTREX 50MG TAB"])
    assert row.classes == ["naltrexone"] and row.product != "Valtrex"
    [other] = ruleset.matcher.classify(["Valtrex 500 mg bid"])
    assert "naltrexone" not in other.classes


@pytest.mark.parametrize("line", ["Norco 10/325 1 tab q6h prn until finished",
                                  "oxycodone 5 mg every 6 hours when needed, till finished",
                                  "tramadol 50 mg bid until completed"])
def test_until_finished_is_a_direction_on_a_current_line_not_a_stop(ruleset: RuleSet, line: str) -> None:
    [row] = ruleset.matcher.classify([line])
    assert "opioid_agonist" in row.classes and not row.stopped


def test_a_current_course_until_finished_with_no_opioid_answered_is_critical(ruleset: RuleSet) -> None:
    result = Screening.of(ruleset, {"opioid_current": "no"}, SCREENING_DATE,
                          ["Norco 10/325 1 tab q6h prn until finished"]).result
    assert fired(result).get("medication-list-opioid-not-in-answers") == "critical"


def test_a_line_that_says_stopped_is_still_stopped(ruleset: RuleSet) -> None:
    [row] = ruleset.matcher.classify(["oxycodone 5 mg stopped 2026-11-20"])
    assert row.stopped and row.stopped_date is not None and row.stopped_date.isoformat() == "2026-11-20"
