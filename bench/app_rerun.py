"""Median time of an app rerun after a click (AppTest), against a floor app with the same widgets.

    .venv/bin/python bench/app_rerun.py [--runs 200]

Scenario: every question shown (recent opioid use, transplant recipient), several findings on the
page; each timed rerun toggles one answer, as a click would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit import config  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from ui import keys  # noqa: E402

config.set_option("runner.magicEnabled", False)   # as .streamlit/config.toml sets it for the server
# AppTest keeps only the last run's elements, so time full reruns (bench/click_update.py measures the
# browser, where an answer reruns only its topic and the result fragments).
os.environ["LDN_PARTIAL_RERUNS"] = "0"

SCENARIO = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",   # question id -> answer
            "opioid_formulation": "immediate_release", "opioid_last_dose": date(2026, 11, 18),
            "transplant_recipient": "yes", "transplant_immunosuppressants": "yes", "liver_chronic": "yes"}


def median_rerun_ms(script: Path, runs: int) -> float:
    at = AppTest.from_file(str(script), default_timeout=60)
    at.session_state[keys.SCREENING_DATE] = date(2026, 11, 23)
    for question_id, value in SCENARIO.items():
        at.session_state[keys.answer(question_id)] = value
    at.run()
    assert not at.exception, at.exception
    times = []
    for i in range(runs + 10):
        at.radio(key=keys.answer("thyroid_hormone")).set_value("yes" if i % 2 else "no")
        start = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - start
        if i >= 10:                       # first runs warm caches and imports
            times.append(elapsed)
    assert not at.exception, at.exception
    return statistics.median(times) * 1000


def main() -> None:
    # AppTest waits for the script thread by polling; with Python's default 5 ms GIL switch interval
    # the measurement is quantised to that interval. A finer interval measures the script itself.
    sys.setswitchinterval(1e-4)
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    # interleave the two apps so machine noise hits both alike
    app_ms, floor_ms = [], []
    for _ in range(3):
        app_ms.append(median_rerun_ms(ROOT / "app.py", args.runs // 3))
        floor_ms.append(median_rerun_ms(ROOT / "bench" / "floor_app.py", args.runs // 3))
    app, floor = statistics.median(app_ms), statistics.median(floor_ms)
    print(f"app rerun after a click:   median {app:.2f} ms")
    print(f"floor app (same widgets):  median {floor:.2f} ms")
    print(f"ratio app / floor:         {app / floor:.3f}   (target <= 1.10)")


if __name__ == "__main__":
    main()
