"""End-to-end user journeys in a real browser: clinician, pharmacist and trainer.

Each journey runs against `streamlit run app.py` (tests/e2e/server.py) in Debian's Chromium, fails if
a Streamlit exception box appears at any moment (a MutationObserver records every one, even one
that a later rerun removes), and saves screenshots of its key steps to a temporary folder whose
path it prints.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Download, Locator, Page, expect

from screening.case_file import load_case
from screening.session import Screening
from screening.crosschecks import forbidden_pattern
from screening.loader import load_ruleset
from screening.record import verify_record
from screening.ruleset import RuleSet
from screening.teaching import PREDICTIONS, case_numbers, score_predictions
from tests.e2e.server import ROOT, wait_idle

pytestmark = pytest.mark.browser

DECISION_WORDS = forbidden_pattern(load_ruleset().meta.forbidden_words)   # the product's own pattern
SCREENING_DATE = "2026-11-23"
LAST_DOSE = "2026-11-14"                    # 9 days before the screening date: short-acting 7-13 days
MEDICATIONS = "Norco 10/325 1 tab q6h prn\nlevothyroxine 75 mcg daily\ngabapentin 300 mg tid"
OPIOID_NOW = "Is the patient taking any opioid now, prescribed or not?"
OPIOID_30_DAYS = "Has the patient taken any opioid in the past 30 days"
AGENT = "Which opioid? If several, choose the longest-acting."
LAST_DOSE_LABEL = "Date of the last opioid dose"

# Records every Streamlit exception box the moment it enters the page, so one shown only between two
# reruns still fails the test.
WATCH_EXCEPTIONS = """
window.__ldnExceptions = [];
new MutationObserver(() => {
  for (const el of document.querySelectorAll('[data-testid="stException"]')) {
    const text = (el.innerText || '').slice(0, 1000);
    if (!window.__ldnExceptions.includes(text)) window.__ldnExceptions.push(text);
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


# ---------------------------------------------------------------------------------------------- helpers

def assert_no_exception(page: Page) -> None:
    seen = page.evaluate("() => window.__ldnExceptions || []")
    now = page.locator('[data-testid="stException"]').count()
    assert not seen and now == 0, f"a Streamlit exception box appeared: {seen}"


def settle(page: Page) -> None:
    """After every interaction: the script has finished its rerun and no exception box was ever shown."""
    wait_idle(page)
    assert_no_exception(page)


def open_app(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    # The first paint comes before the first script run; wait for the page itself, then for idle.
    page.locator('[data-testid="stApp"] h1').first.wait_for()
    settle(page)
    return page


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    context.add_init_script(WATCH_EXCEPTIONS)
    return context


def choose(page: Page, question: str, option: str, exact: bool = True) -> None:
    page.get_by_role("radiogroup", name=question).get_by_text(option, exact=exact).click()
    settle(page)


def pick(page: Page, combobox: str | re.Pattern[str], typed: str, option: str) -> None:
    """Choose in a Streamlit selectbox or multiselect: type to filter, click the option."""
    box = page.get_by_role("combobox", name=combobox)
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def fill_date(page: Page, label: str, iso: str) -> None:
    """Type a date into its YYYY-MM-DD text field; Enter commits it."""
    page.get_by_role("textbox", name=label).fill(iso)
    page.keyboard.press("Enter")
    settle(page)


def set_mode(page: Page, mode: str) -> None:
    page.get_by_role("radiogroup", name="Mode").get_by_text(mode, exact=True).click()
    settle(page)


def download(page: Page, button: str, into: Path) -> str:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).click()
    dl: Download = info.value
    target = into / dl.suggested_filename
    dl.save_as(target)
    settle(page)
    return target.read_text(encoding="utf-8")


def answer_all(page: Page, given: dict[str, str]) -> None:
    """Answer every unanswered radio question in the main area: the given answer, else "No" (or the last option),
    until none is left (an answer can show further questions)."""
    page.get_by_test_id("stMain").get_by_role("radio").first.wait_for()     # widgets draw after the first run
    while True:
        groups = [g for g in page.get_by_test_id("stMain").get_by_role("radiogroup").all()
                  if not (g.get_attribute("aria-label") or "").startswith("Resolve:")
                  and g.get_by_role("radio", checked=True).count() == 0]
        if not groups:
            return
        name = groups[0].get_attribute("aria-label") or ""
        group = page.get_by_test_id("stMain").get_by_role("radiogroup", name=name, exact=True)   # by name: a
        labels = [t.strip() for t in group.locator("label").all_inner_texts()]              # rerun may shift order
        wanted = given.get(name) or ("No" if "No" in labels else labels[-1])     # else "Not done" / "Not known"
        group.get_by_text(wanted, exact=True).click()
        settle(page)


def finding_alert(page: Page, text: str) -> Locator:
    return page.get_by_test_id("stAlert").filter(has_text=text)


class Shots:
    """Numbered full-page screenshots in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.n = folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, name: str, show: Locator | None = None) -> None:
        """Streamlit scrolls inside its main area, so a full-page shot holds one viewport: `show` picks it."""
        if show is not None:
            show.first.scroll_into_view_if_needed()
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)


# --------------------------------------------------------------------------------------------- fixtures

@pytest.fixture()
def shots(tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> Shots:
    folder = tmp_path / "screenshots"
    with capsys.disabled():
        print(f"\n[{request.node.name}] screenshots: {folder}")
    return Shots(folder)


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One context per module, so its HTTP cache keeps Streamlit's scripts; every test gets its own tab
    and so its own Streamlit session."""
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context: BrowserContext, app_url: str, shots: Shots) -> Iterator[Page]:
    pg = open_app(context, app_url)
    yield pg
    shots(pg, "final")
    assert_no_exception(pg)
    pg.close()


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset()


# ---------------------------------------------------------------------------------------------- journeys

def test_clinician_journey(page: Page, shots: Shots, ruleset: RuleSet, tmp_path: Path) -> None:
    shots(page, "fresh")
    fill_date(page, "Screening date", SCREENING_DATE)

    choose(page, OPIOID_NOW, "No")
    choose(page, OPIOID_30_DAYS, "Yes")
    expect(page.get_by_role("combobox", name=AGENT)).to_be_visible()
    pick(page, AGENT, "Tramadol", "Tramadol (Ultram, Ultracet; ER: ConZip)")
    expect(page.get_by_role("combobox", name=AGENT)).to_have_value("Tramadol (Ultram, Ultracet; ER: ConZip)")
    choose(page, "Which formulation?", "Immediate-release (tablet, capsule, liquid, cough syrup, lozenge)")
    fill_date(page, LAST_DOSE_LABEL, LAST_DOSE)
    interval = finding_alert(page, "WARNING: Short-acting opioid 7 to 13 days ago")
    expect(interval).to_be_visible()
    expect(interval).to_contain_text("Short-acting opioid taken 9 days ago")
    expect(finding_alert(page, "CRITICAL:")).to_have_count(0)
    shots(page, "opioid-questions-answered", show=interval)

    page.get_by_role("textbox", name="Medication list").fill(MEDICATIONS)
    page.keyboard.press("Control+Enter")
    settle(page)
    expect(page.get_by_text("3 lines read: 3 recognised, 0 not recognised")).to_be_visible()
    # one cause, one card: the Norco line, current use and the interval are one critical opioid card
    expect(finding_alert(page, "CRITICAL: Opioid on the list, but no current opioid use in the answers")
           ).to_be_visible()
    expect(finding_alert(page, "CRITICAL:")).to_have_count(1)
    expect(interval).to_have_count(0)
    expect(finding_alert(page, "WARNING: Thyroid hormone, with or without Hashimoto's thyroiditis")).to_be_visible()
    shots(page, "findings-after-medication-list", show=page.get_by_role("heading", name="Findings"))

    page.get_by_text("Summary for discussion: clinician and patient views").click()     # built only when opened
    settle(page)
    expect(page.get_by_text(f"SHA-256 {ruleset.sha256}")).to_be_visible()
    page.get_by_role("tab", name="Patient discussion view").click()
    settle(page)
    panel = page.get_by_role("tabpanel")
    expect(panel).to_contain_text("not a decision")
    expect(panel).to_contain_text("Must be resolved first: Your medicine list and your answers about opioids differ")
    shots(page, "patient-discussion-view", show=panel)
    page.get_by_role("tab", name="Clinician view").click()
    settle(page)
    expect(panel).to_contain_text("Findings (1 critical, 1 warning, 0 info)")
    shots(page, "clinician-view", show=panel)

    titles = ["Opioid on the list, but no current opioid use in the answers", "Current opioid use",
              "Short-acting opioid 7 to 13 days ago", "Thyroid hormone, with or without Hashimoto's thyroiditis"]
    markdown = download(page, "Summary (Markdown)", tmp_path)
    printable = html.unescape(download(page, "Summary (printable HTML)", tmp_path))
    for name, text in (("Markdown", markdown), ("HTML", printable)):
        for title in titles:
            assert title in text, f"{name} summary lacks the finding {title!r}"
        assert "not a decision" in text, f"{name} summary lacks 'not a decision'"
        assert ruleset.sha256 in text, f"{name} summary lacks the rule-set SHA-256"
        assert SCREENING_DATE in text
        words = sorted({m.group(0).lower() for m in DECISION_WORDS.finditer(text)})
        assert not words, f"{name} summary uses decision words: {words}"
    assert printable.lstrip().lower().startswith("<!doctype html")
    shots(page, "after-downloads")


def test_pharmacist_journey(page: Page, shots: Shots, ruleset: RuleSet, tmp_path: Path) -> None:
    hashimoto = "Does the patient have Hashimoto's thyroiditis?"
    first = {hashimoto: "Yes"}
    answer_all(page, first)
    expect(finding_alert(page, "WARNING: Hashimoto's thyroiditis, no thyroid hormone recorded")).to_be_visible()
    shots(page, "first-screening")

    set_mode(page, "Pharmacist double-check")
    expect(page.get_by_role("heading", name="Pharmacist double-check")).to_be_visible()
    expect(page.get_by_text("First screening on record: 18 answers and 1 findings, hidden until you compare")
           ).to_be_visible()
    for question in (OPIOID_NOW, hashimoto):     # the independent checklist starts blank: the first answers stay hidden
        expect(page.get_by_role("radiogroup", name=question).get_by_role("radio", checked=True)).to_have_count(0)
    expect(finding_alert(page, "Hashimoto")).to_have_count(0)
    expect(page.get_by_role("button", name="Compare with the first screening")).to_be_disabled()
    shots(page, "double-check-blank", show=page.get_by_role("heading", name="Pharmacist double-check"))

    answer_all(page, {hashimoto: "No"})                 # one deliberate disagreement
    page.get_by_role("button", name="Compare with the first screening").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"^\d+ agree, 1 disagree\.$"))).to_be_visible()
    row = page.get_by_test_id("stDataFrame").locator('tr[role="row"]').filter(has_text=hashimoto)
    expect(row.locator('td[role="gridcell"]')).to_have_text([hashimoto, "Yes", "No", "DISAGREE"])
    expect(page.get_by_test_id("stDataFrame").locator('td[role="gridcell"]', has_text="DISAGREE")).to_have_count(1)
    expect(page.get_by_text("1 disagreement(s) to resolve before the combined summary.")).to_be_visible()
    expect(page.get_by_role("heading", name="Combined findings")).to_have_count(0)
    expect(finding_alert(page, "Hashimoto")).to_have_count(0)
    expect(page.get_by_role("button", name="Screening record (JSON)")).to_have_count(0)
    shots(page, "compared-unresolved", show=page.get_by_role("heading", name="Side by side"))

    resolve = page.get_by_role("radiogroup", name=f"Resolve: {hashimoto}")
    resolve.get_by_text("First check: Yes", exact=True).click()
    settle(page)
    expect(page.get_by_role("heading", name="Combined findings")).to_be_visible()
    expect(finding_alert(page, "WARNING: Hashimoto's thyroiditis, no thyroid hormone recorded")).to_be_visible()
    shots(page, "resolved-combined-findings", show=page.get_by_role("heading", name="Combined findings"))

    text = download(page, "Screening record (JSON)", tmp_path)
    record = json.loads(text)
    assert re.fullmatch(r"[0-9a-f]{64}", record["record_sha256"]), record.get("record_sha256")
    assert record["answers"]["thyroid_hashimoto"] == "yes", record["answers"]
    assert record["ruleset"]["sha256"] == ruleset.sha256
    assert [f["rule_id"] for f in record["findings"]] == ["thyroid-hashimoto-without-thyroid-hormone"]
    assert verify_record(text, ruleset, "record.json").trusted


