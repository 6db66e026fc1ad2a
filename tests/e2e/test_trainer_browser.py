"""Trainer mode in a real browser: a not-assessed prediction, predictions locked at the reveal, and the
projector mode a classroom sees (1280x720, large type, coloured severity cards, sidebar collapsed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from screening.case_file import load_case
from screening.ruleset import RuleSet
from screening.teaching import NOT_ASSESSED, case_numbers
from tests.e2e.server import ROOT
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_journeys import WATCH_EXCEPTIONS, assert_no_exception, open_app, pick, set_mode, settle

pytestmark = pytest.mark.browser

STEMS = sorted(p.stem for p in (ROOT / "cases").glob("*.yaml"))
OPEN_LIVER = "liver-enzymes-awaited-is-not-assessed"
ACUTE = "acute-hepatitis-is-critical"


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})       # a classroom projector
    ctx.add_init_script(WATCH_EXCEPTIONS)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context: BrowserContext, app_url: str, tmp_path: Path) -> Iterator[Page]:
    pg = open_app(context, app_url)
    yield pg
    pg.screenshot(path=str(tmp_path / "final.png"))
    assert_no_exception(pg)
    pg.close()


def label(ruleset: RuleSet, stem: str) -> str:
    case = load_case(ROOT / "cases" / f"{stem}.yaml")
    return (f"Case {case_numbers(STEMS)[stem]}: {', '.join(ruleset.topic_title(t) for t in case.topics)} "
            f"({case.difficulty})")


def open_case(page: Page, ruleset: RuleSet, stem: str) -> None:
    set_mode(page, "Trainer")
    name = label(ruleset, stem)
    pick(page, re.compile(r"^Case \(\d+ match\)$"), name.split(":")[0] + ":", name)
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def liver_group(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain").get_by_role("radiogroup", name="Liver")


def test_a_not_assessed_prediction_scores_against_the_open_questions(page: Page, ruleset: RuleSet) -> None:
    open_case(page, ruleset, OPEN_LIVER)
    liver_group(page).get_by_text(NOT_ASSESSED, exact=True).click()
    settle(page)
    page.get_by_role("button", name="Reveal").click()
    settle(page)
    expect(page.get_by_role("heading", name="Reveal: 1 of 1 topics predicted correctly")).to_be_visible()
    expect(page.get_by_text("the screening gives not assessed")).to_be_visible()
    expect(page.get_by_text("Does the patient have chronic liver disease, cirrhosis or raised liver enzymes?")
           ).to_be_visible()


def test_predictions_lock_at_the_reveal(page: Page, ruleset: RuleSet) -> None:
    open_case(page, ruleset, ACUTE)
    liver_group(page).get_by_text("warning", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Reveal").click()
    settle(page)
    score = page.get_by_role("heading", name="Reveal: 0 of 1 topics predicted correctly")
    expect(score).to_be_visible()
    expect(page.get_by_role("button", name="Reveal")).to_have_count(0)
    radios = liver_group(page).get_by_role("radio")
    for i in range(radios.count()):
        expect(radios.nth(i)).to_be_disabled()
    liver_group(page).get_by_text("critical", exact=True).click(force=True)    # a click on a locked option
    settle(page)
    expect(score).to_be_visible()
    expect(liver_group(page).get_by_role("radio", name="warning")).to_be_checked()
    expect(page.get_by_text("Lesson score: 0 of 1 topics right over 1 case")).to_be_visible()


def test_projector_mode_large_type_coloured_cards_sidebar_collapsed(page: Page, ruleset: RuleSet,
                                                                     tmp_path: Path) -> None:
    open_case(page, ruleset, ACUTE)
    body_size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    page.get_by_text("Projector mode", exact=True).click()
    settle(page)
    page.wait_for_function("() => parseFloat(getComputedStyle(document.documentElement).fontSize) >= 22")
    assert body_size <= 16
    expect(page.get_by_test_id("stSidebar")).not_to_be_in_viewport()            # collapsed, off screen
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()        # and still one click away
    liver_group(page).get_by_text("critical", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Reveal").click()
    settle(page)
    card = page.get_by_test_id("stAlert").filter(has_text="CRITICAL: Acute hepatitis or liver failure")
    expect(card).to_be_visible()
    colour = card.locator("> div").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), colour
    heading = page.get_by_role("heading", name="Reveal: 1 of 1 topics predicted correctly")
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(640, 700)
    page.wait_for_timeout(300)
    page.screenshot(path=str(tmp_path / "projector-reveal.png"))
    assert_accessible(page, "trainer-projector-after-reveal")
    page.get_by_text("Projector mode", exact=True).click()       # off again: the sidebar comes back
    settle(page)
    expect(page.get_by_test_id("stSidebar")).to_be_in_viewport()
