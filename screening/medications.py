"""Reading a medication list line by line, as a pharmacist would: names, brands, abbreviations, typos.

Every line gets a row: what it was recognised as, its ingredients and classes, whether its opioid is
long-acting, and how much of it was read. A line is *read* (status `recognised`) only when every
word is accounted for: a known name, a pharmacy-label convention, or a known word (strength, unit,
form, route, frequency, directions, indication, filler). Otherwise it is *partly read* (a medicine
was found, some words were not) or *not read* (`unrecognised`); both go to review, and the rules
treat them as a reason not to rely on a "no opioid" answer (clinical-reference section 7).

Reading, in order:
1. clean (Unicode NFKC; format characters, variation selectors, tags and other invisible characters
   out; odd spaces to spaces; look-alike Cyrillic and Greek letters folded to Latin, and the line
   marked when it mixes alphabets; accents off);
2. dates out (kept for stopped lines: ISO, or day/month only when unambiguous);
3. normalise to words ("w/" -> "with", "#3" -> "no 3", punctuation -> spaces, "20mg" -> "20 mg"),
   and rejoin a name split in two ("oxy-codone");
4. exact whole-word names, longest first, so "tylenol 3" wins over "tylenol";
5. pharmacy-label conventions (HYDROCO, APAP/COD, Guaifenesin AC, Fiorinal #3);
6. a tolerant match (rapidfuzz) for words left over, also trying two adjacent words joined;
7. a truncated name ("OXYCOD") read as the one ingredient it can start, marked for a check;
8. every other word must be a known word, or it is left over.
Route and long-acting words belong to the product they follow: an indication or aside ("for eye
inflammation", "given in ER") does not change it. All names and words are data in rules/.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from .result_models import MedLine, MedMatch
from .rule_models import NO, YES, Fact, Ingredient, MedicationFile, MedicationVocabulary, Product

# ---- cleaning ----------------------------------------------------------------------------------------

_DEFAULT_IGNORABLE = [(0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                      (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                      (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
                      (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)]
"""Unicode Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt): invisible, removed."""
_AS_SPACE = {0x2800, 0x3000, 0x1680, 0x00A0, 0x2007, 0x202F, 0x205F, 0x2028, 0x2029, 0x0085}


@lru_cache(maxsize=1)
def _invisible_table() -> dict[int, Any]:
    table: dict[int, Any] = {}
    for lo, hi in _DEFAULT_IGNORABLE:
        for cp in range(lo, hi + 1):
            table[cp] = None
    for cp in _AS_SPACE:
        table[cp] = " "
    for cp in range(0x2000, 0x200B):
        table[cp] = " "
    for cp in range(0x20):
        table[cp] = " "
    table[0x7F] = " "
    return table


_PUNCT = re.compile(r"[^\w\s.%]")
_DIGIT_LETTER = re.compile(r"(\d)([a-z])")
_NUMBER_SIGN = re.compile(r"(?:#|\bno\.)\s*(?=\d)")
_MICRO = re.compile(r"[\u00b5\u03bc](?=g)")


def _clean_unicode(text: str, confusables: Mapping[str, str]) -> tuple[str, bool]:
    """The text with invisible characters out, odd spaces as spaces, look-alikes folded; and whether
    the original mixed Latin letters with Cyrillic or Greek ones (a sign of a disguised name).

    ASCII text (nearly every name in the rule files, most lines) takes a short cut with the same result:
    NFKC, the micro sign and the look-alike folding leave ASCII as it is; only control characters become
    spaces. The rule set's ~8,000 names and phrases are read ~4x faster at start-up.
    """
    if text.isascii():
        return (text if text.isprintable() else text.translate(_invisible_table())), False
    return _clean_unicode_general(text, confusables)


def _clean_unicode_general(text: str, confusables: Mapping[str, str]) -> tuple[str, bool]:
    """_clean_unicode for any text (see there)."""
    text = unicodedata.normalize("NFKC", text).translate(_invisible_table())
    text = _MICRO.sub("mc", text)
    if text.isascii():
        return text, False
    latin = other = False
    out = []
    for ch in text:
        if ch.isascii():
            latin = latin or ch.isalpha()
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf" or cat == "Mn" or cat == "Me":
            continue
        if cat.startswith("Z") or cat == "Cc":
            out.append(" ")
            continue
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if name.startswith(("CYRILLIC", "GREEK")):
                other = True
            elif name.startswith("LATIN"):
                latin = True
            folded = confusables.get(ch)
            if folded is not None:
                out.append(folded)
                continue
            base = unicodedata.normalize("NFKD", ch)
            out.append("".join(c for c in base if not unicodedata.combining(c)) or ch)
            continue
        out.append(ch)
    return "".join(out), latin and other


def normalise(text: str) -> tuple[str, ...]:
    """The words of a line or a name, in the one form that names and lines are compared in."""
    text, _ = _clean_unicode(text, {})
    return _words(text)


@lru_cache(maxsize=65536)
def name_words(text: str) -> tuple[str, ...]:
    """normalise() for rule-file text only (names, phrases): the checker and the matcher both read every
    name, so the second reading is a look-up. Never pass a patient's line: the cache would keep it."""
    return normalise(text)


