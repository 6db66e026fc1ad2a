"""Trainer mode through Streamlit's AppTest: not-assessed predictions, locking at the reveal, the lesson score,
shuffled numbering, calendar dates and projector mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from screening.teaching import NOT_ASSESSED, case_numbers
from tests.helpers import SCREENING_DATE

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CASES = Path(__file__).resolve().parent.parent / "cases"
OPEN_LIVER = "liver-enzymes-awaited-is-not-assessed"          # liver: a question left open, no finding
ACUTE = "acute-hepatitis-is-critical"                         # liver: critical


def trainer(case: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["screening_date"] = SCREENING_DATE
    at.run()
    at.sidebar.radio(key="mode").set_value("Trainer").run()
    at.selectbox(key="tr_case").set_value(case).run()
    assert not at.exception
    return at


def predict_and_reveal(at: AppTest, case: str, prediction: str) -> AppTest:
    at.radio(key=f"pred_{case}_liver").set_value(prediction).run()
    at.button(key=f"reveal_button_{case}").click().run()
    assert not at.exception
    return at


def headers(at: AppTest) -> list[str]:
    return [h.value for h in at.header]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_a_not_assessed_prediction_is_offered_and_scored_against_the_open_questions() -> None:
    at = trainer(OPEN_LIVER)
    assert NOT_ASSESSED in at.radio(key=f"pred_{OPEN_LIVER}_liver").options
    predict_and_reveal(at, OPEN_LIVER, NOT_ASSESSED)
    assert "Reveal: 1 of 1 topics predicted correctly" in headers(at)
    assert "the screening gives **not assessed**" in markdown(at)
    assert "Does the patient have chronic liver disease, cirrhosis or raised liver enzymes?" in markdown(at)


def test_no_finding_for_an_unasked_question_is_not_quite_right() -> None:
    at = predict_and_reveal(trainer(OPEN_LIVER), OPEN_LIVER, "no finding")
    assert "Reveal: 0 of 1 topics predicted correctly" in headers(at)
    assert any("Not quite" in s.value for s in at.subheader)


def test_predictions_lock_at_the_reveal_and_are_never_re_graded() -> None:
    at = predict_and_reveal(trainer(ACUTE), ACUTE, "warning")
    assert "Reveal: 0 of 1 topics predicted correctly" in headers(at)
    radio = at.radio(key=f"pred_{ACUTE}_liver")
    assert radio.disabled and radio.value == "warning"
    assert not [b for b in at.button if b.key == f"reveal_button_{ACUTE}"]        # no second reveal
    with pytest.raises(AppTestError, match="disabled"):                           # refused, as in a browser
        radio.set_value("critical")
    at.session_state[f"pred_{ACUTE}_liver"] = "critical"                          # and a value slipped in anyway
    at.run()
    assert "Reveal: 0 of 1 topics predicted correctly" in headers(at)
    assert at.radio(key=f"pred_{ACUTE}_liver").value == "warning"
    assert "Lesson score: 0 of 1 topics right over 1 case" in markdown(at)


def test_the_reveal_shows_coloured_severity_cards() -> None:
    at = predict_and_reveal(trainer(ACUTE), ACUTE, "critical")
    assert any(e.value.startswith("**CRITICAL: Acute hepatitis or liver failure**") for e in at.error)


def test_the_lesson_keeps_a_running_score_across_cases_until_a_new_lesson() -> None:
    at = predict_and_reveal(trainer(ACUTE), ACUTE, "critical")
    at.selectbox(key="tr_case").set_value(OPEN_LIVER).run()
    predict_and_reveal(at, OPEN_LIVER, "no finding")
    assert "Lesson score: 1 of 2 topics right over 2 cases" in markdown(at)
    at.selectbox(key="tr_case").set_value(ACUTE).run()                  # back to a revealed case: still locked
    assert at.radio(key=f"pred_{ACUTE}_liver").disabled
    assert at.radio(key=f"pred_{ACUTE}_liver").value == "critical"
    assert "Lesson score: 1 of 2 topics right over 2 cases" in markdown(at)
    at.button(key="tr_new_lesson").click().run()
    assert "Lesson score:** no case revealed yet" in markdown(at)
    assert not at.radio(key=f"pred_{ACUTE}_liver").disabled


def test_case_numbers_follow_the_seeded_shuffle_and_dates_read_as_calendar_dates() -> None:
    at = trainer(ACUTE)
    numbers = case_numbers([p.stem for p in CASES.glob("*.yaml")])
    options = at.selectbox(key="tr_case").options
    assert options[0].startswith("Case 1:") and options[1].startswith("Case 2:")
    assert f"Case {numbers[ACUTE]}: Liver (introductory)" in headers(at)
    assert "**Screening visit:** Monday 23 November 2026" in markdown(at)


def test_projector_mode_enlarges_the_type_and_collapses_the_sidebar() -> None:
    at = trainer(ACUTE)
    assert not any("font-size" in h.proto.body for h in at.get("html"))
    at.toggle(key="tr_projector").set_value(True).run()
    assert not at.exception
    assert any("html { font-size" in h.proto.body for h in at.get("html"))
    assert at.session_state["tr_projector"] is True


def test_next_case_moves_to_the_following_number_after_a_reveal() -> None:
    at = predict_and_reveal(trainer(ACUTE), ACUTE, "critical")
    numbers = case_numbers([p.stem for p in CASES.glob("*.yaml")])
    following = min((s for s in numbers if numbers[s] > numbers[ACUTE]), key=numbers.__getitem__)
    at.button(key=f"next_case_{ACUTE}").click().run()
    assert not at.exception
    assert at.selectbox(key="tr_case").value == following
    assert "Lesson score: 1 of 1 topics right over 1 case" in markdown(at)
