"""Accessibility in a real browser: axe-core on every page state, severity never by colour alone, and
the whole checklist completed with the keyboard only.

axe-core comes from axe-playwright-python (its bundled axe.min.js, injected into the page; nothing is
fetched). Violations of impact "serious" or "critical" fail the test; lesser ones are printed.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from tests.e2e.server import streamlit_server, wait_idle
from tests.e2e.test_journeys import (
    MEDICATIONS, OPIOID_NOW, answer_all, assert_no_exception, choose, new_context, open_app, set_mode, settle,
)

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
PROGRESS = re.compile(r"^(\d+) of (\d+) applicable questions answered$")
PROGRESS_CHANGED = """(before) => {
  const p = [...document.querySelectorAll('[data-testid="stMain"] p')]
    .find(e => / applicable questions answered$/.test(e.textContent.trim()));
  return !!p && p.textContent.trim() !== before;
}"""


# ------------------------------------------------------------------------------------------------- axe

def _describe(v: dict[str, Any]) -> str:
    targets = [" ".join(str(t) for t in n["target"]) for n in v["nodes"][:3]]
    snippets = [n.get("html", "")[:160] for n in v["nodes"][:3]]
    return (f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)]\n"
            + "".join(f"    target: {t}\n    html:   {h}\n" for t, h in zip(targets, snippets)))


def fit_viewport_to_page(page: Page) -> None:
    """Make the window as tall as the page. Streamlit scrolls inside its main area, and axe-core's
    colour-contrast check skips text scrolled out of view ("incomplete"), so a short window hides
    contrast failures below the fold."""
    height = page.evaluate("""() => Math.max(...['stMain', 'stSidebarContent']
        .map(id => document.querySelector(`[data-testid="${id}"]`)).filter(Boolean).map(e => e.scrollHeight))""")
    size = page.viewport_size or {"width": 1400, "height": 1600}
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 50, size["height"]), 12_000)})
    wait_idle(page)


def axe_violations(page: Page, state: str) -> list[dict[str, Any]]:
    """Run axe-core on the whole page; print every violation; return the serious or critical ones."""
    wait_idle(page)
    fit_viewport_to_page(page)
    response = Axe().run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    violations = response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    minor = [v for v in violations if v["impact"] not in BLOCKING]
    print(f"\naxe-core, {state}: {len(blocking)} serious/critical, {len(minor)} other")
    for v in blocking + minor:
        print(_describe(v))
    for v in response["incomplete"]:         # axe could not decide: printed for a person to review
        print("  needs review: " + _describe(v).lstrip("- "))
    return blocking


def assert_accessible(page: Page, state: str) -> None:
    blocking = axe_violations(page, state)
    assert not blocking, (f"axe-core found serious/critical violations ({state}):\n"
                          + "".join(_describe(v) for v in blocking))
    assert_no_exception(page)


# --------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One context per module (its HTTP cache keeps Streamlit's scripts); one tab, one session, per test."""
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context: BrowserContext, app_url: str, tmp_path: Path) -> Iterator[Page]:
    pg = open_app(context, app_url)
    yield pg
    pg.screenshot(path=str(tmp_path / "final.png"), full_page=True)
    assert_no_exception(pg)
    pg.close()


# ------------------------------------------------------------------------------------- page states: axe

def _findings_critical_and_warning(page: Page) -> None:
    choose(page, OPIOID_NOW, "Yes")
    choose(page, "Does the patient have chronic liver disease, cirrhosis or raised liver enzymes?", "Yes")
    expect(page.get_by_test_id("stAlert").filter(has_text="CRITICAL: Current opioid use")).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="WARNING: Chronic liver disease")).to_be_visible()


def _medication_table(page: Page) -> None:
    page.get_by_role("textbox", name="Medication list").fill(MEDICATIONS)
    page.keyboard.press("Control+Enter")
    settle(page)
    expect(page.get_by_text("3 lines read: 3 recognised, 0 not recognised")).to_be_visible()
    expect(page.get_by_test_id("stTable").get_by_role("cell", name="Norco", exact=True)).to_be_visible()


def _patient_tab(page: Page) -> None:
    choose(page, OPIOID_NOW, "Yes")
    page.get_by_text("Summary for discussion: clinician and patient views").click()     # built only when opened
    settle(page)
    page.get_by_role("tab", name="Patient discussion view").click()
    settle(page)
    expect(page.get_by_role("tabpanel")).to_contain_text("not a decision")


def _double_check_compared(page: Page) -> None:
    answer_all(page, {})                                    # Compare needs a first screening ...
    set_mode(page, "Pharmacist double-check")
    answer_all(page, {"Does the patient have acute hepatitis or liver failure?": "Yes"})   # ... and a complete second
    page.get_by_role("button", name="Compare with the first screening").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"^\d+ agree, 1 disagree\."))).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").locator('td[role="gridcell"]', has_text="DISAGREE")).to_be_attached()


