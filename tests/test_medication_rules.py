"""The medication list feeds the same rules as the answers, and disagreements ask to reconcile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.case_file import parse_case
from screening.session import Screening
from screening.errors import InputError
from screening.medication_input import csv_column_lines, read_csv, read_text_list
from screening.report import render_html, render_markdown, result_to_json
from screening.ruleset import RuleSet
from tests.helpers import SCREENING_DATE, fired, fired_any

ROOT = Path(__file__).resolve().parent.parent


def run(ruleset: RuleSet, answers: dict[str, str], meds: list[str] | None):  # type: ignore[no-untyped-def]
    return Screening.of(ruleset, answers, SCREENING_DATE, meds).result


def test_an_opioid_on_the_list_fires_the_opioid_rule_with_the_question_unanswered(ruleset: RuleSet) -> None:
    result = run(ruleset, {}, ["Norco 10/325 1 tab q6h prn", "lisinopril 10 mg"])
    assert fired(result)["opioid-current-use"] == "critical"
    finding = next(f for f in result.findings if f.rule_id == "opioid-current-use")
    assert any("Norco 10/325" in t.answer for t in finding.triggered_by)


def test_answers_saying_no_opioid_against_a_list_with_one_ask_to_reconcile(ruleset: RuleSet) -> None:
    result = run(ruleset, {"opioid_current": "no", "opioid_past_30_days": "no"}, ["Tylenol #3 prn"])
    assert fired(result) == {"medication-list-opioid-not-in-answers": "critical"}   # one card (issue 10)
    assert fired_any(result)["opioid-current-use"] == "critical"
    reconcile = next(f for f in result.findings if f.rule_id == "medication-list-opioid-not-in-answers")
    assert reconcile.category == "medication"
    assert any("Tylenol #3" in t.answer for t in reconcile.triggered_by)


def test_no_list_means_the_list_facts_are_unknown_not_no(ruleset: RuleSet) -> None:
    assert fired(run(ruleset, {"opioid_current": "no"}, None)) == {}
    assert fired(run(ruleset, {"opioid_current": "no"}, ["", "   "])) == {}
    assert fired(run(ruleset, {"opioid_current": "no"}, ["lisinopril 10 mg"])) == {}


def test_long_acting_opioid_on_the_list_adds_the_14_day_note(ruleset: RuleSet) -> None:
    assert fired_any(run(ruleset, {}, ["OxyContin 20 mg q12h"]))["medication-list-long-acting-opioid"] == "info"


def test_transplant_immunosuppressant_against_the_transplant_answers(ruleset: RuleSet) -> None:
    on_list = ["Prograf 2 mg bid"]
    assert fired(run(ruleset, {"transplant_recipient": "no"}, on_list))[
        "medication-list-immunosuppressant-not-in-answers"] == "warning"   # the topic's severity (issue 10)
    assert fired(run(ruleset, {}, on_list))["medication-list-immunosuppressant-ask-about-transplant"] == "warning"
    agreed = fired(run(ruleset, {"transplant_recipient": "yes", "transplant_immunosuppressants": "yes"}, on_list))
    assert agreed == {"transplant-on-immunosuppressants": "warning"}
    from_list = fired(run(ruleset, {"transplant_recipient": "yes"}, on_list))
    assert from_list["transplant-on-immunosuppressants"] == "warning"


def test_thyroid_hormone_against_the_thyroid_answer(ruleset: RuleSet) -> None:
    result = fired(run(ruleset, {"thyroid_hormone": "no"}, ["Synthroid 75 mcg daily"]))
    assert result == {"medication-list-thyroid-hormone-not-in-answers": "warning"}   # topic severity, one card


def test_naltrexone_products_and_other_antagonists_on_the_list(ruleset: RuleSet) -> None:
    result = fired_any(run(ruleset, {"antagonist_naltrexone_product": "no"}, ["Contrave 8/90 2 tabs bid"]))
    assert result["antagonist-naltrexone-product"] == "critical"
    assert result["medication-list-naltrexone-not-in-answers"] == "critical"
    assert fired(run(ruleset, {}, ["Narcan 4 mg nasal spray"]))["medication-list-other-antagonist"] == "warning"
    assert fired(run(ruleset, {}, ["Imodium 2 mg prn"]))["medication-list-loperamide"] == "info"


def test_unrecognised_lines_are_not_assessed_and_counted_in_the_summary(ruleset: RuleSet) -> None:
    result = run(ruleset, {}, ["Norco 10/325", "qqq mystery tonic 5 ml", ""])
    assert "medication_line_2" in {n.question_id for n in result.not_assessed}
    md = render_markdown(result, ruleset)
    assert "1 not recognised" in md and "1 of the medicines on your list could not be recognised" in md
    assert "2 lines: 1 recognised, 1 not recognised" in render_html(result, ruleset)
    out = result_to_json(result)
    assert [m["status"] for m in out["medications"]] == ["recognised", "unrecognised", "empty"]


def test_a_medication_line_cannot_inject_markup_into_the_summary(ruleset: RuleSet) -> None:
    result = run(ruleset, {}, ["<script>alert(1)</script> | **x** [a](http://e.example)"])
    assert "<script>" not in render_html(result, ruleset)
    md = render_markdown(result, ruleset)
    assert "<script>" not in md.replace("\\<script\\>", "")


def test_case_files_carry_a_medication_list(ruleset: RuleSet) -> None:
    as_list = parse_case("screening_date: 2026-11-23\nmedications:\n  - Percocet 5/325\n", "c.yaml")
    as_text = parse_case("screening_date: 2026-11-23\nmedications: |\n  Percocet 5/325\n  lisinopril\n", "c.yaml")
    assert fired(Screening.from_case(ruleset, as_list).result)["opioid-current-use"] == "critical"
    assert fired(Screening.from_case(ruleset, as_text).result)["opioid-current-use"] == "critical"


def test_csv_input_reports_bad_files_clearly() -> None:
    frame = read_csv(b"patient,Medication\n1,Norco 10/325\n2,\"lisinopril, 10 mg\"\n", "meds.csv")
    assert csv_column_lines(frame, "Medication", "meds.csv") == ["Norco 10/325", "lisinopril, 10 mg"]
    with pytest.raises(InputError, match='no column "Drug"'):
        csv_column_lines(frame, "Drug", "meds.csv")
    with pytest.raises(InputError, match="not UTF-8"):
        read_csv("Médication\nCafé\n".encode("latin-1"), "latin.csv")
    with pytest.raises(InputError, match="not a well-formed CSV"):
        read_csv(b'a,b\n1,2,3,4\n"unclosed\n', "bad.csv")
    with pytest.raises(InputError, match="empty"):
        read_csv(b"", "empty.csv")
    with pytest.raises(InputError, match="not UTF-8"):
        read_text_list(b"\xff\xfe\x00bad", "list.txt")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screening", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_cli_meds_json_is_one_object_per_line_in_order(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("Norco 10/325 q6h prn\n\nEnvarsus XR 4 mg\nmystery tonic\n", encoding="utf-8")
    done = cli("meds", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert [o["line"] for o in out] == ["Norco 10/325 q6h prn", "", "Envarsus XR 4 mg", "mystery tonic"]
    assert out[0]["classes"] == ["opioid_agonist"] and out[0]["long_acting"] is False
    assert out[2]["classes"] == ["immunosuppressant_transplant"] and out[2]["long_acting"] is None
    assert out[3]["product"] is None and out[3]["classes"] == []
    assert {"line", "product", "ingredients", "classes", "long_acting"} <= set(out[0])


def test_cli_meds_text_and_csv(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("OxyContin 10 mg ER\nmystery tonic\n", encoding="utf-8")
    text = cli("meds", str(path)).stdout
    assert "long-acting" in text and "NOT RECOGNISED" in text and "2 lines, 1 not recognised" in text
    table = cli("meds", str(path), "--format", "csv").stdout.splitlines()
    assert table[0] == "number,line,status,product,ingredients,classes,long_acting,leftover,stopped,stopped_date"
    assert table[1].endswith(",opioid_agonist,true,,false,")


def test_cli_meds_exits_2_for_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"Norco \xff\xfe\n")
    done = cli("meds", str(path))
    assert done.returncode == 2 and "not UTF-8" in done.stderr
