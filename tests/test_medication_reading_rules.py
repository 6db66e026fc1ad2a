"""What the reading of a list does to the findings: fail closed on lines not fully read, stopped opioid
lines feed the interval checks with their date (or ask for it), lofexidine is a signal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from screening.ruleset import RuleSet
from screening.session import Screening
from tests.helpers import SCREENING_DATE, days_ago, fired

ROOT = Path(__file__).resolve().parent.parent
FAIL_CLOSED = "medication-list-not-fully-read"


def run(ruleset: RuleSet, answers: dict[str, str], meds: list[str] | None):  # type: ignore[no-untyped-def]
    return Screening.of(ruleset, answers, SCREENING_DATE, meds).result


def test_a_truncated_combination_with_no_opioid_answered_is_never_silent(ruleset: RuleSet) -> None:
    """The issue's first example: HYDROCO/APAP with the opioid answers "no"."""
    result = run(ruleset, {"opioid_current": "no", "opioid_past_30_days": "no"}, ["HYDROCO/APAP 10-325MG TAB"])
    assert fired(result)["medication-list-opioid-not-in-answers"] == "critical"


def test_a_line_not_fully_read_makes_the_no_opioid_answer_unreliable(ruleset: RuleSet) -> None:
    meds = ["APAP/XYQ 325 mg", "lisinopril 10 mg", "qqq tonic 5 ml"]
    result = run(ruleset, {"opioid_current": "no"}, meds)
    assert fired(result)[FAIL_CLOSED] == "warning"
    finding = next(f for f in result.findings if f.rule_id == FAIL_CLOSED)
    assert "cannot be relied on until these lines are checked" in finding.summary
    named = " ".join(t.answer for t in finding.triggered_by)
    assert "APAP/XYQ 325 mg" in named and "qqq tonic 5 ml" in named and "lisinopril" not in named
    open_items = {n.question_id: n.prompt for n in result.not_assessed}
    assert "only partly read (not read: xyq)" in open_items["medication_line_1"]
    assert "not recognised" in open_items["medication_line_3"]
    assert "medication_line_2" not in open_items


def test_the_fail_closed_warning_also_fires_with_the_opioid_question_open(ruleset: RuleSet) -> None:
    assert fired(run(ruleset, {}, ["qqq tonic 5 ml"]))[FAIL_CLOSED] == "warning"


def test_no_fail_closed_warning_when_every_line_is_read_or_opioid_use_is_answered_yes(ruleset: RuleSet) -> None:
    assert FAIL_CLOSED not in fired(run(ruleset, {"opioid_current": "no"}, ["lisinopril 10 mg daily"]))
    assert FAIL_CLOSED not in fired(run(ruleset, {"opioid_current": "yes"}, ["qqq tonic"]))


def test_partly_read_lines_count_in_the_summary_as_needing_review(ruleset: RuleSet) -> None:
    result = run(ruleset, {}, ["APAP/XYQ 325 mg", "lisinopril 10 mg"])
    assert [m.line for m in result.unrecognised_medications] == ["APAP/XYQ 325 mg"]


def test_a_stopped_opioid_is_not_current_use(ruleset: RuleSet) -> None:
    result = fired(run(ruleset, {"opioid_current": "no"}, [f"tramadol 50 mg (stopped {days_ago(20)})"]))
    assert "opioid-current-use" not in result
    assert "medication-list-opioid-not-in-answers" not in result
    assert not any(r.startswith("medication-list-stopped") for r in result)


def test_a_stopped_opioid_with_a_recent_date_feeds_the_interval_check(ruleset: RuleSet) -> None:
    result = run(ruleset, {"opioid_current": "no"}, [f"tramadol 50 mg (stopped {days_ago(3)})"])
    assert fired(result)["medication-list-stopped-opioid-under-7-days"] == "critical"
    finding = next(f for f in result.findings if f.rule_id == "medication-list-stopped-opioid-under-7-days")
    assert "3 days ago" in finding.summary and days_ago(-4) in finding.summary
    assert fired(run(ruleset, {}, [f"tramadol 50 mg (stopped {days_ago(9)})"]))[
        "medication-list-stopped-opioid-7-to-13-days"] == "warning"
    assert fired(run(ruleset, {}, [f"methadone 40 mg (stopped {days_ago(9)})"]))[
        "medication-list-stopped-long-acting-opioid-under-14-days"] == "critical"
    assert fired(run(ruleset, {}, [f"illicit fentanyl (stopped {days_ago(10)})"]))[
        "medication-list-stopped-long-acting-opioid-under-14-days"] == "critical"


def test_an_ambiguous_or_missing_stop_date_is_asked_never_guessed(ruleset: RuleSet) -> None:
    for line in ["oxycodone 5 mg stopped 03/04/2026", "oxycodone 5 mg (stopped)", "Norco - discontinued"]:
        result = fired(run(ruleset, {"opioid_current": "no"}, [line]))
        assert result["medication-list-stopped-opioid-date-unknown"] == "warning", line
        assert not any("under-7" in r or "7-to-13" in r for r in result)


def test_the_fhir_importer_form_reads_as_stopped_with_its_date(ruleset: RuleSet) -> None:
    row = ruleset.matcher.classify_line(1, "meperidine 50 mg tablet (stopped 2026-11-10)")
    assert row.stopped and row.stopped_date is not None and row.stopped_date.isoformat() == "2026-11-10"
    result = fired(run(ruleset, {}, ["meperidine 50 mg tablet (stopped 2026-11-10)"]))
    assert result["medication-list-stopped-opioid-7-to-13-days"] == "warning"     # 13 days before 2026-11-23


def test_lofexidine_is_a_signal_to_ask_about_opioids(ruleset: RuleSet) -> None:
    assert fired(run(ruleset, {}, ["Lucemyra 0.18 mg 4 times a day"]))[
        "medication-list-withdrawal-treatment"] == "warning"


def test_meds_json_shows_status_matched_parts_and_leftover_words(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("HYDROCO/APAP 10-325MG TAB\nAPAP/XYQ 325 mg\nqqq\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "screening", "meds", str(listing), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    rows = json.loads(out.stdout)
    assert [r["status"] for r in rows] == ["recognised", "partly_read", "unrecognised"]
    assert [m["text"] for m in rows[0]["matches"]] == ["hydroco", "apap"]
    assert rows[1]["leftover"] == ["xyq"] and rows[1]["possible_hidden_opioid"] is True
