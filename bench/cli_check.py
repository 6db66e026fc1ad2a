"""Wall time of `python -m screening check CASE`, a whole process each run (target: median <= 0.4 s).

    .venv/bin/python bench/cli_check.py [--runs 10] [CASE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default=str(ROOT / "cases" / "tramadol-stopped-9-days.yaml"))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "screening", "check", args.case], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    print(f"screening check, {args.runs} runs: median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s (target median <= 0.4 s)")


if __name__ == "__main__":
    main()
