"""Time to classify a 500-line medication list, and lines per second (cold: nothing cached).

    .venv/bin/python bench/medication_list.py

The lines are real text from every labelled set (the older free-text set, the world set of issue 9 and
the Synthea RxNorm corpora), made distinct so no cache helps. The machine is shared, so each run is
timed by the wall clock and by this process's CPU time, and the best of 15 runs is reported beside the
median: the best is what the reader costs, the median what a busy machine adds.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.loader import load_ruleset  # noqa: E402
from tests.medication_sets import every_set, read_set  # noqa: E402

RUNS = 15


def sample_lines(count: int) -> list[str]:
    """Real text from every labelled set, made distinct so no cache helps."""
    base = [r.line for path in every_set() for r in read_set(path)]
    return [f"{base[i % len(base)]} #{i}" for i in range(count)]


def main() -> None:
    ruleset = load_ruleset()
    lines = sample_lines(500)
    wall, cpu = [], []
    for _ in range(RUNS):
        matcher = ruleset.matcher
        matcher._classify_text.cache_clear()  # cold: every line and word read from scratch
        matcher._fuzzy_lookup.cache_clear()
        matcher._shape_cache.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        rows = matcher.classify(lines)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    start = time.perf_counter()
    ruleset.matcher.classify(lines)
    warm = time.perf_counter() - start
    status = {s: sum(r.status == s for r in rows) for s in ("recognised", "partly_read", "unrecognised")}
    print(f"500-line list, cold: best {min(wall) * 1000:.1f} ms, median {statistics.median(wall) * 1000:.1f} ms "
          f"(CPU best {min(cpu) * 1000:.1f} ms)   (target <= 50 ms)")
    print(f"lines per second, cold (best run): {len(lines) / min(wall):,.0f}")
    print(f"500-line list again (cached per line, as on a rerun): {warm * 1000:.2f} ms")
    print(f"sample read: {status['recognised']} fully, {status['partly_read']} partly, "
          f"{status['unrecognised']} not read")


if __name__ == "__main__":
    main()
