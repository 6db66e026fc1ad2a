"""Issue 12 and issue 10 point 7 in a real browser: findings in view, a printout that fits, the pharmacist's
double-check, the keyboard, and dates that are never silently changed.

Each test drives `streamlit run app.py` in Debian's Chromium (tests/e2e/server.py) as a GP or a pharmacist
would, and reads only what they would see (or, for the printout, the PDF Chromium makes of it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from screening.answers import parse_answers
from screening.engine import screen
from screening.loader import load_ruleset
from screening.record import make_record
from tests.e2e.server import ROOT
from tests.e2e.test_journeys import (
    LAST_DOSE_LABEL, OPIOID_30_DAYS, OPIOID_NOW, WATCH_EXCEPTIONS, answer_all, assert_no_exception,
    choose, download, fill_date, set_mode, settle,
)

CASE_UPLOAD = '[data-testid="stFileUploaderDropzoneInput"][accept*=".yaml"]'   # the sidebar also has the FHIR import

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
A4_CONTENT_PX = {"width": 710, "height": 1039}     # A4 less the print margins (10-12 mm), at 96 px per inch
NO_DATE = "Recent opioid use without a last-dose date"
INTACT = re.compile(r"^UNSIGNED:\W*the content matches")   # no key in the test server: hash only; "word:" gets a joiner


def open_page(browser: Browser, url: str, viewport: dict[str, int]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.add_init_script(WATCH_EXCEPTIONS)
    page = context.new_page()
    page.goto(url)
    page.get_by_test_id("stMain").get_by_role("radio").first.wait_for()     # widgets draw after the first run
    settle(page)
    return context, page


def _page_on(browser: Browser, app_url: str, viewport: dict[str, int]) -> Iterator[Page]:
    """A fresh page at this size; after the test, no exception may have reached the browser."""
    context, page = open_page(browser, app_url, viewport)
    yield page
    assert_no_exception(page)
    context.close()


@pytest.fixture()
def desktop(browser: Browser, app_url: str) -> Iterator[Page]:
    yield from _page_on(browser, app_url, DESKTOP)


@pytest.fixture()
def phone(browser: Browser, app_url: str) -> Iterator[Page]:
    yield from _page_on(browser, app_url, PHONE)


def load_case(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarUserContent").locator(CASE_UPLOAD).set_input_files(
        str(ROOT / "cases" / name))
    settle(page)
    # the load's own rerun sets the checklist and the list box: wait for it before typing anything
    expect(page.get_by_test_id("stSidebarUserContent").get_by_text(f"Loaded {name}")).to_be_visible(timeout=15_000)
    settle(page)


def scroll_main(page: Page, to: str = "e.scrollHeight") -> None:
    page.get_by_test_id("stMain").evaluate(f"e => e.scrollTo(0, {to})")
    page.wait_for_timeout(200)


def in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] < size["height"] and box["height"] > 0


# ------------------------------------------------------------------------------------------ the GP's page

def test_the_landing_header_says_what_the_tool_is_and_nothing_reassures_before_an_answer(desktop: Page) -> None:
    page = desktop
    expect(page.get_by_role("heading", level=1)).to_contain_text("Low-dose naltrexone (LDN) safety screening")
    header = page.get_by_test_id("stMain").get_by_text("For the prescriber, GP or pharmacist")
    expect(header).to_contain_text("not a decision")
    expect(header).to_contain_text("Nothing is stored")
    expect(page.get_by_text("Nothing has been answered yet")).to_be_visible()
    expect(page.get_by_text("No findings came from the questions answered")).to_have_count(0)
    expect(page.get_by_test_id("stMain").locator('[data-testid="stIconMaterial"]', has_text="check_circle")
           ).to_have_count(0)


def test_findings_and_actions_stay_in_view_while_answering_far_down(desktop: Page) -> None:
    page = desktop
    load_case(page, "tramadol-stopped-9-days.yaml")
    panel = page.locator(".st-key-findings_panel")
    expect(panel.get_by_role("button", name="Summary (printable HTML)")).to_be_visible()    # actions under the findings
    # far down: the last question, then the medication list below the checklist
    page.get_by_role("radiogroup", name=re.compile("severe acute, post-surgical")).scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    assert in_viewport(page, ".st-key-findings_panel"), "the findings panel scrolled out of view"
    page.get_by_role("textbox", name="Medication list").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    expect(page.get_by_role("textbox", name="Medication list")).to_be_in_viewport()
    assert in_viewport(page, ".st-key-findings_panel"), "the findings panel scrolled out of view"
    expect(panel.get_by_test_id("stAlert").filter(has_text="Short-acting opioid taken 9 days ago")).to_be_in_viewport()


def test_a_phone_keeps_a_compact_findings_strip_at_the_top(phone: Page) -> None:
    page = phone
    choose(page, OPIOID_NOW, "Yes")
    strip = page.locator(".st-key-findings_strip")
    expect(strip).to_contain_text("1 critical")
    expect(strip).to_contain_text("Current opioid use")
    scroll_main(page, "1500")
    box = strip.bounding_box()
    assert box is not None and 0 <= box["y"] < 150, f"the strip is not at the top after scrolling: {box}"


def test_a_topic_shows_findings_about_a_missing_answer_only_once_it_could_be_given(desktop: Page) -> None:
    page = desktop
    choose(page, OPIOID_NOW, "No")
    choose(page, OPIOID_30_DAYS, "Yes")                 # the date field has only just appeared
    panel = page.locator(".st-key-findings_panel")
    expect(panel.get_by_test_id("stAlert").filter(has_text=NO_DATE)).to_have_count(0)
    expect(panel.get_by_text(re.compile(r"more finding\(s\) \(\d+ critical"))).to_be_visible()
    page.get_by_text("Summary for discussion: clinician and patient views").click()
    settle(page)
    expect(page.get_by_role("tabpanel")).to_contain_text(NO_DATE)     # the summary always holds everything
    panel.get_by_role("button", name="Show every finding now").click()
    settle(page)
    expect(panel.get_by_test_id("stAlert").filter(has_text=f"CRITICAL: {NO_DATE}")).to_be_visible()


def test_the_date_answered_lets_the_interval_finding_show_without_asking(desktop: Page) -> None:
    page = desktop
    choose(page, OPIOID_NOW, "No")
    choose(page, OPIOID_30_DAYS, "Yes")
    fill_date(page, "Screening date", "2026-11-23")
    fill_date(page, LAST_DOSE_LABEL, "2026-11-01")
    panel = page.locator(".st-key-findings_panel")
    expect(panel.get_by_test_id("stAlert").filter(has_text=NO_DATE)).to_have_count(0)
    expect(page.get_by_text("Nothing has been answered yet")).to_have_count(0)


def test_starting_again_asks_first_and_leaving_with_answers_warns(desktop: Page, app_url: str) -> None:
    page = desktop
    choose(page, OPIOID_NOW, "Yes")
    sidebar = page.get_by_test_id("stSidebarUserContent")
    sidebar.get_by_role("button", name=re.compile("Start a new screening")).click()
    confirm = page.get_by_role("button", name="Discard the answers and start again")
    expect(confirm).to_be_visible()
    expect(page.get_by_role("radiogroup", name=OPIOID_NOW).get_by_role("radio", checked=True)).to_have_count(1)

    page.wait_for_function("() => window.__ldnUnsaved === true")
    dialogs: list[str] = []

    def on_dialog(d) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(d.type)
        d.dismiss()             # stay on the page
    page.on("dialog", on_dialog)
    try:
        page.goto(app_url, timeout=3000)
    except Exception:           # the navigation was cancelled by the dialog
        pass
    assert dialogs == ["beforeunload"], dialogs
    page.remove_listener("dialog", on_dialog)

    confirm.click()
    settle(page)
    expect(page.get_by_role("radiogroup", name=OPIOID_NOW).get_by_role("radio", checked=True)).to_have_count(0)
    page.wait_for_function("() => window.__ldnUnsaved === false")


# ------------------------------------------------------------------------------------------- dates (10.7)

def test_an_impossible_date_is_refused_at_its_field_and_nothing_else_changes(desktop: Page) -> None:
    page = desktop
    fill_date(page, "Screening date", "2026-11-23")
    choose(page, OPIOID_NOW, "No")
    choose(page, OPIOID_30_DAYS, "Yes")
    fill_date(page, LAST_DOSE_LABEL, "2026-02-31")
    expect(page.get_by_role("textbox", name=LAST_DOSE_LABEL)).to_have_value("2026-02-31")    # never 2026-02-28
    expect(page.get_by_text('"2026-02-31" is not a real calendar date')).to_be_visible()
    expect(page.get_by_role("radiogroup", name=OPIOID_NOW).get_by_role("radio", checked=True)).to_have_count(1)

    fill_date(page, "Screening date", "2026-02-30")
    sidebar = page.get_by_test_id("stSidebarUserContent")
    expect(sidebar.get_by_role("textbox", name="Screening date")).to_have_value("2026-02-30")
    expect(sidebar.get_by_text("the screening date in use is still 2026-11-23")).to_be_visible()


# ---------------------------------------------------------------------------------------------- printout

def test_the_printout_fits_four_findings_in_three_a4_pages_with_the_glance_on_page_one(
        desktop: Page, browser: Browser, tmp_path: Path) -> None:
    page = desktop
    load_case(page, "tramadol-stopped-9-days.yaml")
    # four cards of four causes (one cause gives one card): naltrexone, interval, thyroid, immunosuppressant
    box = page.get_by_role("textbox", name="Medication list")
    box.fill("levothyroxine 75 mcg daily\nReVia 50 mg daily\ntacrolimus 1 mg bid")
    expect(box).to_have_value("levothyroxine 75 mcg daily\nReVia 50 mg daily\ntacrolimus 1 mg bid")
    page.keyboard.press("Control+Enter")
    settle(page)
    expect(page.get_by_text("3 lines read: 3 recognised, 0 not recognised")).to_be_visible(timeout=15_000)
    panel = page.locator(".st-key-findings_panel")
    choose(page, "Has the patient had an organ transplant?", "No")      # the list's immunosuppressant: reconcile
    expect(panel.get_by_test_id("stAlert")).to_have_count(4, timeout=15_000)
    html = download(page, "Summary (printable HTML)", tmp_path)

    printer = browser.new_page(viewport=A4_CONTENT_PX)
    try:
        printer.set_content(html)
        pdf = printer.pdf(format="A4", path=str(tmp_path / "summary.pdf"))
        pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
        assert 1 <= pages <= 3, f"the printout of 4 findings takes {pages} A4 pages"
        printer.emulate_media(media="print")
        glance = printer.locator("section.glance")
        for text in ("Patient name", "Clinician name", "1 critical, 3 warning, 0 info", "Not assessed",
                     "Answers given", "Date of the last opioid dose 2026-11-14", "SHA-256"):
            expect(glance).to_contain_text(text)
        box = glance.bounding_box()
        assert box is not None and box["y"] + box["height"] <= A4_CONTENT_PX["height"], \
            f"the at-a-glance block does not fit on page 1: {box}"
        css = printer.evaluate("""() => [...document.styleSheets].flatMap(s => [...s.cssRules]).map(r => r.cssText)
                                   .join('\\n')""")
        assert not re.search(r"\.finding\s*\{[^}]*break-inside:\s*avoid", css), "long cards must be allowed to break"
    finally:
        printer.close()


# --------------------------------------------------------------------------------------------- keyboard

def test_the_first_answer_is_three_tabs_from_the_top_with_a_visible_focus_ring(desktop: Page) -> None:
    page = desktop
    page.get_by_role("heading", level=1).click()          # the top of the main area
    for presses in range(1, 4):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.type === 'radio'"):
            break
    focused = page.evaluate("""() => { const e = document.activeElement;
        const ring = getComputedStyle(e.closest('label'));
        return {group: e.closest('[role="radiogroup"]')?.getAttribute('aria-label'), style: ring.outlineStyle,
                width: parseFloat(ring.outlineWidth)}; }""") \
        if page.evaluate("() => document.activeElement?.type === 'radio'") else None
    assert focused, "no answer reached in 3 Tab presses"
    assert focused["group"] == OPIOID_NOW, focused
    assert focused["style"] != "none" and focused["width"] >= 2, f"the focus ring is not visible: {focused}"


# ----------------------------------------------------------------------------------------- double-check

def _record(tmp_path: Path, name: str, answers: dict[str, str], tamper: bool = False) -> Path:
    ruleset = load_ruleset()
    day = date(2026, 11, 23)
    typed, _ = parse_answers(ruleset, answers, day, field_prefix="")
    text = make_record(screen(ruleset, typed, day, medications=["levothyroxine 75 mcg daily"]), answers,
                       ["levothyroxine 75 mcg daily"])
    if tamper:
        data = json.loads(text)
        data["answers"]["opioid_past_30_days"] = "no"           # the seal no longer matches
        text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def upload_record(page: Page, path: Path) -> None:
    page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)


FIRST = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
         "opioid_formulation": "immediate_release", "opioid_last_dose": "2026-11-14", "opioid_dependence": "no",
         "urine_opioid_screen": "not_done", "transplant_recipient": "no", "liver_acute": "no", "liver_chronic": "no",
         "thyroid_hashimoto": "no", "thyroid_hormone": "yes", "naltrexone_hypersensitivity": "no",
         "antagonist_naltrexone_product": "no", "antagonist_other": "no", "naloxone_on_hand": "no",
         "surgery_planned": "no", "pregnancy": "no", "breastfeeding": "no", "renal_severe": "no",
         "severe_acute_pain": "no"}


def test_the_double_check_blocks_compare_and_has_one_upload_place(desktop: Page) -> None:
    page = desktop
    set_mode(page, "Pharmacist double-check")
    expect(page.get_by_test_id("stFileUploader")).to_have_count(1)                  # sidebar included
    compare = page.get_by_role("button", name="Compare with the first screening")
    expect(compare).to_be_disabled()
    expect(page.get_by_text("Compare becomes available once a first screening is loaded")).to_be_visible()
    expect(page.get_by_text("agree,")).to_have_count(0)
    expect(page.get_by_text("Every disagreement is resolved")).to_have_count(0)


def test_the_double_check_tells_a_non_record_from_a_changed_one_and_forgets_the_previous_file(
        desktop: Page, tmp_path: Path) -> None:
    page = desktop
    set_mode(page, "Pharmacist double-check")
    good = _record(tmp_path, "good.json", FIRST)
    upload_record(page, good)
    expect(page.get_by_text(INTACT)).to_be_visible()
    page.get_by_role("button", name="Use this record as the first screening").click()
    settle(page)
    expect(page.get_by_text("First screening on record: 21 answers")).to_be_visible()
    meds = page.get_by_text(re.compile(r"^Medication list \(shared, read-only\): 1 line"))
    expect(meds).to_be_visible()
    meds.click()
    settle(page)
    expect(page.get_by_test_id("stMain").get_by_text("levothyroxine 75 mcg daily")).to_be_visible()

    answer_all(page, {"Has the patient taken any opioid in the past 30 days, or had a depot buprenorphine "
                      "injection (Sublocade, Brixadi) in recent months?": "No",
                      "Does the patient take thyroid hormone?": "Yes"})
    page.get_by_role("button", name="Compare with the first screening").click()
    settle(page)
    # one real disagreement; agent, formulation and date are asked on the first side only because of it
    expect(page.get_by_text(re.compile(r"^\d+ agree, 1 disagree\. 3 question\(s\) are asked on one side only"))
           ).to_be_visible()
    expect(page.get_by_role("radiogroup", name=re.compile("^Resolve: "))).to_have_count(1)

    changed = _record(tmp_path, "changed.json", FIRST, tamper=True)
    upload_record(page, changed)
    expect(page.get_by_text("CHANGED AFTER IT WAS WRITTEN")).to_be_visible()
    expect(page.get_by_text("NOT A SCREENING RECORD")).to_have_count(0)
    expect(page.get_by_text("There is no first screening yet")).to_be_visible()   # nothing left from good.json
    expect(page.get_by_role("heading", name="Side by side")).to_have_count(0)
    expect(page.get_by_text(INTACT)).to_have_count(0)

    other = tmp_path / "notes.json"
    other.write_text('{"patient": "x", "notes": [1, 2]}', encoding="utf-8")
    upload_record(page, other)
    expect(page.get_by_text("NOT A SCREENING RECORD")).to_be_visible()
    expect(page.get_by_text("CHANGED AFTER IT WAS WRITTEN")).to_have_count(0)
