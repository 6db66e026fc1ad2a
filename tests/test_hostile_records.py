"""Forged screening records (issue 15, item 4 and 8): the seal is an HMAC under the deployment key,
verify always re-screens, and anything that is not a record says so instead of raising KeyError.

Before the fix: edit the answers, empty the findings, recompute the SHA-256, and `verify` said
intact (exit 0) and the app showed green; a record with an unknown key raised KeyError/TypeError.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from screening.errors import InputError
from screening.session import Screening
from screening.loader import load_ruleset
from screening.record import NotARecord, content_sha256, make_record, verify_record
from tests.helpers import SCREENING_DATE, days_ago

ROOT = Path(__file__).resolve().parent.parent
RULESET = load_ruleset()
KEY = b"test-only-deployment-key-0123456789"
ANSWERS = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
           "opioid_formulation": "immediate_release", "opioid_last_dose": days_ago(3)}
MEDS = ["Norco 10/325 1 tab q6h prn"]


def make(key: bytes | None) -> str:
    return make_record(Screening.of(RULESET, ANSWERS, SCREENING_DATE, MEDS).result, ANSWERS, MEDS, key=key)


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def forge(text: str) -> str:
    """What the issue's attacker did: change the answers, empty the findings, recompute the hash."""
    data = json.loads(text)
    data["answers"] = {"opioid_current": "no", "opioid_past_30_days": "no"}
    data["medications"] = None
    data["findings"] = []
    # a careful forger makes the open items agree with the forged answers too
    data["not_assessed"] = [n.question_id for n in Screening.of(RULESET, data["answers"], SCREENING_DATE).result.not_assessed]
    data["record_sha256"] = content_sha256(data)
    return canonical(data)


def test_a_signed_record_verifies_as_intact_with_its_key() -> None:
    check = verify_record(make(KEY), RULESET, key=KEY)
    assert check.status == "intact" and check.trusted and check.green and check.signed
    assert "Intact and signed" in " ".join(check.messages)


def test_a_forged_record_with_a_recomputed_hash_does_not_verify_when_a_key_is_set() -> None:
    check = verify_record(forge(make(KEY)), RULESET, key=KEY)
    assert not check.trusted and not check.green and check.status == "changed"


def test_a_signed_record_turned_unsigned_is_not_trusted_where_a_key_is_set() -> None:
    data = json.loads(forge(make(KEY)))
    data["signature"] = None
    check = verify_record(canonical(data), RULESET, key=KEY)
    assert not check.trusted and not check.green and check.status == "unsigned"
    assert "not trusted" in " ".join(check.messages)


def test_forged_findings_are_caught_by_re_screening_even_without_a_key() -> None:
    data = json.loads(make(None))
    assert data["findings"], "the original record has a critical opioid finding"
    data["findings"] = []                                   # the answers still say tramadol 3 days ago
    data["record_sha256"] = content_sha256(data)
    check = verify_record(canonical(data), RULESET, key=None)
    assert not check.trusted and not check.green and check.status == "changed"
    assert "differ from re-screening" in " ".join(check.messages)
    assert {c.change for c in check.differences} == {"new"}


def test_an_unsigned_record_says_plainly_what_its_hash_does_not_prove() -> None:
    check = verify_record(make(None), RULESET, key=None)
    assert check.status == "unsigned" and check.trusted and not check.green
    text = " ".join(check.messages)
    assert "UNSIGNED" in text and "anyone can edit the record and recompute it" in text


def test_an_old_format_record_stays_readable_and_is_labelled_hash_only() -> None:
    data = json.loads(make(None))
    del data["signature"]
    data["format"] = "ldn-screening-record/1"
    data["record_sha256"] = hashlib.sha256(json.dumps({k: v for k, v in data.items() if k != "record_sha256"},
                                                      sort_keys=True, separators=(",", ":"),
                                                      ensure_ascii=False).encode()).hexdigest()
    check = verify_record(canonical(data), RULESET, key=None)
    assert check.status == "old_format" and check.record is not None and not check.green
    assert "OLD FORMAT" in " ".join(check.messages) and "hash only" in " ".join(check.messages)


def test_a_record_signed_with_another_key_or_checked_without_one_is_not_trusted() -> None:
    signed = make(KEY)
    assert verify_record(signed, RULESET, key=b"another-key-entirely-0123456789").status == "other_key"
    missing = verify_record(signed, RULESET, key=None)
    assert missing.status == "key_missing" and not missing.trusted


@pytest.mark.parametrize("edit", [
    lambda d: d.update(surprise=1),
    lambda d: d.update(findings=[{"rule_id": "x"}]),
    lambda d: d.update(answers=["not", "a", "mapping"]),
    lambda d: d.update(answers={"opioid_current": ["yes"]}),
    lambda d: d.update(screening_date="9999-12-31"),
    lambda d: d.pop("ruleset"),
    lambda d: d.update(format="something-else/9"),
    lambda d: d.update(signature={"method": "hmac-sha256"}),
])
def test_records_with_unknown_or_wrong_fields_are_not_a_screening_record(edit) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(make(None))
    edit(data)
    with pytest.raises(NotARecord) as caught:
        verify_record(canonical(data), RULESET, key=None)
    assert "not a" in caught.value.report() and isinstance(caught.value, InputError)


@pytest.mark.parametrize("text", ["[" * 30000 + "]" * 30000, '{"a": ' + "9" * 5000 + "}", "[1, 2]", "{oops",
                                  '{"format": "ldn-screening-record/2", "format": "x"}'])
def test_hostile_json_is_not_a_record_not_a_crash(text: str) -> None:
    with pytest.raises(NotARecord):
        verify_record(text, RULESET, key=None)


def cli(*args: str, key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LDN_RECORD_KEY"}
    if key:
        env["LDN_RECORD_KEY"] = key
    return subprocess.run([sys.executable, "-m", "screening", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)


def test_cli_verify_exit_codes_for_signed_forged_unsigned_and_not_a_record(tmp_path: Path) -> None:
    key = KEY.decode()
    out = tmp_path / "record.json"
    assert cli("record", "cases/tramadol-stopped-9-days.yaml", "-o", str(out), key=key).returncode == 0
    assert cli("verify", str(out), key=key).returncode == 0
    out.write_text(forge(out.read_text(encoding="utf-8")), encoding="utf-8")
    forged = cli("verify", str(out), key=key)
    assert forged.returncode == 3, forged.stderr
    unsigned = tmp_path / "unsigned.json"
    assert cli("record", "cases/tramadol-stopped-9-days.yaml", "-o", str(unsigned), key=None).returncode == 0
    done = cli("verify", str(unsigned), key=None)
    assert done.returncode == 5 and "UNSIGNED" in done.stderr, done.stderr
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": "world"}', encoding="utf-8")
    done = cli("verify", str(junk), key=None)
    assert done.returncode == 2 and "not a screening record" in done.stderr and "Traceback" not in done.stderr


def test_every_golden_case_makes_a_record_that_verifies_with_the_same_findings() -> None:
    from screening.case_file import load_case
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        case = load_case(path)
        result = Screening.of(RULESET, case.answers, case.screening_date, case.medication_lines()).result
        text = make_record(result, case.answers, case.medication_lines(), key=KEY)
        check = verify_record(text, RULESET, key=KEY)
        assert check.green, (path.name, check.messages)
