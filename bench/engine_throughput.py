"""Screenings per second of the engine over the golden cases (parse answers + screen, as the app does).

    .venv/bin/python bench/engine_throughput.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.case_file import load_case  # noqa: E402
from screening.loader import load_ruleset  # noqa: E402
from screening.session import Screening  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    start = time.perf_counter()
    ruleset = load_ruleset()
    load_ms = (time.perf_counter() - start) * 1000
    cases = [load_case(p) for p in sorted((ROOT / "cases").glob("*.yaml"))]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for case in cases:
            Screening.from_case(ruleset, case).result
        count += len(cases)
    elapsed = time.perf_counter() - start
    print(f"rule set load + validate + compile: {load_ms:.1f} ms (once per process)")
    print(f"golden cases: {len(cases)}")
    print(f"engine: {count / elapsed:,.0f} screenings/s, {elapsed / count * 1e6:.1f} us each   (target >= 10,000/s)")


if __name__ == "__main__":
    main()
