"""Screening records: sealed on writing, any changed byte detected, another rule set reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.errors import InputError
from screening.session import Screening
from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.record import make_record, rescreen, verify_record
from screening.ruleset import RuleSet
from tests.helpers import SCREENING_DATE, days_ago

ROOT = Path(__file__).resolve().parent.parent
RULESET = load_ruleset()
ANSWERS = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
           "opioid_formulation": "immediate_release", "opioid_last_dose": days_ago(9), "liver_chronic": "yes"}
MEDS = ["levothyroxine 50 mcg daily", "mystery tonic"]


def record_text(answers: dict[str, str] = ANSWERS) -> str:
    return make_record(Screening.of(RULESET, answers, SCREENING_DATE, MEDS).result, answers, MEDS)


TEXT = record_text()


def test_a_fresh_record_is_intact_and_made_with_these_rules() -> None:
    check = verify_record(TEXT, RULESET)
    assert check.intact and check.same_ruleset and check.trusted
    data = json.loads(TEXT)
    assert {"answers", "medications", "findings", "screening_date", "ruleset", "record_sha256"} <= set(data)
    assert data["ruleset"] == {"name": RULESET.meta.name, "version": RULESET.version, "sha256": RULESET.sha256}
    assert {f["rule_id"] for f in data["findings"]} >= {"opioid-short-acting-7-to-13-days", "liver-chronic-disease"}


def test_changing_a_finding_is_detected() -> None:
    tampered = TEXT.replace('"severity": "warning"', '"severity": "info"', 1)
    check = verify_record(tampered, RULESET)
    assert not check.intact and not check.trusted
    assert "changed after it was written" in " ".join(check.messages)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_changed_byte_is_detected(data: st.DataObject) -> None:
    raw = bytearray(TEXT.encode("utf-8"))
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    replacement = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != raw[index]))
    raw[index] = replacement
    try:
        text = raw.decode("utf-8")
        check = verify_record(text, RULESET)
    except (UnicodeDecodeError, InputError):
        return                                 # not even readable: refused outright
    assert not check.trusted


def test_reformatting_a_record_is_reported_even_with_the_same_content() -> None:
    reformatted = json.dumps(json.loads(TEXT), indent=4)
    check = verify_record(reformatted, RULESET)
    assert not check.intact and "byte for byte" in " ".join(check.messages)


def changed_rules(tmp_path: Path) -> RuleSet:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    liver = rules / "topics" / "03-liver.yaml"
    liver.write_text(liver.read_text(encoding="utf-8").replace("severity: warning", "severity: info"),
                     encoding="utf-8")
    return load_ruleset(rules)


def test_a_record_made_with_another_rule_set_is_intact_but_reported(tmp_path: Path) -> None:
    newer = changed_rules(tmp_path)
    check = verify_record(TEXT, newer)
    assert check.intact and not check.same_ruleset
    assert "Made with another rule set" in " ".join(check.messages)


def test_rescreening_a_record_shows_new_removed_and_changed_findings(tmp_path: Path) -> None:
    newer = changed_rules(tmp_path)
    record = verify_record(TEXT, newer).record
    assert record is not None
    again = rescreen(record, newer)
    assert again.ruleset_changed
    assert [(c.rule_id, c.change, c.before.severity, c.after.severity) for c in again.changes
            if c.before and c.after] == [("liver-chronic-disease", "changed", "warning", "info")]
    later = rescreen(record.model_copy(update={"screening_date": SCREENING_DATE.replace(day=30)}), RULESET)
    assert ("opioid-short-acting-7-to-13-days", "removed") in {(c.rule_id, c.change) for c in later.changes}


def test_not_a_record_at_all_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        verify_record("{oops", RULESET)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with a deployment signing key, so records are signed (exit 0 needs a checked signature)."""
    return subprocess.run([sys.executable, "-m", "screening", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "LDN_RECORD_KEY": "test-only-key-0123456789abcdef"})


def test_cli_record_then_verify_and_tamper(tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    made = cli("record", "cases/tramadol-stopped-9-days.yaml", "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert cli("verify", str(out)).returncode == 0
    out.write_text(out.read_text().replace("2026-11-14", "2026-11-04"))
    done = cli("verify", str(out))
    assert done.returncode == 3 and "changed after it was written" in done.stderr


def test_cli_verify_exits_4_for_another_rule_set(tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    cli("record", "cases/chronic-liver-disease-is-a-warning-not-critical.yaml", "-o", str(out))
    newer = changed_rules(tmp_path)
    del newer
    done = cli("verify", str(out), "--rules", str(tmp_path / "rules"))
    assert done.returncode == 4
    assert "Made with another rule set" in done.stderr and "liver-chronic-disease is changed" in done.stderr