def _words(text: str) -> tuple[str, ...]:
    text = text.lower().replace("w/", "with ").replace("_", " ")
    if "#" in text or "no." in text:        # else _NUMBER_SIGN cannot match: skip the substitution
        text = _NUMBER_SIGN.sub(" no ", text)
    text = _PUNCT.sub(" ", text)
    if _DIGIT_LETTER.search(text):          # a search costs far less than a substitution with groups
        text = _DIGIT_LETTER.sub(r"\1 \2", text)
    if "." not in text:                     # nothing to strip, and split() never gives an empty word
        return tuple(text.split())
    return tuple(w for w in (word.strip(".") for word in text.split()) if w)


# ---- dates -------------------------------------------------------------------------------------------

_MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for m in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = re.compile(
    r"\b(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))\b"
    r"|\b(?P<num>(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2}))\b"
    r"|\b(?P<dmy>(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s\-]+" + _MONTH.replace("(", "(?P<m1>", 1)
    + r",?[\s\-]+(?P<y1>\d{4}|\d{2}))\b"
    r"|\b(?P<mdy>" + _MONTH.replace("(", "(?P<m2>", 1) + r"[\s\-]+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?[\s\-]+"
    r"(?P<y2>\d{4}))\b"
    r"|\b(?P<my>" + _MONTH.replace("(", "(?P<m3>", 1) + r",?[\s\-]+(?P<y3>\d{4}))\b",
    re.IGNORECASE)