def test_trainer_journey(page: Page, shots: Shots, ruleset: RuleSet) -> None:
    stems = sorted(p.stem for p in (ROOT / "cases").glob("*.yaml"))
    stem = "tramadol-stopped-9-days"
    case = load_case(ROOT / "cases" / f"{stem}.yaml")
    label = (f"Case {case_numbers(stems)[stem]}: {', '.join(ruleset.topic_title(t) for t in case.topics)} "
             f"({case.difficulty})")
    scored = score_predictions(Screening.from_case(ruleset, case).result, {t: None for t in case.topics})
    # Right for the first topic, wrong for every other one.
    predictions = {s.topic: s.actual if i == 0 else next(p for p in PREDICTIONS if p != s.actual)
                   for i, s in enumerate(scored)}
    assert len(predictions) >= 2 and case.title and case.narrative

    set_mode(page, "Trainer")
    expect(page.get_by_role("heading", name="Trainer", exact=True)).to_be_visible()
    shots(page, "trainer")
    pick(page, "Topics", "Thyroid", "Thyroid")
    page.keyboard.press("Escape")
    expect(page.get_by_text(re.compile(r"^Case \(\d+ match\)$"))).to_be_visible()
    pick(page, re.compile(r"^Case \(\d+ match\)$"), "Case", label)
    expect(page.get_by_role("heading", name=label)).to_be_visible()
    expect(page.get_by_text(case.narrative.strip()[:80])).to_be_visible()
    body = page.locator("body").inner_text()
    assert case.title not in body, "the case title states the answer and must stay hidden until the reveal"
    reveal = page.get_by_role("button", name="Reveal")
    expect(reveal).to_be_disabled()
    shots(page, "case-before-predictions", show=page.get_by_role("heading", name=label))

    for topic, predicted in predictions.items():
        choose(page, ruleset.topic_title(topic), predicted)
    expect(reveal).to_be_enabled()
    assert case.title not in page.locator("body").inner_text()
    shots(page, "predicted")
    reveal.click()
    settle(page)
    expect(page.get_by_role("heading", name=f"Reveal: 1 of {len(predictions)} topics predicted correctly")
           ).to_be_visible()
    expect(page.get_by_text(f"The point of this case: {case.title}")).to_be_visible()
    shots(page, "revealed", show=page.get_by_role("heading", name=re.compile(r"^Reveal: ")))