def _trainer_revealed(page: Page) -> None:
    set_mode(page, "Trainer")
    expect(page.get_by_role("heading", name="Trainer", exact=True)).to_be_visible()
    for group in page.get_by_test_id("stMain").get_by_role("radiogroup").all():
        group.get_by_text("warning", exact=True).click()
        settle(page)
    page.get_by_role("button", name="Reveal").click()
    settle(page)
    expect(page.get_by_role("heading", name=re.compile(r"^Reveal: \d+ of \d+ topics predicted correctly$"))
           ).to_be_visible()


STATES = {
    "screening-fresh": lambda page: None,
    "findings-critical-and-warning": _findings_critical_and_warning,
    "medication-list-table": _medication_table,
    "summary-patient-tab": _patient_tab,
    "double-check-after-compare": _double_check_compared,
    "trainer-after-reveal": _trainer_revealed,
}


@pytest.mark.parametrize("state", list(STATES))
def test_axe_finds_no_serious_violations(page: Page, state: str) -> None:
    STATES[state](page)
    assert_accessible(page, state)


def test_axe_on_the_invalid_rules_error_page(browser: Browser, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    liver = rules / "topics" / "03-liver.yaml"
    liver.write_text(liver.read_text(encoding="utf-8").replace("severity: warning", "severity: severe", 1),
                     encoding="utf-8")
    with streamlit_server(env={"LDN_RULES_DIR": str(rules)}) as url:
        context = new_context(browser)
        try:
            page = open_app(context, url)
            expect(page.get_by_text("The rule files are invalid, so no screening is possible")).to_be_visible()
            expect(page.get_by_test_id("stCode")).to_contain_text("03-liver.yaml")
            expect(page.get_by_role("radiogroup", name=OPIOID_NOW)).to_have_count(0)
            page.screenshot(path=str(tmp_path / "invalid-rules.png"), full_page=True)
            assert_accessible(page, "invalid-rules-error-page")
        finally:
            context.close()


# --------------------------------------------------------------------------- severity is never colour only

SEVERITY_BY_BOX = {"stAlertContentError": "CRITICAL", "stAlertContentWarning": "WARNING", "stAlertContentInfo": "INFO"}


def test_severity_is_written_in_words_not_shown_by_colour_alone(page: Page) -> None:
    choose(page, OPIOID_NOW, "Yes")
    choose(page, "Does the patient have chronic liver disease, cirrhosis or raised liver enzymes?", "Yes")
    choose(page, "Does the patient carry naloxone (Narcan) or another opioid-reversal kit?", "Yes")
    column = page.get_by_test_id("stColumn").filter(has=page.get_by_role("heading", name="Findings", exact=True))
    expect(column).to_have_count(1)
    details = column.get_by_text(re.compile(r"^Why, what to discuss, sources: "))
    expect(details).to_have_count(3)                    # one card per finding
    alerts = column.get_by_test_id("stAlert")
    expect(alerts).to_have_count(3)
    seen = []
    for alert in alerts.all():
        box = alert.locator('[data-testid^="stAlertContent"]').first.get_attribute("data-testid")
        text = alert.get_by_test_id("stMarkdownContainer").inner_text().strip()
        assert box in SEVERITY_BY_BOX, box
        assert text.startswith(SEVERITY_BY_BOX[box] + ":"), (
            f"a {box} finding box does not name its severity in words: {text[:80]!r}")
        seen.append(SEVERITY_BY_BOX[box])
    assert seen == ["CRITICAL", "WARNING", "INFO"], seen
    expect(column.get_by_text(re.compile(r"1 critical · .*1 warning · .*1 info"))).to_be_visible()


# ------------------------------------------------------------------------------------------- keyboard only

FOCUSED = """() => {
  const bar = [...document.querySelectorAll('[data-testid="stMain"] p')]
    .find(p => / applicable questions answered$/.test(p.textContent.trim()));
  const progress = bar ? bar.textContent.trim() : '';
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: 'BODY', progress};
  const group = e.closest('[role="radiogroup"]');
  const radios = group ? [...group.querySelectorAll('input[type="radio"]')] : [];
  const dateGroup = e.closest('[role="group"][aria-label]');
  return {tag: e.tagName, role: e.getAttribute('role'), label: e.getAttribute('aria-label'), progress,
          value: e.value ?? null, group: group ? group.getAttribute('aria-label') : null,
          index: radios.indexOf(e), answered: radios.some(r => r.checked),
          dateGroup: dateGroup ? dateGroup.getAttribute('aria-label') : null,
          inDateWidget: !!e.closest('[data-testid="stDateInput"]'),
          dateEmpty: dateGroup ? [...dateGroup.querySelectorAll('[role="spinbutton"]')]
                                   .some(s => s.getAttribute('aria-valuetext') === 'Empty') : null};
}"""


def _counts(progress: str) -> tuple[int, int]:
    m = PROGRESS.match(progress)
    assert m, f"no progress text: {progress!r}"
    return int(m.group(1)), int(m.group(2))


def test_the_whole_checklist_can_be_completed_with_the_keyboard_only(page: Page) -> None:
    """Only page.keyboard acts (Tab, Shift+Tab, arrows, Space, Enter, typing); the page is only read
    (what has focus, the progress text) to decide the next key."""
    ruleset = load_ruleset()
    wanted = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
              "opioid_formulation": "immediate_release", "urine_opioid_screen": "not_done",
              "transplant_recipient": "yes"}                 # every other question: "no"
    by_prompt = {cq.question.prompt: cq for cq in ruleset.questions}
    last_dose = date.today() - timedelta(days=9)             # the screening date defaults to today

    def read() -> dict[str, Any]:
        """What has focus, and the progress text. The progress line is an st.empty() that a rerun
        clears before refilling, so while a rerun is under way wait for it to come back."""
        f = page.evaluate(FOCUSED)
        if not f["progress"]:
            page.wait_for_function(PROGRESS_CHANGED, arg="", timeout=15_000)
            settle(page)
            f = page.evaluate(FOCUSED)
        return f

    def answered(before: str) -> dict[str, Any]:
        """Wait for the progress text to change (polled every frame), then for the rerun to end."""
        page.wait_for_function(PROGRESS_CHANGED, arg=before, timeout=15_000)
        settle(page)
        return read()

    direction, keys, log, move = "Tab", 0, [], True
    f = read()
    while len(set(_counts(f["progress"]))) > 1:              # until "N of N applicable questions answered"
        assert keys < 250, f"not done after {keys} key presses; answered so far: {log}"
        if move:
            keys += 1
            page.keyboard.press(direction)
        move = True
        f = read()
        before = f["progress"]
        if f.get("group") in by_prompt and not f["answered"]:                       # a radio group
            cq = by_prompt[f["group"]]
            steps = list(cq.options).index(wanted.get(cq.question.id, "no")) - f["index"]
            if steps == 0:
                page.keyboard.press("Space")
                f = answered(before)
            for i in range(abs(steps)):                    # arrows move and select, one option at a time
                page.keyboard.press("ArrowRight" if steps > 0 else "ArrowLeft")
                if i == 0:
                    f = answered(before)
                else:
                    settle(page)
            log.append(cq.question.id)
        elif f.get("role") == "combobox" and f.get("label") in by_prompt and not f["value"]:   # a selectbox
            cq = by_prompt[f["label"]]
            page.keyboard.type(cq.options[wanted[cq.question.id]].split(" (")[0])
            page.keyboard.press("Enter")
            f = answered(before)
            log.append(cq.question.id)
        elif f.get("role") == "spinbutton" and f.get("dateGroup") in by_prompt and f["dateEmpty"] \
                and f["label"].startswith("year, "):                                     # a date field
            question_id = by_prompt[f["dateGroup"]].question.id
            page.keyboard.type(last_dose.strftime("%Y%m%d"))   # each full segment moves on to the next
            # The value is sent when focus leaves the widget: past its own "Choose date" button.
            while page.evaluate(FOCUSED).get("inDateWidget"):
                keys += 1
                page.keyboard.press("Tab")
            f = answered(before)
            log.append(question_id)
            move = False                                        # focus already sits on the next control
        elif f.get("tag") == "INPUT" and f.get("label") in by_prompt and not f["value"] \
                and by_prompt[f["label"]].question.type == "date":                     # a date, typed as text
            question_id = by_prompt[f["label"]].question.id
            page.keyboard.type(last_dose.isoformat())
            page.keyboard.press("Enter")
            f = answered(before)
            log.append(question_id)
        elif f.get("role") == "tab" and direction == "Tab":
            direction = "Shift+Tab"          # past the checklist with questions left: go back up
        elif f.get("label") == "Medication list" and direction == "Shift+Tab":
            direction = "Tab"

    answered_n, applicable = _counts(f["progress"])
    assert answered_n == applicable, (answered_n, applicable)
    assert len(log) == len(set(log)) == applicable, log
    assert set(log) == {cq.question.id for cq in ruleset.questions}, log      # every question applies here
    # the keyboard entered what was meant: tramadol, immediate-release, 9 days ago -> the 7-13 day warning
    expect(page.get_by_test_id("stAlert").filter(has_text="WARNING: Short-acting opioid 7 to 13 days ago")
           ).to_contain_text("Short-acting opioid taken 9 days ago")
    expect(page.get_by_test_id("stAlert").filter(has_text="CRITICAL:")).to_have_count(0)