_DATE_HINT = re.compile(r"\d{4}|\d[/.\-]\d{1,2}[/.\-]\d\d|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
"""A cheap test run first: most lines hold no date, and the full pattern is slower."""


@dataclass(frozen=True)
class _Date:
    day: date | None      # None: written, but not readable without a guess
    text: str


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _read_date(m: re.Match[str]) -> _Date:
    g = m.groupdict()
    text = m.group(0)
    if g["iso"]:
        return _Date(_safe_date(int(g["iy"]), int(g["im"]), int(g["id"])), text)
    if g["num"]:
        a, b, y = int(g["a"]), int(g["b"]), _year(g["y"])
        as_dm, as_md = _safe_date(y, b, a), _safe_date(y, a, b)
        if as_dm and as_md and as_dm != as_md:
            return _Date(None, text)       # 03/04/2026: 3 April or March 4? Asked, never guessed.
        return _Date(as_dm or as_md, text)
    if g["dmy"]:
        return _Date(_safe_date(_year(g["y1"]), _MONTHS[g["m1"].lower()], int(g["d1"])), text)
    if g["mdy"]:
        return _Date(_safe_date(int(g["y2"]), _MONTHS[g["m2"].lower()], int(g["d2"])), text)
    return _Date(None, text)               # a month and year only: the day is not known


# ---- the reader --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    """What a name points at: an ingredient or a product, with what the line needs from it."""

    id: str
    display: str
    ingredients: tuple[str, ...]
    long_acting: bool | None
    local_route: bool
    is_product: bool = False


@dataclass(frozen=True)
class _Found:
    entry: _Entry
    match: MedMatch
    start: int
    end: int
    certain: bool = True     # False: a truncation inferred from a prefix, to be checked


@dataclass(frozen=True)
class _Convention:
    words: tuple[str, ...]
    entry: _Entry
    after: frozenset[tuple[str, ...]]
    with_partner: bool


class MedicationMatcher:
    """Built once per rule set; classify() is then pure and cached per line."""

    def __init__(self, vocabulary: MedicationVocabulary, files: Sequence[MedicationFile]) -> None:
        self.vocabulary = vocabulary
        self.ingredients: dict[str, Ingredient] = {i.id: i for f in files for i in f.ingredients}
        products: list[Product] = [p for f in files for p in f.products]
        self._names: dict[tuple[str, ...], tuple[_Entry, str]] = {}
        fuzzy: dict[str, _Entry] = {}
        self._ingredient_entry = {ing.id: _Entry(ing.id, ing.names[0], (ing.id,), None, False)
                                  for ing in self.ingredients.values()}
        for ing in self.ingredients.values():
            entry = self._ingredient_entry[ing.id]
            self._add(ing.names, entry, "name", fuzzy if ing.fuzzy else None)
            self._add(ing.misspellings, entry, "known misspelling", None)
        for prod in products:
            brand = prod.names[0][:1].upper() + prod.names[0][1:]
            entry = _Entry(prod.id, brand, tuple(prod.ingredients), prod.long_acting, prod.local_route, True)
            self._add(prod.names, entry, "brand or product name", fuzzy if prod.fuzzy else None)
            self._add(prod.misspellings, entry, "known misspelling", None)
        for abbreviation, ingredient_id in vocabulary.abbreviations.items():
            self._names[name_words(abbreviation)] = (self._ingredient_entry[ingredient_id], "abbreviation")
        self._conventions: list[_Convention] = []
        for conv in vocabulary.label_conventions:
            entry = self._ingredient_entry[conv.ingredient]
            if not conv.after and not conv.with_partner:
                self._names.setdefault(name_words(conv.text), (entry, "pharmacy-label abbreviation"))
            else:
                self._conventions.append(_Convention(name_words(conv.text), entry,
                                                     frozenset(name_words(a) for a in conv.after), conv.with_partner))
        self._longest = max(len(k) for k in self._names)
        self._single_names = frozenset(k[0] for k in self._names if len(k) == 1)
        self._name_firsts = frozenset(k[0] for k in self._names)
        self._convention_index: dict[str, list[_Convention]] = {}
        for conv in self._conventions:
            self._convention_index.setdefault(conv.words[0], []).append(conv)
        self._fuzzy_names = {name: entry for name, entry in fuzzy.items() if len(name) >= vocabulary.fuzzy_min_length}
        self._fuzzy_by_length: dict[int, list[str]] = {}
        for name in self._fuzzy_names:
            self._fuzzy_by_length.setdefault(len(name), []).append(name)
        self._fuzzy_lookup = lru_cache(maxsize=16384)(self._fuzzy_lookup_uncached)
        self._known_words = {w for key in self._names for w in key} | {name_words(w)[0] for w in vocabulary.fuzzy_ignore
                                                                        if name_words(w)}
        # words a fully read line may hold besides names
        self._accounted = {w for group in vocabulary.known_words for phrase in group.words for w in name_words(phrase)}
        self._accounted |= {w for phrase in [*vocabulary.fuzzy_ignore, *vocabulary.long_acting_markers,
                                             *vocabulary.local_route_markers, *vocabulary.stopped_markers,
                                             *vocabulary.aside_words, *vocabulary.place_words,
                                             *vocabulary.place_words_after]
                            for w in name_words(phrase)}
        self._known_words |= self._accounted
        self._opioid = vocabulary.class_roles.opioid_agonist
        self._connectors = {w for group in vocabulary.known_words if group.joins_names
                            for phrase in group.words for w in name_words(phrase)}
        self._shape_cache: dict[str, bool] = {}
        self._pattern = re.compile("|".join(f"(?:{p})" for p in vocabulary.word_patterns)) \
            if vocabulary.word_patterns else None
        self._partners = frozenset(vocabulary.combination_partners)
        self._long_markers = _marker_index(vocabulary.long_acting_markers)
        self._local_markers = _marker_index(vocabulary.local_route_markers)
        self._stopped_markers = _marker_index(vocabulary.stopped_markers)
        self._stopped_not_after = frozenset(w for text in vocabulary.stopped_not_after for w in name_words(text))
        self._asides = frozenset(w for a in vocabulary.aside_words for w in name_words(a)[:1])
        self._places = frozenset(w for a in vocabulary.place_words for w in name_words(a)[:1])
        self._places_after = frozenset(w for a in vocabulary.place_words_after for w in name_words(a)[:1])
        self._confusables = dict(vocabulary.confusables)
        # single words that start a name, for truncations ("oxycod") and hidden-opioid hints ("cod")
        self._entry_classes: dict[str, frozenset[str]] = {}
        starts: dict[str, set[_Entry]] = {}
        for key, (entry, _how) in self._names.items():
            if len(key) == 1 and key[0].isalpha() and len(key[0]) >= 4:
                starts.setdefault(key[0], set()).add(entry)
        self._starts = starts
        self._sorted_starts = sorted(starts)
        opioid_words = {key[0] for key, (entry, _how) in self._names.items()
                        if self._opioid in self._classes_of(entry) and key[0].isalpha()}
        self._opioid_words = sorted(opioid_words)
        self._classify_text = lru_cache(maxsize=8192)(self._classify_text_uncached)

    def _add(self, names: Iterable[str], entry: _Entry, how: str, fuzzy: dict[str, _Entry] | None) -> None:
        for name in names:
            key = name_words(name)
            self._names[key] = (entry, how)
            if fuzzy is not None and len(key) == 1:
                fuzzy[key[0]] = entry

    def _classes_of(self, entry: _Entry) -> frozenset[str]:
        got = self._entry_classes.get(entry.id)
        if got is None:
            got = frozenset(c for i in entry.ingredients for c in self.ingredients[i].classes)
            self._entry_classes[entry.id] = got
        return got

    # ---- one line ----------------------------------------------------------------------------------

    def _rejoin(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """Join a name split in two ("oxy codone", "oxy-codone", an NBSP inside a name)."""
        if len(words) < 2:
            return words
        singles = self._single_names
        if not any(a + b in singles for a, b in zip(words, words[1:])):
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            if (i + 1 < len(words) and words[i] + words[i + 1] in singles and words[i].isalpha()
                    and words[i + 1].isalpha() and words[i] not in singles and words[i:i + 2] not in self._names):
                out.append(words[i] + words[i + 1])
                i += 2
                continue
            out.append(words[i])
            i += 1
        return tuple(out)

    def _exact(self, words: tuple[str, ...]) -> tuple[list[_Found], list[int]]:
        found, left, i = [], [], 0
        firsts = self._name_firsts
        while i < len(words):
            if words[i] not in firsts:
                left.append(i)
                i += 1
                continue
            for size in range(min(self._longest, len(words) - i), 0, -1):
                hit = self._names.get(words[i:i + size])
                if hit is not None:
                    found.append(_Found(hit[0], MedMatch(text=" ".join(words[i:i + size]), entry=hit[0].display,
                                                         how=hit[1], score=100), i, i + size))
                    i += size
                    break
            else:
                left.append(i)
                i += 1
        return found, left

    def _by_convention(self, words: tuple[str, ...], found: list[_Found], left: list[int]) -> list[_Found]:
        """Label conventions that need their context: COD beside a partner, AC after guaifenesin."""
        index = self._convention_index
        starts = [i for i in left if words[i] in index]
        if not starts:
            return []
        partner = any(i in self._partners for f in found for i in f.entry.ingredients)
        ends = {f.end: words[f.start:f.end] for f in found}
        free = set(left)
        out = []
        for i in starts:
            for conv in index[words[i]]:
                n = len(conv.words)
                if words[i:i + n] != conv.words or not all(j in free for j in range(i, i + n)):
                    continue
                if conv.with_partner and not partner:
                    continue
                if conv.after and not any(words[max(0, i - len(a)):i] == a for a in conv.after):
                    if not (i in ends and ends[i] in conv.after):
                        continue
                out.append(_Found(conv.entry, MedMatch(text=" ".join(words[i:i + n]), entry=conv.entry.display,
                                                       how="pharmacy-label abbreviation", score=100), i, i + n))
                free.difference_update(range(i, i + n))
                break
        return out

    def _tolerant(self, words: tuple[str, ...], left: list[int]) -> list[_Found]:
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
            found.append(_Found(entry, MedMatch(text=" ".join(words[p] for p in positions), entry=entry.display,
                                                how="tolerant match", score=round(score)),
                                positions[0], positions[-1] + 1))
        return found

    def _truncated(self, words: tuple[str, ...], left: list[int]) -> tuple[list[_Found], bool]:
        """A leftover word that starts names of one ingredient only ("oxycod"): read, marked to check.
        Also: whether any leftover word could start an opioid's name (a possible hidden opioid)."""
        out, hint = [], False
        for i in left:
            w = words[i]
            if not w.isalpha() or w in self._known_words:
                continue
            if len(w) >= 3 and self._starts_opioid(w):
                hint = True
            if len(w) < 5:
                continue
            k = bisect.bisect_left(self._sorted_starts, w)
            entries: set[_Entry] = set()
            while k < len(self._sorted_starts) and self._sorted_starts[k].startswith(w):
                if self._sorted_starts[k] != w:
                    entries |= self._starts[self._sorted_starts[k]]
                k += 1
                if len(entries) > 50:
                    break
            if not entries:
                continue
            ingredient_sets = {frozenset(e.ingredients) for e in entries}
            common = frozenset.intersection(*ingredient_sets)
            if len(common) == 1:
                entry = self._ingredient_entry[next(iter(common))]
            elif len(ingredient_sets) == 1:
                entry = next(iter(entries))
            else:
                continue
            if entry is not None:
                out.append(_Found(entry, MedMatch(text=w, entry=entry.display, how="truncated name", score=0),
                                  i, i + 1, certain=False))
        return out, hint

    def _starts_opioid(self, w: str) -> bool:
        k = bisect.bisect_left(self._opioid_words, w)
        return k < len(self._opioid_words) and self._opioid_words[k].startswith(w)

    def _fuzzy_lookup_uncached(self, text: str) -> tuple[str, float] | None:
        """The closest tolerant-match name, comparing only names whose length could reach the score."""
        from rapidfuzz import fuzz, process   # here, not at the top: a case without a list never needs it

        cutoff = self.vocabulary.fuzzy_min_score
        n = len(text)
        choices = [name for length, names in self._fuzzy_by_length.items()
                   if 200 * min(n, length) / (n + length) >= cutoff for name in names]
        best = process.extractOne(text, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        return None if best is None else (best[0], best[1])

    @staticmethod
    def _positions(words: tuple[str, ...], markers: dict[int, frozenset[tuple[str, ...]]]) -> list[tuple[int, int]]:
        firsts = markers.get(0)
        return [(i, i + size) for i, w in enumerate(words) if firsts is None or (w,) in firsts
                for size, found in markers.items() if size and words[i:i + size] in found]

    def _accounted_for(self, word: str) -> bool:
        if word in self._accounted:
            return True
        known = self._shape_cache.get(word)
        if known is None:
            known = self._pattern is not None and self._pattern.fullmatch(word) is not None
            if not known and "." in word:       # "p.o", "t.d.s": a dotted abbreviation of known letters
                known = all(part in self._accounted for part in word.split(".") if part)
            if len(self._shape_cache) < 65536:
                self._shape_cache[word] = known
        return known

    def classify_line(self, number: int, text: str) -> MedLine:
        """One line's row; the reading of a given text is cached, so re-screening a list is cheap."""
        row = self._classify_text(text)
        return row if row.number == number else _renumbered(row, number)

    def _classify_text_uncached(self, text: str) -> MedLine:
        cleaned, mixed = _clean_unicode(text, self._confusables)
        dates = [_read_date(m) for m in _DATE.finditer(cleaned)] if _DATE_HINT.search(cleaned) else []
        if dates:
            cleaned = _DATE.sub(" ", cleaned)
        words = self._rejoin(_words(cleaned))
        if not words and not dates:
            return MedLine(number=1, line=text, status="empty", product=None, ingredients=[], classes=[],
                           long_acting=None, matches=[])
        found, left = self._exact(words)
        found += self._tolerant(words, left)
        covered = {p for f in found for p in range(f.start, f.end)}
        left = [i for i in left if i not in covered]
        truncated, opioid_hint = self._truncated(words, left)
        found += truncated
        covered = {p for f in found for p in range(f.start, f.end)}
        left = [i for i in left if i not in covered]
        for _ in range(2):      # twice: a convention read first can be the partner of another (BUP/NAL)
            more = self._by_convention(words, found, left)
            if not more:
                break
            found += more
            taken = {p for f in more for p in range(f.start, f.end)}
            left = [i for i in left if i not in taken]
        found.sort(key=lambda f: f.start)
        named = {p for f in found for p in range(f.start, f.end)}
        covered = {p for f in found if f.certain for p in range(f.start, f.end)}
        stopped_spans = [(a, b) for a, b in self._positions(words, self._stopped_markers)
                         if not named.intersection(range(a, b))    # "DC" in Dimetane DC is the product
                         and not (a > 0 and words[a - 1] in self._stopped_not_after)]   # "until finished"
        covered |= {p for a, b in stopped_spans for p in range(a, b)}
        leftover = [words[i] for i in range(len(words)) if i not in covered and not self._accounted_for(words[i])]
        stopped = bool(stopped_spans)
        notes: list[str] = []
        stopped_date = stopped_date_text = None
        if stopped and dates:
            readable = [d.day for d in dates if d.day is not None]
            unreadable = [d.text for d in dates if d.day is None]
            if unreadable:
                stopped_date_text = "; ".join(unreadable)
                notes.append(f"stop date {stopped_date_text} cannot be read without a guess (day/month order or "
                             "no day): ask for the date of the last dose")
            elif readable:
                stopped_date = max(readable)
        elif stopped:
            notes.append("marked stopped, with no date: ask for the date of the last dose")
        if mixed:
            notes.append("mixes Latin letters with Cyrillic or Greek look-alikes: check the name as written")
        if not found:
            hidden = opioid_hint or any(self._starts_opioid(w) for w in leftover if w.isalpha() and len(w) >= 3)
            if hidden:
                notes.append("a word may be a shortened opioid name: check the label")
            return MedLine(number=1, line=text, status="unrecognised", product=None, ingredients=[], classes=[],
                           long_acting=None, matches=[], leftover=leftover, stopped=stopped,
                           stopped_date=stopped_date, stopped_date_text=stopped_date_text,
                           possible_hidden_opioid=hidden, mixed_script=mixed, notes=notes)
        classes, long_acting, ingredient_ids = self._read_classes(words, found)
        partner = any(i in self._partners for i in ingredient_ids)
        hidden = self._opioid not in classes and bool(leftover) and (partner or opioid_hint)
        if hidden:
            notes.append("a word beside a combination partner is not read: it may be an opioid (check the label)")
        if any(not f.certain for f in found):
            notes.append("a shortened name was read as the only medicine it can start: check the label")
        status = "recognised" if not leftover and not mixed else "partly_read"
        return MedLine(number=1, line=text, status=status,
                       product=" + ".join(dict.fromkeys(f.entry.display for f in found)),
                       ingredients=[self.ingredients[i].names[0] for i in ingredient_ids],
                       classes=classes, long_acting=long_acting, matches=[f.match for f in found],
                       leftover=leftover, stopped=stopped, stopped_date=stopped_date,
                       stopped_date_text=stopped_date_text, possible_hidden_opioid=hidden, mixed_script=mixed,
                       notes=notes)

    def _units(self, words: tuple[str, ...], found: list[_Found]) -> list[list[_Found]]:
        """Names written together (buprenorphine/naloxone, budesonide 160 mcg / formoterol) form one unit."""
        units: list[list[_Found]] = []
        for f in found:
            if units:
                prev = units[-1][-1]
                gap = words[prev.end:f.start]
                if all(w in self._connectors or (self._pattern is not None and self._pattern.fullmatch(w))
                       for w in gap):
                    units[-1].append(f)
                    continue
            units.append([f])
        return units

    def _read_classes(self, words: tuple[str, ...], found: list[_Found]) -> tuple[list[str], bool | None, list[str]]:
        """Classes, long-acting and ingredients; route and release words apply to the unit they follow,
        up to the next unit or the first word of an aside or indication."""
        units = self._units(words, found)
        first = found[0].start
        aside_at = next((i for i in range(first + 1, len(words)) if words[i] in self._asides), len(words))
        route_matters = any(self.ingredients[i].systemic_only for f in found for i in f.entry.ingredients)
        local_spans = self._positions(words, self._local_markers) if route_matters else []
        kept: set[str] = set()
        ingredient_ids: list[str] = []
        for k, unit in enumerate(units):
            zone_start = 0 if k == 0 else unit[0].start
            zone_end = min(units[k + 1][0].start if k + 1 < len(units) else len(words),
                           aside_at if aside_at > unit[0].start else len(words))
            local = any(zone_start <= a and b <= zone_end for a, b in local_spans)
            groups = [list(f.entry.ingredients) for f in unit if f.entry.is_product]
            groups.append([i for f in unit if not f.entry.is_product for i in f.entry.ingredients])
            for f in unit:
                ingredient_ids.extend(f.entry.ingredients)
            for g in groups:
                if g:
                    got = self._classes([self.ingredients[i] for i in dict.fromkeys(g)],
                                        local or any(f.entry.local_route for f in unit if f.entry.is_product
                                                     and set(f.entry.ingredients) & set(g)))
                    kept.update(got)
        ingredient_ids = list(dict.fromkeys(ingredient_ids))
        classes = sorted(kept)
        long_acting = None
        if self._opioid in classes:
            opioid_entries = [f.entry for f in found if self._opioid in self._classes_of(f.entry)]
            long_acting = (any(e.long_acting for e in opioid_entries)
                           or any(self.ingredients[i].acting == "long" for e in opioid_entries for i in e.ingredients)
                           or self._released(words, aside_at))
        return classes, long_acting, ingredient_ids

    def _released(self, words: tuple[str, ...], aside_at: int) -> bool:
        """A release word in the product part of the line (before an aside), and not a place ("in ER")."""
        return any(a < aside_at and not (b - a == 1 and ((a > 0 and words[a - 1] in self._places)
                                                         or (b < len(words) and words[b] in self._places_after)))
                   for a, b in self._positions(words, self._long_markers))

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


def _renumbered(row: MedLine, number: int) -> MedLine:
    """The same reading under another line number. Every field was validated when the reading was made,
    so the copy skips validation: a 500-line list is copied in a millisecond, not tens."""
    copy = MedLine.__new__(MedLine)
    object.__setattr__(copy, "__dict__", {**row.__dict__, "number": number})
    object.__setattr__(copy, "__pydantic_fields_set__", row.__pydantic_fields_set__)
    object.__setattr__(copy, "__pydantic_extra__", None)
    object.__setattr__(copy, "__pydantic_private__", None)
    return copy


def _marker_index(markers: Iterable[str]) -> dict[int, frozenset[tuple[str, ...]]]:
    """Marker phrases by their length in words, so a line is scanned once per length."""
    by_size: dict[int, set[tuple[str, ...]]] = {}
    for marker in markers:
        words = name_words(marker)
        if words:
            by_size.setdefault(len(words), set()).add(words)
    index = {size: frozenset(found) for size, found in by_size.items()}
    index[0] = frozenset((words[0],) for found in by_size.values() for words in found)   # first words, to skip fast
    return index


def _counts(fact: Fact, row: MedLine) -> bool:
    """Whether a line is one of the fact's lines."""
    if row.status == "empty":
        return False
    if fact.lines == "not_fully_read":
        return row.needs_review
    if fact.lines == "possible_hidden_opioid":
        return row.possible_hidden_opioid
    if row.stopped != (fact.lines == "stopped"):
        return False
    return bool(set(fact.classes) & set(row.classes)) and (fact.long_acting is None
                                                            or row.long_acting == fact.long_acting)


def fact_values(facts: Mapping[str, Fact], rows: Sequence[MedLine]) -> dict[str, Any]:
    """'yes'/'no' for every yes/no fact, and a date for a date fact whose lines all carry one; the caller
    leaves facts out entirely when no list was given. A date fact with no date to give is left out
    (unknown), so no interval is counted from a guess."""
    out: dict[str, Any] = {}
    for fact in facts.values():
        lines = [r for r in rows if _counts(fact, r)]
        if fact.value == "latest_date":
            if lines and all(r.stopped_date is not None for r in lines):
                out[fact.id] = max(r.stopped_date for r in lines if r.stopped_date is not None)
        else:
            out[fact.id] = YES if lines else NO
    return out


def fact_lines(fact: Fact, rows: Sequence[MedLine]) -> list[MedLine]:
    return [r for r in rows if _counts(fact, r)]


def split_lines(text: str) -> list[str]:
    """A pasted list as lines (any newline convention)."""
    return text.splitlines()
