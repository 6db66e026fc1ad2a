"""Hostile input through the page (AppTest): uploads that used to crash or wedge a session, a CSV
header rendered as Markdown, long lists, sign-in that turned itself off, and patient text in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from screening import limits
from screening.loader import load_ruleset
from screening.session import Screening
from screening.record import content_sha256, make_record
from screening.report import md_escape
from tests.helpers import SCREENING_DATE, days_ago
from tests.test_hostile_inputs import HOSTILE

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MARKER = "Zanzibar-1850-03-17"       # patient text inside a bad date: must reach no log


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["screening_date"] = SCREENING_DATE
    return at.run()


def upload_case(at: AppTest, name: str, data: bytes) -> AppTest:
    widget = next(w for w in at.file_uploader if w.key == "case_upload")
    widget.set_value((name, data, "application/octet-stream"))
    return at.run()


def all_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("error", "warning", "success", "info", "markdown")
                     for e in getattr(at, kind))


@pytest.mark.parametrize("name", ["deep.yaml", "deep.json", "alias-bomb.yaml", "big-int.yaml", "list-answer.yaml",
                                  "far-date.yaml", "far-answer-date.yaml", "duplicate.json", "long-case.yaml",
                                  "list-not-object.json"])
def test_a_hostile_case_upload_is_refused_and_the_session_keeps_working(name: str) -> None:
    at = start()
    at.radio(key="q_liver_chronic").set_value("yes").run()
    at = upload_case(at, name, HOSTILE[name][0].encode())
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "Nothing was loaded" in errors, errors
    assert at.radio(key="q_liver_chronic").value == "yes"              # nothing already entered is lost
    at.radio(key="q_opioid_current").set_value("no").run()           # reruns still work
    assert not at.exception
    # "Start a new screening" asks first: its confirming button sits in a sidebar popover
    new = [b for b in at.sidebar.button if b.key == "new_screening_confirm"]
    assert new, "Start a new screening must draw"
    new[0].click().run()
    assert not at.exception and at.radio(key="q_liver_chronic").value is None


def test_a_bad_date_in_an_uploaded_case_reaches_no_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    at = start()
    text = (f"screening_date: 2026-11-23\nanswers:\n  opioid_current: no\n  opioid_past_30_days: yes\n"
            f"  opioid_last_dose: {MARKER}\n")
    at = upload_case(at, "case.yaml", text.encode())
    assert not at.exception
    far = f"screening_date: 9999-12-31\ntitle: {MARKER}\n"
    at = upload_case(at, "far.yaml", far.encode())
    assert not at.exception
    assert MARKER not in caplog.text


def test_a_csv_column_header_is_text_in_the_use_button_not_markdown() -> None:
    header = "![tracker](http://198.51.100.7/pixel.png) **bold**"
    at = start()
    widget = next(w for w in at.file_uploader if w.key == "med_csv")
    csv = f'"{header}"\noxycodone 5 mg\n'.encode()
    at = widget.set_value(("meds.csv", csv, "text/csv")).run()
    assert not at.exception
    labels = [b.label for b in at.button if b.label.startswith("Use ")]
    assert labels == [f'Use 1 rows of "{md_escape(header)}" as the list'], labels


def test_a_csv_longer_than_the_limit_gets_a_message_and_no_use_button() -> None:
    at = start()
    widget = next(w for w in at.file_uploader if w.key == "med_csv")
    csv = ("medication\n" + "oxycodone 5 mg\n" * 5000).encode()
    at = widget.set_value(("big.csv", csv, "text/csv")).run()
    assert not at.exception
    assert not [b for b in at.button if b.label.startswith("Use ")]
    assert f"at most {limits.MAX_LIST_LINES} are read" in all_text(at).replace("\\", "")


def test_a_pasted_list_over_the_limit_is_not_read_and_the_text_is_kept() -> None:
    at = start()
    text = "\n".join(f"oxycodone {i} mg" for i in range(limits.MAX_LIST_LINES + 1))
    at.text_area(key="med_text").set_value(text).run()
    assert not at.exception
    assert "The list was not read" in all_text(at)
    assert at.text_area(key="med_text").value == text
    assert not any("Opioid on the medication list" in e.value for e in at.error)


def test_the_double_check_page_shows_a_forged_record_as_untrusted_and_junk_as_not_a_record() -> None:
    ruleset = load_ruleset()
    answers = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
               "opioid_formulation": "immediate_release", "opioid_last_dose": days_ago(3)}
    data = json.loads(make_record(Screening.of(ruleset, answers, SCREENING_DATE).result, answers, None, key=None))
    data["findings"] = []
    data["record_sha256"] = content_sha256(data)
    forged = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    at = start()
    at.sidebar.radio(key="mode").set_value("Pharmacist double-check").run()
    widget = next(w for w in at.file_uploader if w.key == "dc_record_upload")
    at = widget.set_value(("record.json", forged.encode(), "application/json")).run()
    assert not at.exception
    assert any("CHANGED AFTER IT WAS WRITTEN" in e.value for e in at.error)
    assert not at.success
    data["surprise"] = {"nested": [1, 2]}
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["screening_date"] = SCREENING_DATE
    at.run().sidebar.radio(key="mode").set_value("Pharmacist double-check").run()
    widget = next(w for w in at.file_uploader if w.key == "dc_record_upload")
    at = widget.set_value(("record.json", json.dumps(data).encode(), "application/json")).run()
    assert not at.exception
    assert any("NOT A SCREENING RECORD" in e.value and "not a valid screening record" in e.value.replace("\\", "")
               for e in at.error)


# ---------------------------------------------------------------------------------------- sign-in

@pytest.fixture
def secrets_file(tmp_path: Path) -> Iterator[Path]:
    """Point Streamlit's secrets at a file of the test's making; restore afterwards."""
    import streamlit as st
    path = tmp_path / "secrets.toml"
    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    st.secrets._secrets = None
    yield path
    config.set_option("secrets.files", saved)
    st.secrets._secrets = None


@pytest.mark.parametrize("text", [
    '[auth]\nredirect_uri = http://localhost:8501/oauth2callback\ncookie_secret = "x"\n',    # unquoted value
    '[auth]\nredirect_uri = "a"\nredirect_uri = "b"\ncookie_secret = "x"\n',                 # repeated key
])
def test_a_secrets_file_that_does_not_parse_stops_the_app(secrets_file: Path, text: str) -> None:
    secrets_file.write_text(text, encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("Sign-in is misconfigured" in e.value for e in at.error)
    assert [r.key for r in at.radio] == [], "no checklist without sign-in"


def test_an_auth_section_without_its_keys_stops_the_app(secrets_file: Path) -> None:
    secrets_file.write_text('[auth]\nclient_id = "x"\n', encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("lacks redirect_uri, cookie_secret" in e.value for e in at.error)
    assert [r.key for r in at.radio] == []


def test_require_sign_in_without_sign_in_configured_shows_no_checklist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDN_REQUIRE_SIGN_IN", "1")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert any("LDN_REQUIRE_SIGN_IN is set" in e.value for e in at.error)
    assert [r.key for r in at.radio] == []


def test_no_secrets_file_still_means_no_sign_in(secrets_file: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.error and len(at.radio) > 0


def test_using_a_record_with_an_unknown_question_as_the_first_screening_raises_nothing() -> None:
    ruleset = load_ruleset()
    answers = {"liver_chronic": "yes", "not_a_question_here": "yes"}
    text = make_record(Screening.of(ruleset, answers, SCREENING_DATE).result, answers, None, key=None)
    at = start()
    at.sidebar.radio(key="mode").set_value("Pharmacist double-check").run()
    widget = next(w for w in at.file_uploader if w.key == "dc_record_upload")
    at = widget.set_value(("record.json", text.encode(), "application/json")).run()
    assert any("UNSIGNED" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Use this record as the first screening").click().run()
    assert not at.exception, at.exception
    assert any("First screening on record: 1 answers" in i.value for i in at.info)


def test_the_double_check_page_does_not_read_a_list_over_the_limit_either() -> None:
    at = start()
    at.text_area(key="med_text").set_value("\n".join(["oxycodone 5 mg"] * (limits.MAX_LIST_LINES + 1))).run()
    at.sidebar.radio(key="mode").set_value("Pharmacist double-check").run()
    assert not at.exception
    assert any("The medication list was not read" in e.value for e in at.error)
