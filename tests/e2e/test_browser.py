"""Real browser: Debian's Chromium, driven by Playwright, against `streamlit run app.py`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from screening.loader import load_ruleset
from screening.session import Screening
from tests.e2e.server import ROOT, wait_idle

pytestmark = pytest.mark.browser
CASE_UPLOAD = '[data-testid="stFileUploaderDropzoneInput"][accept*=".yaml"]'   # the sidebar also has the FHIR import


@pytest.fixture()
def page(browser: Browser, app_url: str, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    pg.goto(app_url)
    wait_idle(pg)
    yield pg
    pg.screenshot(path=str(tmp_path / "final.png"), full_page=True)
    assert pg.locator('[data-testid="stException"]').count() == 0, "a Streamlit exception box is on the page"
    context.close()


def choose(page: Page, question: str, option: str) -> None:
    page.get_by_role("radiogroup", name=question).get_by_text(option, exact=True).click()
    wait_idle(page)


def fill_date(page: Page, label: str, iso: str) -> None:
    """Type a date into its YYYY-MM-DD text field; Enter commits it."""
    page.get_by_role("textbox", name=label).fill(iso)
    page.keyboard.press("Enter")
    wait_idle(page)


def test_clinician_answers_the_opioid_questions_and_sees_the_critical_finding(page: Page) -> None:
    expect(page.get_by_text("LDN) safety screening").first).to_be_visible()
    choose(page, "Is the patient taking any opioid now, prescribed or not?", "Yes")
    alert = page.get_by_role("alert").filter(has_text="CRITICAL: Current opioid use")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("precipitate acute opioid withdrawal")
    applicable = Screening.of(load_ruleset(), {"opioid_current": "yes"}, date.today()).result.applicable
    expect(page.get_by_text(f"1 of {applicable} applicable questions answered")).to_be_visible()


def test_recent_short_acting_opioid_shows_days_and_threshold_date(page: Page) -> None:
    choose(page, "Is the patient taking any opioid now, prescribed or not?", "No")
    choose(page, "Has the patient taken any opioid in the past 30 days", "Yes")
    fill_date(page, "Screening date", "2026-11-23")
    fill_date(page, "Date of the last opioid dose", "2026-11-20")
    # agent and formulation left unanswered: treated as long-acting, never as no concern; these findings
    # wait until the agent and formulation are answered, or until the user asks for every finding
    expect(page.get_by_text("more finding(s)")).to_be_visible()
    page.get_by_role("button", name="Show every finding now").click()
    wait_idle(page)
    expect(page.get_by_role("alert").filter(has_text="Long-acting or unknown opioid taken 3 days ago")).to_be_visible()
    # one cause, one card: "agent or formulation not known" is named inside the critical card's detail
    expect(page.get_by_text("INFO: Opioid agent or formulation not known")).to_have_count(0)
    page.get_by_text("Why, what to discuss, sources: Long-acting or unknown opioid within 14 days").click()
    expect(page.get_by_text("Also found with the same cause").first).to_be_visible()


def test_loading_a_case_file_fills_the_checklist(page: Page) -> None:
    page.get_by_test_id("stSidebarUserContent").locator(CASE_UPLOAD).set_input_files(  # not the FHIR import's
        str(ROOT / "cases" / "tramadol-stopped-9-days.yaml"))
    wait_idle(page)
    expect(page.get_by_text("Loaded tramadol-stopped-9-days.yaml")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Short-acting opioid taken 9 days ago")).to_be_visible()


def test_pharmacist_takes_the_list_from_a_csv_column(page: Page, tmp_path: Path) -> None:
    csv_file = tmp_path / "export.csv"
    csv_file.write_text("patient,Medication,start\n1,Percocet 5/325 q6h prn,2026-01-01\n1,Synthroid 50 mcg,2025-03-02\n",
                        encoding="utf-8")
    page.get_by_text("Or take the list from a CSV file").click()
    page.get_by_test_id("stMainBlockContainer").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        str(csv_file))
    wait_idle(page)
    page.get_by_role("button", name='Use 2 rows of "Medication" as the list').click()
    wait_idle(page)
    expect(page.get_by_text("2 lines read: 2 recognised, 0 not recognised")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="CRITICAL: Current opioid use")).to_be_visible()


def test_a_csv_that_is_not_utf8_is_refused_and_the_pasted_list_kept(page: Page, tmp_path: Path) -> None:
    page.get_by_role("textbox", name="Medication list").fill("Norco 10/325")
    page.keyboard.press("Control+Enter")
    wait_idle(page)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("Médicament\nCafé\n".encode("latin-1"))
    page.get_by_text("Or take the list from a CSV file").click()
    page.get_by_test_id("stMainBlockContainer").get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bad))
    wait_idle(page)
    expect(page.get_by_text("not UTF-8 text")).to_be_visible()
    expect(page.get_by_role("textbox", name="Medication list")).to_have_value("Norco 10/325")
