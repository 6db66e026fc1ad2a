"""The app's logic through Streamlit's AppTest: answer questions, read findings and the summary."""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from screening.session import Screening
from screening.case_file import parse_case
from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.report import md_escape
from screening.ruleset import RuleSet
from tests.helpers import SCREENING_DATE
from ui.state import case_widget_values

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["screening_date"] = SCREENING_DATE
    return at.run()


def texts(at: AppTest) -> str:
    """Everything a user can read on the page, as one string."""
    parts = [e.value for kind in ("markdown", "error", "warning", "info", "success", "caption", "header",
                                  "subheader", "title") for e in getattr(at, kind)]
    parts += [e.label for e in at.radio] + [e.label for e in at.selectbox] + [e.label for e in at.text_input]
    parts += [e.label for e in at.expander] + [str(p.proto.text) for p in at.get("progress")]
    return "\n".join(str(p) for p in parts)


def answer(at: AppTest, qid: str, value: object) -> AppTest:
    key = f"q_{qid}"
    for kind in ("radio", "selectbox", "text_input"):    # dates are typed as text (YYYY-MM-DD)
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            found[0].set_value(value.isoformat() if isinstance(value, date) else value)
            return at.run()
    raise AssertionError(f"question {qid} is not on the page")


def shown(at: AppTest, qid: str) -> bool:
    key = f"q_{qid}"
    return any(w.key == key for kind in ("radio", "selectbox", "text_input") for w in getattr(at, kind))


def test_app_opens_with_the_checklist_grouped_by_topic_and_no_findings() -> None:
    at = start()
    assert not at.exception
    assert "Medication list" in [h.value for h in at.header]
    rules = load_ruleset()
    checklist_topics = [t.title for t in rules.topics if t.id != rules.meta.medication_topic]
    assert [s.value for s in at.subheader] == checklist_topics
    assert "0 of " in texts(at) and "applicable questions answered" in texts(at)
    assert "not a decision" in texts(at)


def test_current_opioid_use_shows_the_critical_finding_with_its_explanation() -> None:
    at = answer(start(), "opioid_current", "yes")
    assert not at.exception
    critical = [e.value for e in at.error]
    assert any("CRITICAL: Current opioid use" in v and "precipitate acute opioid withdrawal" in v for v in critical)


def test_skip_logic_shows_agent_and_date_only_after_recent_use() -> None:
    at = start()
    assert not shown(at, "opioid_agent") and not shown(at, "opioid_last_dose")
    at = answer(at, "opioid_current", "no")
    assert not shown(at, "opioid_agent")
    at = answer(at, "opioid_past_30_days", "yes")
    assert shown(at, "opioid_agent") and shown(at, "opioid_formulation") and shown(at, "opioid_last_dose")
    assert not shown(at, "transplant_immunosuppressants")
    at = answer(at, "transplant_recipient", "yes")
    assert shown(at, "transplant_immunosuppressants")


def test_progress_counts_answered_of_applicable() -> None:
    at = answer(answer(start(), "opioid_current", "no"), "opioid_past_30_days", "yes")
    progress = texts(at)
    counted = Screening.of(load_ruleset(), {"opioid_current": "no", "opioid_past_30_days": "yes"}, SCREENING_DATE).result
    assert counted.answered == 2
    assert f"2 of {counted.applicable} applicable questions answered" in progress


def test_interval_finding_updates_with_the_last_dose_date() -> None:
    at = answer(answer(start(), "opioid_current", "no"), "opioid_past_30_days", "yes")
    at = answer(answer(at, "opioid_agent", "tramadol"), "opioid_formulation", "immediate_release")
    at = answer(at, "opioid_last_dose", date(2026, 11, 20))
    assert any("Short-acting opioid taken 3 days ago" in e.value for e in at.error)
    at = answer(at, "opioid_last_dose", date(2026, 11, 12))
    assert any("Short-acting opioid taken 11 days ago" in w.value for w in at.warning)
    assert not any("Short-acting" in e.value for e in at.error)


