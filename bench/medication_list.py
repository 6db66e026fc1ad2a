"""Time to classify a 500-line medication list, and lines per second (cold: nothing cached).

    .venv/bin/python bench/medication_list.py
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.loader import load_ruleset  # noqa: E402


def sample_lines(count: int) -> list[str]:
    """Real text: our labelled free-text lines and the RxNorm corpora, made distinct so no cache helps."""
    sources = [ROOT / "tests" / "fixtures" / "medication-lines.tsv", *sorted((ROOT.parent / "shared" / "corpora")
                                                                              .glob("*.tsv"))]
    base = []
    for path in sources:
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                base += [row.get("line") or row.get("display") or "" for row in csv.DictReader(fh, delimiter="\t")]
    return [f"{base[i % len(base)]} #{i}" for i in range(count)]


def main() -> None:
    ruleset = load_ruleset()
    lines = sample_lines(500)
    times = []
    for _ in range(7):
        matcher = ruleset.matcher
        matcher._classify_text.cache_clear()  # cold: every line and word read from scratch
        matcher._fuzzy_lookup.cache_clear()
        start = time.perf_counter()
        rows = matcher.classify(lines)
        times.append(time.perf_counter() - start)
    cold = statistics.median(times)
    start = time.perf_counter()
    ruleset.matcher.classify(lines)
    warm = time.perf_counter() - start
    unknown = sum(r.status == "unrecognised" for r in rows)
    print(f"500-line list, cold: median {cold * 1000:.1f} ms   (target <= 50 ms)")
    print(f"lines per second, cold: {len(lines) / cold:,.0f}")
    print(f"500-line list again (cached per line, as on a rerun): {warm * 1000:.2f} ms")
    print(f"lines not recognised in the sample: {unknown}")


if __name__ == "__main__":
    main()
