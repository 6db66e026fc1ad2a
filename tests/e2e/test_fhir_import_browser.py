"""Real browser: import Marine542's FHIR record from the sidebar, review it, confirm, see the finding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.server import wait_idle
from tests.fhir_support import MARINE, needs_samples

pytestmark = [pytest.mark.browser, needs_samples]


@pytest.fixture()
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    pg = context.new_page()
    pg.goto(app_url)
    wait_idle(pg)
    yield pg
    assert pg.locator('[data-testid="stException"]').count() == 0, "a Streamlit exception box is on the page"
    context.close()


def test_import_review_confirm(page: Page) -> None:
    page.get_by_test_id("stSidebarUserContent") \
        .locator('[data-testid="stFileUploaderDropzoneInput"][accept*=".ndjson"]').set_input_files(str(MARINE))
    wait_idle(page)
    expect(page.get_by_text("Review before applying")).to_be_visible()
    transplant = page.get_by_role("alert").filter(has_text="Transplant recipient on immunosuppressants")
    expect(transplant).to_have_count(0)                      # nothing applied before the confirmation
    page.get_by_role("button", name="Confirm and apply").click()
    wait_idle(page)
    expect(transplant).to_be_visible()
    expect(page.get_by_text("From the record (confirm)").first).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Current opioid use")).to_have_count(0)
