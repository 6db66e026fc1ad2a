"""Evaluation of the `drug-named-entity-recognition` package as a second layer of the medication reader.

    .venv/bin/python bench/medication_ner_layer.py

The layer would look up the words a line left unread in the package's dictionary (brand and synonym ->
canonical ingredient) and, when the canonical ingredient is one our tables classify, add its classes.
Issue 9 asks to keep it only if it adds recall without wrong classes and within the 50 ms budget. This
prints what it adds on every labelled set, what it would add on its own dictionary, the wrong classes
its dictionary carries, and what it costs. Result (2026-12-03): nothing added on the labelled sets, wrong
mappings in the dictionary, 2+ s to load, so it is not used (see the README's medication-list section).
"""

from __future__ import annotations

import bz2
import os
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screening.loader import load_ruleset  # noqa: E402
from screening.medications import normalise  # noqa: E402
from tests.medication_sets import SCREENED, every_set, read_set  # noqa: E402


def main() -> None:
    start = time.perf_counter()
    import drug_named_entity_recognition as ner
    data = pickle.load(bz2.open(os.path.join(os.path.dirname(ner.__file__), "drug_ner_dictionary.pkl.bz2")))
    load_s = time.perf_counter() - start
    variants: dict[str, list[str]] = data["drug_variant_to_canonical"]
    matcher = load_ruleset().matcher
    ours = {" ".join(normalise(n)): ing for ing in matcher.ingredients.values() for n in ing.names}

    def layer(words: list[str]) -> set[str]:
        found: set[str] = set()
        for size in (1, 2):
            for i in range(len(words) - size + 1):
                for canon in variants.get(" ".join(words[i:i + size]), []):
                    ing = ours.get(" ".join(normalise(canon)))
                    if ing is not None:
                        found |= set(ing.classes)
        return found & SCREENED

    print(f"dictionary load: {load_s:.2f} s, {len(variants):,} names")
    for path in every_set():
        added = wrong = 0
        for r in read_set(path):
            row = matcher.classify_line(1, r.line)
            extra = layer(row.leftover) - set(row.classes)
            added += bool(extra & r.classes)
            wrong += bool(extra - r.classes)
        print(f"{path.name}: lines where the layer adds a labelled class: {added}; adds a wrong class: {wrong}")

    missed: dict[str, list[str]] = {}
    for variant, canons in variants.items():
        ings = [ours.get(" ".join(normalise(c))) for c in canons]
        if not all(ings):
            continue
        classes = {c for ing in ings if ing for c in ing.classes} & {"opioid_agonist", "naltrexone"}
        if classes and not classes <= set(matcher.classify_line(1, variant).classes):
            missed.setdefault("/".join(sorted(classes)), []).append(variant)
    for cls, names in missed.items():
        print(f"dictionary names mapped to {cls} that our tables do not read as such: {len(names)}, e.g. "
              f"{', '.join(names[:12])}")
    for name in ("available generically", "maalox", "neosporin", "ranitidin 1a pharma", "rhinocort"):
        print(f"  dictionary maps {name!r} to {variants.get(name)}")


if __name__ == "__main__":
    main()
