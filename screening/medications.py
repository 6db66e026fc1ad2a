"""Reading a medication list line by line, as a pharmacist would: names, brands, abbreviations, typos.

Every line gets a row: what it was recognised as, its ingredients and classes, and whether its opioid
is long-acting. A line that matches nothing is kept and marked for manual review, never dropped.

Matching, in order:
1. normalise (Unicode NFKC, lower case, control and zero-width characters out, "w/" -> "with",
   "#" and punctuation -> spaces, "20mg" -> "20 mg");
2. exact whole-word names, longest first, so "tylenol 3" wins over "tylenol";
3. for words left over, a tolerant match (rapidfuzz ratio) against names that allow it, also
   trying two adjacent words joined ("oxy contin").
Route words decide systemic-only classes (Restasis eye drops is not systemic cyclosporine), and
long-acting markers (ER, patch) decide an opioid's acting class. All names and words are data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .result_models import MedLine, MedMatch
from .rule_models import Fact, Ingredient, MedicationFile, MedicationVocabulary, Product

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_PUNCT = re.compile(r"[^\w\s.%]")
_DIGIT_LETTER = re.compile(r"(\d)([a-z])")


def normalise(text: str) -> tuple[str, ...]:
    """The words of a line or a name, in the one form that names and lines are compared in."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = "".join(ch if ch.isprintable() else " " for ch in text).lower()
    text = text.replace("w/", "with ").replace("_", " ")
    text = _PUNCT.sub(" ", text)
    text = _DIGIT_LETTER.sub(r"\1 \2", text)
    return tuple(word.strip(".") for word in text.split() if word.strip("."))


@dataclass(frozen=True)
class _Entry:
    """What a name points at: an ingredient or a product, with what the line needs from it."""

    id: str
    display: str
    ingredients: tuple[str, ...]
    long_acting: bool | None
    local_route: bool
    is_product: bool = False


