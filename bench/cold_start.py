"""Cold start: page.goto(url) in a fresh browser context until the checklist is interactive, app vs hello world.

Three servers in one run: the app, bench/floor_app.py (the app's widgets and layout with fixed text and no
screening logic) and bench/hello_app.py (one radio). app / hello is the target ratio; floor / hello and
app / floor split it into what drawing the page's widgets costs and what the screening logic adds.

    .venv/bin/python bench/cold_start.py [--runs 7]

All three are served the same way (tests/e2e/server.py: `streamlit run` on a free loopback port, the
project's .streamlit/config.toml) in the same run, and their runs alternate so machine noise hits both
alike. "Interactive" is the first moment the radio "Is the patient taking any opioid now, prescribed or
not?" exists and is enabled (Streamlit disables widgets until its WebSocket is connected) and the script
state is idle; an init script's MutationObserver records that moment in the page, so polling adds no
delay. Run 1 of each app is also the first session of its server process (imports, rule set, caches).

The time for each server to become healthy is from starting `streamlit run` until /_stcore/health
answers ok (polled every 0.2 s by tests/e2e/server.py, so it is rounded up to that).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from playwright.async_api import Browser, async_playwright  # noqa: E402

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

PROMPT = "Is the patient taking any opioid now, prescribed or not?"
TARGET_RATIO = 1.3
TIMEOUT_MS = 60_000

# Runs in every document before its own scripts: note when the radio is enabled and the script is idle.
INIT_JS = r"""
(() => {
  const prompt = %r;
  const ready = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const g = Array.from(document.querySelectorAll('[role="radiogroup"]'))
      .find(e => e.getAttribute('aria-label') === prompt);
    const r = g && g.querySelector('input[type="radio"]');
    return !!(r && !r.disabled);
  };
  const obs = new MutationObserver(() => {
    if (window.__interactiveAt === undefined && ready()) {
      window.__interactiveAt = performance.timeOrigin + performance.now();
      obs.disconnect();
    }
  });
  obs.observe(document, {subtree: true, childList: true, attributes: true});
})();
""" % PROMPT


async def one_run(browser: Browser, url: str) -> float:
    """Milliseconds from page.goto(url) in a fresh context to the interactive checklist."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        await context.add_init_script(INIT_JS)
        page = await context.new_page()
        start_epoch_ms = time.time() * 1000
        await page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        await page.wait_for_function("() => window.__interactiveAt !== undefined", timeout=TIMEOUT_MS, polling=50)
        return float(await page.evaluate("() => window.__interactiveAt")) - start_epoch_ms
    finally:
        await context.close()


def started(stack: contextlib.ExitStack, script: Path) -> tuple[str, float]:
    start = time.perf_counter()
    url = stack.enter_context(streamlit_server(script))
    return url, (time.perf_counter() - start) * 1000


APPS = (("app", ROOT / "app.py"), ("floor", ROOT / "bench" / "floor_app.py"), ("hello", ROOT / "bench" / "hello_app.py"))


async def main_async(runs: int) -> None:
    print(f"machine: {psutil.cpu_count()} CPUs; 1-min load average at start {os.getloadavg()[0]:.1f}")
    with contextlib.ExitStack() as stack:
        servers = {name: started(stack, script) for name, script in APPS}
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                times: dict[str, list[float]] = {name: [] for name, _ in APPS}
                for i in range(runs):
                    names = [name for name, _ in APPS]
                    for name in names[i % len(names):] + names[:i % len(names)]:    # rotate: noise hits all alike
                        times[name].append(await one_run(browser, servers[name][0]))
            finally:
                await browser.close()
    medians = {name: statistics.median(t) for name, t in times.items()}
    print("server healthy after start:  " + "   ".join(f"{name} {servers[name][1]:.0f} ms" for name in times)
          + "   (health polled every 200 ms)")
    for name, t in times.items():
        print(f"{name + ':':6} goto -> interactive, {runs} runs (ms): " + " ".join(f"{x:.0f}" for x in t)
              + "   (run 1 is its server's first session)")
    print("cold start median:           " + "   ".join(f"{name} {m:.0f} ms" for name, m in medians.items()))
    ratio = medians["app"] / medians["hello"]
    print(f"ratio app / hello:           {ratio:.2f}   (target <= {TARGET_RATIO}: "
          f"{'meets' if ratio <= TARGET_RATIO else 'MISSES'})")
    print(f"  of which the widgets:      floor / hello {medians['floor'] / medians['hello']:.2f}   (the same widgets "
          "and layout with fixed text: what Streamlit's page costs to draw)")
    print(f"  and the screening logic:   app / floor {medians['app'] / medians['floor']:.2f}")
    print(f"1-min load average at end {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="the whole run stops after this")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: run `bash scripts/setup.sh dev`")

    async def bounded() -> None:
        async with asyncio.timeout(args.max_seconds):
            await main_async(args.runs)
    try:
        asyncio.run(bounded())
    except TimeoutError:
        print(f"FAILED: the run exceeded {args.max_seconds:.0f} s and was stopped")
        sys.exit(3)


if __name__ == "__main__":
    main()
