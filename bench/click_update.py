"""Click-to-update in a real browser: the app against a one-radio Streamlit app, in the same run.

    .venv/bin/python bench/click_update.py [--clicks 15]

What is timed: a trusted click on a radio in headless Chromium, to the moment the page shows the answer's
effect and Streamlit reports its script run finished (polled every animation frame in the page, so the
time includes the server's rerun, the messages and the browser drawing them). Median over N clicks.

- One-radio app (bench/one_radio_app.py): one radio and a line echoing its answer.
- The app, one question answered: "Does the patient take thyroid hormone?" toggled Yes/No; Yes shows the
  thyroid warning card, No removes it.
- The app, a full case loaded: every question answered and a medication list (no thyroid hormone on it),
  then the same toggle.

The two apps are measured in alternating blocks so machine noise hits both alike. Prints each median and
both ratios (target: at most 2.0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_idle  # noqa: E402

THYROID = "Does the patient take thyroid hormone?"
ONE_RADIO = "Is the patient taking any opioid now, prescribed or not?"
FULL_CASE = """screening_date: 2026-11-23
answers:
  opioid_current: "no"
  opioid_past_30_days: "yes"
  opioid_agent: tramadol
  opioid_formulation: immediate_release
  opioid_last_dose: 2026-11-14
  opioid_dependence: "no"
  urine_opioid_screen: not_done
  transplant_recipient: "yes"
  transplant_immunosuppressants: "yes"
  liver_acute: "no"
  liver_chronic: "yes"
  thyroid_hashimoto: "no"
  thyroid_hormone: "no"
  naltrexone_hypersensitivity: "no"
  antagonist_naltrexone_product: "no"
  antagonist_other: "no"
  naloxone_on_hand: "yes"
  surgery_planned: "no"
  pregnancy: "no"
  breastfeeding: "no"
  renal_severe: "no"
  severe_acute_pain: "no"
medications:
  - Norco 10/325 1 tab q6h prn
  - gabapentin 300 mg tid
  - tacrolimus 1 mg bid
  - sertraline 50 mg daily
"""

# Starts the clock at the click; resolves when the expected text is (or is no longer) on the page and the
# script run has finished. The text can only change once the server's rerun has answered.
TIMED_CLICK = """([selector, option, expectText, expectPresent]) => new Promise((resolve) => {
  const app = document.querySelector('[data-testid="stApp"]');
  let t0 = null;
  const done = () => {
    const has = document.querySelector('[data-testid="stMain"]').innerText.includes(expectText);
    return has === expectPresent && app.getAttribute('data-test-script-state') === 'notRunning';
  };
  const tick = () => {
    if (t0 !== null && done()) { resolve(performance.now() - t0); return; }
    if (t0 !== null && performance.now() - t0 > 20000) { resolve(-1); return; }
    requestAnimationFrame(tick);
  };
  const group = document.querySelector(selector);
  const target = [...group.querySelectorAll('label')].find(l => l.innerText.trim() === option);
  document.addEventListener('click', () => { t0 = performance.now(); requestAnimationFrame(tick); },
                            {capture: true, once: true});
  target.click();
})"""


def timed_click(page: Page, group: str, option: str, expect_text: str, present: bool) -> float:
    ms = page.evaluate(TIMED_CLICK, [f'[role="radiogroup"][aria-label="{group}"]', option, expect_text, present])
    wait_idle(page)
    if ms < 0:
        raise RuntimeError(f"no update within 20 s after clicking {option!r} in {group!r}")
    return float(ms)


def toggles(page: Page, n: int, group: str, texts: tuple[str, str], expect: str) -> list[float]:
    """Click Yes and No in turn; Yes makes `expect` appear, No makes it go (for the one-radio app, the echo)."""
    out = []
    for i in range(n):
        option = ("Yes", "No")[i % 2]
        if texts[0]:                                   # the one-radio app echoes the answer
            out.append(timed_click(page, group, option, texts[i % 2], True))
        else:
            out.append(timed_click(page, group, option, expect, option == "Yes"))
    return out


def open_page(browser, url: str) -> Page:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.locator('[role="radiogroup"]').first.wait_for()
    wait_idle(page)
    page.wait_for_timeout(500)
    return page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=15, help="clicks per block (3 blocks per scenario)")
    args = parser.parse_args()
    card = "Thyroid hormone, with or without Hashimoto's thyroiditis"
    floor_ms: list[float] = []
    one_ms: list[float] = []
    full_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, \
            streamlit_server(ROOT / "bench" / "one_radio_app.py") as floor_url, \
            streamlit_server() as app_url, sync_playwright() as p:
        case = Path(tmp) / "full-case.yaml"
        case.write_text(FULL_CASE, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        floor = open_page(browser, floor_url)
        one = open_page(browser, app_url)
        full = open_page(browser, app_url)
        case_upload = '[data-testid="stFileUploaderDropzoneInput"][accept*=".yaml"]'   # beside the FHIR import
        full.get_by_test_id("stSidebarUserContent").locator(case_upload).set_input_files(str(case))
        wait_idle(full)
        full.get_by_text("Loaded full-case.yaml").wait_for()
        for page, sink in ((floor, floor_ms), (one, one_ms), (full, full_ms)):     # warm-up, not counted
            if page is floor:
                toggles(page, 4, ONE_RADIO, ("Answer: yes", "Answer: no"), "")
            else:
                toggles(page, 4, THYROID, ("", ""), card)
        for _ in range(3):
            floor_ms += toggles(floor, args.clicks, ONE_RADIO, ("Answer: yes", "Answer: no"), "")
            one_ms += toggles(one, args.clicks, THYROID, ("", ""), card)
            full_ms += toggles(full, args.clicks, THYROID, ("", ""), card)
        browser.close()
    f, o, u = (statistics.median(x) for x in (floor_ms, one_ms, full_ms))
    print(f"click to update, median of {len(floor_ms)} clicks each (headless Chromium, same run):")
    print(f"  one-radio app                    {f:7.1f} ms")
    print(f"  app, one question answered       {o:7.1f} ms   ratio {o / f:4.2f}")
    print(f"  app, full case loaded            {u:7.1f} ms   ratio {u / f:4.2f}")
    print("target: ratio <= 2.0 in both")


if __name__ == "__main__":
    main()