def test_future_last_dose_is_flagged_at_the_field_and_nothing_else_is_lost() -> None:
    at = answer(answer(start(), "opioid_current", "no"), "opioid_past_30_days", "yes")
    at = answer(at, "thyroid_hormone", "yes")
    at = answer(at, "opioid_last_dose", date(2026, 12, 25))
    assert not at.exception
    assert any("after the screening date" in e.value for e in at.error)
    assert at.text_input(key="q_opioid_last_dose").value == "2026-12-25"   # what was typed stays
    assert at.radio(key="q_thyroid_hormone").value == "yes"
    assert any("Thyroid hormone" in w.value for w in at.warning)


def test_hidden_answers_come_back_when_the_question_shows_again() -> None:
    at = answer(answer(start(), "opioid_current", "no"), "opioid_past_30_days", "yes")
    at = answer(at, "opioid_last_dose", date(2026, 11, 10))
    at = answer(at, "opioid_current", "yes")
    assert not shown(at, "opioid_last_dose")
    at = answer(at, "opioid_current", "no")
    assert at.text_input(key="q_opioid_last_dose").value == "2026-11-10"


def test_unanswered_questions_are_listed_as_not_assessed() -> None:
    at = answer(start(), "opioid_current", "no")
    page = texts(at)
    open_items = len(Screening.of(load_ruleset(), {"opioid_current": "no"}, SCREENING_DATE).result.not_assessed)
    assert open_items > 10
    assert f"Not assessed: {open_items} question(s)" in page
    assert "never a sign of no concern" in page


def tab_text(at: AppTest, label: str) -> str:
    return "\n".join(m.value for m in next(t for t in at.tabs if t.label == label).markdown)


def test_summary_tabs_hold_clinician_and_patient_views() -> None:
    at = answer(start(), "liver_acute", "yes")
    assert not at.tabs                                  # the long summary is built only when opened
    at.session_state["summary_open"] = True
    at.run()
    assert [t.label for t in at.tabs] == ["Clinician view", "Patient discussion view"]
    clinician = tab_text(at, "Clinician view")
    assert "[CRITICAL] Acute hepatitis or liver failure" in clinician and "General points" in clinician
    at.session_state["summary_view"] = "Patient discussion view"
    patient = tab_text(at.run(), "Patient discussion view")
    assert "Must be resolved first: Acute liver inflammation or liver failure." in patient   # plain title
    assert "What happens next" in patient and "About LDN" in patient


def test_finding_detail_opens_with_why_discussion_and_sources() -> None:
    at = answer(start(), "opioid_current", "yes")
    at.session_state["detail_opioid-current-use"] = True
    at.run()
    detail = next(e for e in at.expander if "Current opioid use" in e.label)
    text = "\n".join(m.value for m in detail.markdown)
    assert "Why it matters" in text and "What would change this" in text
    assert "LDN for Pain: Your Guide to a Non-Opioid Solution" in text and ".txt" not in text   # title, no file


def test_new_screening_clears_every_answer() -> None:
    at = answer(answer(start(), "opioid_current", "yes"), "liver_chronic", "yes")
    at.button[0].click().run()
    assert at.radio(key="q_opioid_current").value is None
    assert at.radio(key="q_liver_chronic").value is None
    assert not at.error


def test_no_decision_words_anywhere_on_the_page(ruleset: RuleSet) -> None:
    from screening.crosschecks import forbidden_pattern
    at = start()
    for qid in ("opioid_current", "liver_acute", "thyroid_hormone", "surgery_planned", "naloxone_on_hand"):
        at = answer(at, qid, "yes")
    assert forbidden_pattern(ruleset.meta.forbidden_words).search(texts(at)) is None


def test_an_invalid_rule_set_stops_the_app_with_the_file_and_problem(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "topics" / "03-liver.yaml").write_text("topic: [\n", encoding="utf-8")
    monkeypatch.setenv("LDN_RULES_DIR", str(rules))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("rule files are invalid" in e.value for e in at.error)
    assert any("rules/topics/03-liver.yaml" in c.value for c in at.code)
    assert len(at.radio) == 0 and len(at.selectbox) == 0          # no checklist on a partial rule set


