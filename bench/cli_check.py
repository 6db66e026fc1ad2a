"""Wall time of `python -m screening check CASE`, a whole process each run (target: median <= 0.4 s).

    .venv/bin/python bench/cli_check.py [--runs 10] [CASE ...]

Without CASE it times two cases: one with answers only, and one with a medication list (so the
medication reader's start-up is in the figure too). One untimed run per case comes first (the disk
cache warms, as after any earlier run on the machine). The load average is printed beside the figures
because the machine is shared and a busy neighbour shows up in them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = [ROOT / "cases" / "tramadol-stopped-9-days.yaml",
                 ROOT / "cases" / "look-alikes-on-the-list-give-no-findings.yaml"]


def _run(case: Path) -> float:
    """Seconds for one whole `check` process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "screening", "check", str(case)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _load() -> str:
    """The 1-, 5- and 15-minute load averages (Linux), or a dash where /proc is absent."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    for case in args.cases:
        _run(case)   # untimed: warms the disk cache
        times = [_run(case) for _ in range(args.runs)]
        print(f"{case.name}: {args.runs} runs: median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s, max {max(times):.3f} s (target median <= 0.4 s; load {_load()})")


if __name__ == "__main__":
    main()
