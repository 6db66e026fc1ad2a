"""Wall time of `python -m screening check CASE`, a whole process each run (target: median <= 0.4 s).

    .venv/bin/python bench/cli_check.py [--runs 10] [CASE ...]

Without CASE it times two cases: one with answers only, and one with a medication list (so the
medication reader's start-up is in the figure too). One untimed run per case comes first: it fills the
rule-file cache (README, "Rule-file cache") and the disk cache, as any earlier run on the machine would;
set LDN_CACHE_DIR=off to time the uncached path. The load average is printed beside the figures because
the machine is shared and a busy neighbour shows up in them; the CPU time (user + system) is printed too:
wall time well above it means the process waited for a core.

Python's own bytecode cache matters as much: with PYTHONDONTWRITEBYTECODE set and no screening/__pycache__,
every run compiles the package's source again (~50-60 ms on a 2-core machine). The bench says so when
that is the case; it never writes bytecode itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = [ROOT / "cases" / "tramadol-stopped-9-days.yaml",
                 ROOT / "cases" / "look-alikes-on-the-list-give-no-findings.yaml"]


def _run(case: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one whole `check` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "screening", "check", str(case)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _load() -> str:
    """The 1-, 5- and 15-minute load averages (Linux), or a dash where /proc is absent."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "-"


def _uncompiled() -> list[str]:
    """The package's modules without a bytecode file at least as new as their source."""
    stale = []
    for source in sorted((ROOT / "screening").glob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not cached.is_file() or cached.stat().st_mtime < source.stat().st_mtime:
            stale.append(source.name)
    return stale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    stale = _uncompiled()
    if stale and os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print(f"note: PYTHONDONTWRITEBYTECODE is set and {len(stale)} of screening's modules have no bytecode "
              "cache, so every run compiles them (~50-60 ms of each figure below)")
    for case in args.cases:
        _run(case)   # untimed: fills the rule-file cache and the disk cache
        runs = [_run(case) for _ in range(args.runs)]
        times, cpu = [w for w, _ in runs], [c for _, c in runs]
        print(f"{case.name}: {args.runs} runs: median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s, max {max(times):.3f} s (target median <= 0.4 s); "
              f"CPU median {statistics.median(cpu):.3f} s; load {_load()}")


if __name__ == "__main__":
    main()