def test_a_loaded_case_keeps_good_answers_and_names_bad_ones(ruleset: RuleSet) -> None:
    case = parse_case("screening_date: 2026-11-23\nanswers:\n  opioid_current: no\n  opioid_past_30_days: yes\n"
                      "  opioid_agent: oxycontinn\n  opioid_last_dose: 2026-12-01\n  liver_chronic: yes\n", "t.yaml")
    values, problems = case_widget_values(ruleset, case)
    assert values["opioid_current"] == "no" and values["liver_chronic"] == "yes"
    assert values["opioid_last_dose"] == date(2026, 12, 1)    # kept; the page flags it as after the screening date
    assert set(problems) == {"opioid_agent"} and "oxycontinn" in problems["opioid_agent"]


def test_the_app_logs_no_answers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    at = answer(answer(start(), "opioid_current", "no"), "opioid_past_30_days", "yes")
    at = answer(at, "opioid_last_dose", date(2026, 11, 17))
    assert "2026-11-17" not in caplog.text and "opioid_past_30_days" not in caplog.text


def test_answers_never_reach_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answering questions writes no file anywhere in the project or the working folder."""
    root = Path(APP).parent

    def files() -> set[Path]:
        return {p for base in (root, tmp_path) for p in base.rglob("*")
                if p.is_file() and ".venv" not in p.parts and "__pycache__" not in p.parts
                and ".pytest_cache" not in p.parts and ".hypothesis" not in p.parts and ".git" not in p.parts}

    monkeypatch.chdir(tmp_path)
    before = files()
    at = answer(answer(start(), "opioid_current", "no"), "opioid_past_30_days", "yes")
    at = answer(at, "opioid_last_dose", date(2026, 11, 17))
    assert not at.exception
    assert files() == before


def test_usage_statistics_are_off() -> None:
    import tomllib
    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False


def test_a_pasted_medication_list_is_read_into_a_table_and_feeds_the_findings() -> None:
    at = start()
    at.text_area(key="med_text").set_value("Norco 10/325 1 tab q6h prn\nmystery tonic 5 ml\nlevothyroxine 50 mcg").run()
    assert not at.exception
    assert any("3 lines read: 2 recognised, 1 not recognised" in m.value for m in at.markdown)
    table = at.table[0].value
    assert list(table["Line"]) == [1, 2, 3]
    assert list(table["Recognised as"]) == ["Norco", "NOT RECOGNISED", "levothyroxine"]
    # the plain table's cells are Markdown: each line is sent escaped, so it shows exactly as typed
    assert list(table["As written"]) == [md_escape(line) for line in
                                         ("Norco 10/325 1 tab q6h prn", "mystery tonic 5 ml", "levothyroxine 50 mcg")]
    assert any("CRITICAL: Current opioid use" in e.value for e in at.error)
    assert "Medication line 2 not recognised" in texts(at)


def test_clearing_the_list_makes_its_facts_unknown_again() -> None:
    at = start()
    at.text_area(key="med_text").set_value("Percocet 5/325").run()
    assert any("Current opioid use" in e.value for e in at.error)
    at.text_area(key="med_text").set_value("").run()
    assert not at.error and len(at.table) == 0 and len(at.dataframe) == 0


def test_a_long_list_goes_to_the_scrolling_grid_with_every_line() -> None:
    """A few lines are a plain table; a long list scrolls in the grid so the checklist stays near the top."""
    lines = [f"unknown remedy {i}" for i in range(1, 40)] + ["Percocet 5/325"]
    at = start()
    at.text_area(key="med_text").set_value("\n".join(lines)).run()
    assert not at.exception and len(at.table) == 0
    grid = at.dataframe[0].value
    assert len(grid) == 40 and grid["As written"].iloc[-1] == "Percocet 5/325"
    assert grid["Recognised as"].iloc[-1] == "Percocet"
    assert any("Current opioid use" in e.value for e in at.error)


def test_trainer_presents_a_case_takes_predictions_reveals_and_scores() -> None:
    at = start()
    at.sidebar.radio(key="mode").set_value("Trainer").run()
    assert not at.exception
    at.selectbox(key="tr_case").set_value("short-acting-6-days-is-critical").run()
    assert any("###" in m.value or len(m.value) > 80 for m in at.markdown)     # the narrative, large
    reveal = at.button(key="reveal_button_short-acting-6-days-is-critical")
    assert reveal.disabled                                                  # predict first
    for radio in [r for r in at.radio if r.key and r.key.startswith("pred_short-acting-6-days")]:
        radio.set_value("critical" if radio.key.endswith("_opioids") else "no finding")
    at.run()
    at.button(key="reveal_button_short-acting-6-days-is-critical").click().run()
    assert not at.exception
    headers = [h.value for h in at.header]
    assert any(h.startswith("Reveal:") and "topics predicted correctly" in h for h in headers)
    assert any("Opioids" in s.value and "Correct" in s.value for s in at.subheader)


def test_trainer_filters_by_topic_and_difficulty() -> None:
    at = start()
    at.sidebar.radio(key="mode").set_value("Trainer").run()
    everything = len(at.selectbox(key="tr_case").options)
    at.multiselect(key="tr_topics").set_value(["transplant"]).run()
    at.multiselect(key="tr_levels").set_value(["introductory"]).run()
    narrowed = at.selectbox(key="tr_case").options
    assert 0 < len(narrowed) < everything


def answer_all(at: AppTest, prefix: str, **given: str) -> AppTest:
    """Answer every shown radio of one checklist: the given answers, "no" (or "not done") elsewhere."""
    for radio in [r for r in at.radio if r.key.startswith(prefix)]:
        qid = radio.key[len(prefix):]
        radio.set_value(given.get(qid, "not_done" if qid == "urine_opioid_screen" else "no"))
    return at.run()


def test_pharmacist_double_check_compares_resolves_and_combines() -> None:
    at = answer_all(start(), "q_", liver_chronic="yes")
    answered = len([r for r in at.radio if r.key.startswith("q_")])        # every shown radio, from the rule set
    at.sidebar.radio(key="mode").set_value("Pharmacist double-check").run()
    assert not at.exception
    assert at.radio(key="p2_liver_chronic").value is None                  # the first answers stay hidden
    assert any(f"First screening on record: {answered} answers" in i.value for i in at.info)
    at.radio(key="p2_liver_chronic").set_value("no").run()
    assert at.button(key="dc_compare_button").disabled        # not before the second check is complete
    at = answer_all(at, "p2_", liver_chronic="no")
    at.button(key="dc_compare_button").click().run()
    assert any(f"{answered - 1} agree, 1 disagree" in m.value for m in at.markdown)
    assert not any("Combined findings" in h.value for h in at.header)     # not before it is resolved
    at.radio(key="res_liver_chronic").set_value("first").run()
    assert any("Combined findings" in h.value for h in at.header)
    assert any("Chronic liver disease" in w.value for w in at.warning)


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only",
        "client_id": "ldn-screening", "client_secret": "test-only",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}


def test_without_auth_secrets_the_app_opens_directly() -> None:
    at = start()
    assert not any(b.key == "sign_in" for b in at.button)
    assert len(at.radio) > 0


def test_with_auth_secrets_a_signed_out_user_sees_only_the_sign_in_prompt() -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user["is_logged_in"] = False
    at.run()
    assert not at.exception
    assert any(b.key == "sign_in" for b in at.button)
    assert [r.key for r in at.radio] == []                                  # no checklist, no answers


def test_with_auth_secrets_a_signed_in_user_screens_as_usual() -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user["is_logged_in"] = True
    at.user["email"] = "clinician@example.org"
    at.session_state["screening_date"] = SCREENING_DATE
    at.run()
    assert not at.exception
    assert any("Signed in as clinician@example.org" in c.value for c in at.sidebar.caption)
    at = answer(at, "opioid_current", "yes")
    assert any("CRITICAL: Current opioid use" in e.value for e in at.error)
