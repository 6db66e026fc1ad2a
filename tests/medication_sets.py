"""The labelled medication-line sets, read one way for every test and for bench/ (not a test module)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
OLD_SET = FIXTURES / "medication-lines.tsv"
WORLD_SET = FIXTURES / "medication-lines-world.tsv"
CORPORA = sorted((SHARED / "corpora").glob("*.tsv"))
SCREENED = frozenset({"opioid_agonist", "naltrexone", "opioid_antagonist_other", "peripheral_opioid",
                      "immunosuppressant_transplant", "corticosteroid_systemic", "thyroid_hormone",
                      "opioid_withdrawal_treatment"})
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})")


@dataclass(frozen=True)
class Labelled:
    line: str
    classes: frozenset[str]
    long_acting: bool | None
    stopped: bool | None        # None: the set does not say
    note: str
    source: str


def _unescape(text: str) -> str:
    """\\u0435 in a fixture line is the character itself, so invisible characters stay visible in the file."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def read_set(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = []
    for r in rows:
        line = r.get("line") or r.get("display") or ""
        classes = frozenset() if r["classes"] == "none" else frozenset(r["classes"].split(";"))
        stopped = {"yes": True, "no": False}.get(r.get("stopped", ""), None)
        out.append(Labelled(_unescape(line), classes, {"yes": True, "no": False, "na": None}[r["long_acting"]],
                            stopped, r.get("note", ""), path.name))
    return out


def every_set() -> list[Path]:
    return [p for p in (OLD_SET, WORLD_SET, *CORPORA) if p.is_file()]