class MedicationMatcher:
    """Built once per rule set; classify() is then pure and cached per line."""

    def __init__(self, vocabulary: MedicationVocabulary, files: Sequence[MedicationFile]) -> None:
        self.vocabulary = vocabulary
        self.ingredients: dict[str, Ingredient] = {i.id: i for f in files for i in f.ingredients}
        products: list[Product] = [p for f in files for p in f.products]
        self._names: dict[tuple[str, ...], tuple[_Entry, str]] = {}
        fuzzy: dict[str, _Entry] = {}
        for ing in self.ingredients.values():
            entry = _Entry(ing.id, ing.names[0], (ing.id,), None, False)
            self._add(ing.names, entry, "name", fuzzy if ing.fuzzy else None)
            self._add(ing.misspellings, entry, "known misspelling", None)
        for prod in products:
            brand = prod.names[0][:1].upper() + prod.names[0][1:]
            entry = _Entry(prod.id, brand, tuple(prod.ingredients), prod.long_acting, prod.local_route, True)
            self._add(prod.names, entry, "brand or product name", fuzzy if prod.fuzzy else None)
            self._add(prod.misspellings, entry, "known misspelling", None)
        for abbreviation, ingredient_id in vocabulary.abbreviations.items():
            ing = self.ingredients[ingredient_id]
            self._names[normalise(abbreviation)] = (_Entry(ing.id, ing.names[0], (ing.id,), None, False),
                                                    "abbreviation")
        self._longest = max(len(k) for k in self._names)
        self._fuzzy_names = {name: entry for name, entry in fuzzy.items() if len(name) >= vocabulary.fuzzy_min_length}
        self._fuzzy_by_length: dict[int, list[str]] = {}
        for name in self._fuzzy_names:
            self._fuzzy_by_length.setdefault(len(name), []).append(name)
        self._fuzzy_lookup = lru_cache(maxsize=16384)(self._fuzzy_lookup_uncached)
        self._known_words = {w for key in self._names for w in key} | {normalise(w)[0] for w in vocabulary.fuzzy_ignore
                                                                        if normalise(w)}
        self._long_markers = _marker_index(vocabulary.long_acting_markers)
        self._local_markers = _marker_index(vocabulary.local_route_markers)
        self._classify_text = lru_cache(maxsize=8192)(self._classify_text_uncached)

    def _add(self, names: Iterable[str], entry: _Entry, how: str, fuzzy: dict[str, _Entry] | None) -> None:
        for name in names:
            key = normalise(name)
            self._names[key] = (entry, how)
            if fuzzy is not None and len(key) == 1:
                fuzzy[key[0]] = entry

    # ---- one line ----------------------------------------------------------------------------------

    def _exact(self, words: tuple[str, ...]) -> tuple[list[tuple[_Entry, MedMatch]], list[int]]:
        found, left, i = [], [], 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                hit = self._names.get(words[i:i + size])
                if hit is not None:
                    found.append((hit[0], MedMatch(text=" ".join(words[i:i + size]), entry=hit[0].display,
                                                   how=hit[1], score=100)))
                    i += size
                    break
            else:
                left.append(i)
                i += 1
        return found, left

    def _tolerant(self, words: tuple[str, ...], left: list[int]) -> list[tuple[_Entry, MedMatch]]:
        """Tolerant matches for leftover words, and for two adjacent leftover words written apart."""
        vocab = self.vocabulary
        candidates: list[tuple[str, list[int]]] = []
        for a, b in zip(left, left[1:]):
            if b == a + 1 and words[a].isalpha() and words[b].isalpha():
                candidates.append((words[a] + words[b], [a, b]))
        candidates += [(words[i], [i]) for i in left]
        used: set[int] = set()
        found = []
        for text, positions in candidates:
            if used.intersection(positions) or not text.isalpha() or len(text) < vocab.fuzzy_min_length:
                continue
            if any(words[p] in self._known_words for p in positions):
                continue   # a known word (a name, a form, a unit, a sig word) is never bent into another
            exact = self._names.get((text,))
            if exact is not None:
                entry, score = exact[0], 100.0
            else:
                best = self._fuzzy_lookup(text)
                if best is None:
                    continue
                entry, score = self._fuzzy_names[best[0]], best[1]
            used.update(positions)
            found.append((entry, MedMatch(text=" ".join(words[p] for p in positions), entry=entry.display,
                                          how="tolerant match", score=round(score))))
        return found

    def _fuzzy_lookup_uncached(self, text: str) -> tuple[str, float] | None:
        """The closest tolerant-match name, comparing only names whose length could reach the score."""
        cutoff = self.vocabulary.fuzzy_min_score
        n = len(text)
        choices = [name for length, names in self._fuzzy_by_length.items()
                   if 200 * min(n, length) / (n + length) >= cutoff for name in names]
        best = process.extractOne(text, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return None if best is None else (best[0], best[1])

    @staticmethod
    def _has(words: tuple[str, ...], markers: dict[int, frozenset[tuple[str, ...]]]) -> bool:
        return any(words[i:i + size] in found for size, found in markers.items()
                   for i in range(len(words) - size + 1))

    def classify_line(self, number: int, text: str) -> MedLine:
        """One line's row; the reading of a given text is cached, so re-screening a list is cheap."""
        row = self._classify_text(text)
        return row if row.number == number else row.model_copy(update={"number": number})

    def _classify_text_uncached(self, text: str) -> MedLine:
        number = 1
        words = normalise(text)
        if not words:
            return MedLine(number=number, line=text, status="empty", product=None, ingredients=[], classes=[],
                           long_acting=None, matches=[])
        found, left = self._exact(words)
        found += self._tolerant(words, left)
        if not found:
            return MedLine(number=number, line=text, status="unrecognised", product=None, ingredients=[],
                           classes=[], long_acting=None, matches=[])
        entries = [e for e, _ in found]
        ingredient_ids = list(dict.fromkeys(i for e in entries for i in e.ingredients))
        local = any(e.local_route for e in entries) or self._has(words, self._local_markers)
        # Masking works within one product (naloxone inside Suboxone), or among generic names written
        # together (buprenorphine/naloxone); a second product on the line (Narcan) keeps its own classes.
        groups = [list(e.ingredients) for e in entries if e.is_product]
        groups.append([i for e in entries if not e.is_product for i in e.ingredients])
        classes = sorted(set().union(*(self._classes([self.ingredients[i] for i in dict.fromkeys(g)], local)
                                       for g in groups if g)))
        long_acting = None
        if "opioid_agonist" in classes:
            long_acting = (any(e.long_acting for e in entries)
                           or any(self.ingredients[i].acting == "long" for i in ingredient_ids)
                           or self._has(words, self._long_markers))
        return MedLine(number=number, line=text, status="recognised",
                       product=" + ".join(dict.fromkeys(e.display for e in entries)),
                       ingredients=[self.ingredients[i].names[0] for i in ingredient_ids],
                       classes=classes, long_acting=long_acting, matches=[m for _, m in found])

    @staticmethod
    def _classes(ingredients: list[Ingredient], local_route: bool) -> list[str]:
        own = {i.id: set() if (i.systemic_only and local_route) else set(i.classes) for i in ingredients}
        everything = set().union(*own.values())
        kept: set[str] = set()
        for ing in ingredients:
            others = everything - own[ing.id]
            if not others.intersection(ing.masked_by):
                kept |= own[ing.id]
        return sorted(kept)

    # ---- a whole list ------------------------------------------------------------------------------

    def classify(self, lines: Sequence[str]) -> list[MedLine]:
        """One row per input line, in input order (blank lines included, marked empty)."""
        return [self.classify_line(n, text) for n, text in enumerate(lines, start=1)]


def _marker_index(markers: Iterable[str]) -> dict[int, frozenset[tuple[str, ...]]]:
    """Marker phrases by their length in words, so a line is scanned once per length."""
    by_size: dict[int, set[tuple[str, ...]]] = {}
    for marker in markers:
        words = normalise(marker)
        by_size.setdefault(len(words), set()).add(words)
    return {size: frozenset(found) for size, found in by_size.items()}


def fact_values(facts: Mapping[str, Fact], rows: Sequence[MedLine]) -> dict[str, str]:
    """'yes'/'no' for every fact; the caller leaves facts out entirely when no list was given."""
    out = {}
    for fact in facts.values():
        hit = any(set(fact.classes) & set(r.classes) and (fact.long_acting is None or r.long_acting == fact.long_acting)
                  for r in rows)
        out[fact.id] = "yes" if hit else "no"
    return out


def fact_lines(fact: Fact, rows: Sequence[MedLine]) -> list[MedLine]:
    return [r for r in rows if set(fact.classes) & set(r.classes)
            and (fact.long_acting is None or r.long_acting == fact.long_acting)]


def split_lines(text: str) -> list[str]:
    """A pasted list as lines (any newline convention)."""
    return text.splitlines()
