"""Take a screenshot of the running app (used for the README and to look at the UI).

    .venv/bin/python scripts/screenshot.py docs/screenshot.png
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_idle  # noqa: E402


def main(out: str, full: bool = True) -> None:
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.goto(url)
        wait_idle(page)
        def choose(question: str, option: str) -> None:
            page.get_by_role("radiogroup", name=question).get_by_text(option, exact=True).click()
            wait_idle(page)

        choose("Is the patient taking any opioid now", "No")
        choose("Has the patient taken any opioid in the past 30 days", "Yes")
        page.get_by_role("combobox", name="Which opioid?").click()
        page.keyboard.type("Tramadol")
        page.keyboard.press("Enter")
        wait_idle(page)
        choose("Which formulation?", "Immediate-release (tablet, capsule, liquid, cough syrup, lozenge)")
        page.get_by_role("textbox", name="Date of the last opioid dose").fill("2026-11-18")
        page.keyboard.press("Enter")
        wait_idle(page)
        choose("Has the patient had an organ transplant?", "No")
        choose("Does the patient have Hashimoto", "Yes")
        page.mouse.wheel(0, -10000)
        page.wait_for_timeout(500)
        page.screenshot(path=out, full_page=full)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "screenshot.png")
