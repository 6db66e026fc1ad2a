"""The medication-list reader: real RxNorm names, our own free-text lines, look-alikes and FHIR records."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from screening.fhir import medication_texts
from screening.loader import DEFAULT_RULES_DIR
from screening.medications import (_DIGIT_LETTER, _NUMBER_SIGN, _PUNCT, _clean_unicode, _clean_unicode_general,
                                   _words, name_words, normalise)
from screening.ruleset import RuleSet
from screening.yaml_io import load_yaml

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPORA = sorted((SHARED / "corpora").glob("*.tsv"))
OWN_CORPUS = Path(__file__).parent / "fixtures" / "medication-lines.tsv"
SCREENED = {"opioid_agonist", "naltrexone", "immunosuppressant_transplant", "thyroid_hormone"}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def classes_of(ruleset: RuleSet, text: str) -> set[str]:
    return set(ruleset.matcher.classify_line(1, text).classes)


@pytest.mark.skipif(not CORPORA, reason="shared/corpora is not beside the project")
@pytest.mark.parametrize("path", CORPORA, ids=[p.stem for p in CORPORA])
def test_rxnorm_corpus_every_opioid_and_naltrexone_row_is_found(ruleset: RuleSet, path: Path) -> None:
    missed = [r["display"] for r in rows(path)
              if {"opioid_agonist", "naltrexone"} & set(r["classes"].split(";"))
              and not ({"opioid_agonist", "naltrexone"} & set(r["classes"].split(";"))
                       <= classes_of(ruleset, r["display"]))]
    assert missed == []


@pytest.mark.skipif(not CORPORA, reason="shared/corpora is not beside the project")
@pytest.mark.parametrize("path", CORPORA, ids=[p.stem for p in CORPORA])
def test_rxnorm_corpus_at_most_one_percent_of_none_rows_flagged(ruleset: RuleSet, path: Path) -> None:
    none_rows = [r["display"] for r in rows(path) if r["classes"] == "none"]
    flagged = [d for d in none_rows if classes_of(ruleset, d) & SCREENED]
    assert len(flagged) <= 0.01 * len(none_rows), flagged


@pytest.mark.skipif(not CORPORA, reason="shared/corpora is not beside the project")
def test_rxnorm_corpus_long_acting_opioids_are_never_reported_short(ruleset: RuleSet) -> None:
    wrong = [r["display"] for p in CORPORA for r in rows(p)
             if r["long_acting"] == "yes" and ruleset.matcher.classify_line(1, r["display"]).long_acting is not True]
    assert wrong == []


def test_own_free_text_corpus_has_enough_lines() -> None:
    assert len(rows(OWN_CORPUS)) >= 150


def test_own_free_text_corpus_classes_and_acting(ruleset: RuleSet) -> None:
    problems = []
    for r in rows(OWN_CORPUS):
        got = ruleset.matcher.classify_line(1, r["line"])
        want = set() if r["classes"] == "none" else set(r["classes"].split(";"))
        if set(got.classes) != want:
            problems.append(f"{r['line']!r}: classes {sorted(got.classes)}, expected {sorted(want)}")
        acting = {"yes": True, "no": False, "na": None}[r["long_acting"]]
        if got.long_acting is not acting:
            problems.append(f"{r['line']!r}: long_acting {got.long_acting}, expected {acting}")
    assert problems == []


@pytest.mark.parametrize(("line", "expected"), [
    ("Narcan 4 mg nasal spray", {"opioid_antagonist_other"}),
    ("naloxone 0.4 mg/ml injection", {"opioid_antagonist_other"}),
    ("Relistor 12 mg subq", {"opioid_antagonist_other"}),
    ("methylnaltrexone 150 mg tab", {"opioid_antagonist_other"}),
    ("Tylenol #3 1-2 tabs q4h prn", {"opioid_agonist"}),
    ("Tylenol ES 500 mg 2 tabs prn", set()),
    ("Envarsus XR 4 mg daily", {"immunosuppressant_transplant"}),
    ("Restasis 0.05% eye drops bid", set()),
    ("Protopic 0.1% ointment", set()),
    ("Flonase 50 mcg nasal spray", set()),
    ("methimazole 10 mg daily", set()),
    ("dextromethorphan 30 mg cough syrup", set()),
    ("gabapentin 300 mg tid", set()),
    ("pregabalin 75 mg bid", set()),
])
def test_look_alikes_are_never_confused(ruleset: RuleSet, line: str, expected: set[str]) -> None:
    assert classes_of(ruleset, line) == expected


def test_tacrolimus_xr_is_not_an_extended_release_opioid(ruleset: RuleSet) -> None:
    assert ruleset.matcher.classify_line(1, "Envarsus XR 4 mg daily").long_acting is None


@pytest.mark.parametrize(("line", "long_acting"), [
    ("Norco 10/325 1 tab q6h prn", False), ("OxyContin 20 mg ER q12h", True), ("oxycodone 5mg q4h prn", False),
    ("fentanyl 25 mcg/hr patch q72h", True), ("Suboxone 8/2 film SL daily", True), ("methadone 10 mg daily", True),
    ("APAP/codeine 300/30 q4h", False), ("hydrocodon 5mg", False),
])
def test_opioids_hidden_in_products_abbreviations_and_typos(ruleset: RuleSet, line: str, long_acting: bool) -> None:
    row = ruleset.matcher.classify_line(1, line)
    assert "opioid_agonist" in row.classes
    assert row.long_acting is long_acting


def test_a_misspelling_is_recognised_and_marked_for_a_second_look(ruleset: RuleSet) -> None:
    row = ruleset.matcher.classify_line(1, "tramadoll 50mg q6h")
    assert row.classes == ["opioid_agonist"] and row.status == "recognised"
    assert any(m.how in ("tolerant match", "known misspelling") for m in row.matches)


def test_every_line_gets_a_row_in_order_and_unknown_lines_are_kept(ruleset: RuleSet) -> None:
    lines = ["Norco 10/325", "", "zzqx 10 mg", "levothyroxine 50 mcg", "  "]
    result = ruleset.matcher.classify(lines)
    assert [r.number for r in result] == [1, 2, 3, 4, 5]
    assert [r.line for r in result] == lines
    assert [r.status for r in result] == ["recognised", "empty", "unrecognised", "recognised", "empty"]


def test_control_characters_zero_width_spaces_and_huge_pastes_are_handled(ruleset: RuleSet) -> None:
    assert classes_of(ruleset, "oxy\u200bcodone\x00 5\tmg") == {"opioid_agonist"}
    assert normalise("Tylenol\u00a0#3 w/ codeine") == ("tylenol", "no", "3", "with", "codeine")   # "#3" reads "No. 3"
    big = ["lisinopril 10 mg"] * 9_999 + ["Percocet 5/325"]
    result = ruleset.matcher.classify(big)
    assert len(result) == 10_000 and result[-1].classes == ["opioid_agonist"]


@pytest.mark.skipif(not (SHARED / "fhir-samples").is_dir(), reason="shared/fhir-samples is not beside the project")
def test_fhir_sample_patients(ruleset: RuleSet) -> None:
    found = {}
    for path in sorted((SHARED / "fhir-samples").glob("*.json")):
        texts = medication_texts(json.loads(path.read_text(encoding="utf-8")), statuses=None)  # every name ever
        found[path.name] = set().union(*(set(r.classes) for r in ruleset.matcher.classify(texts))) & SCREENED
    marine = next(v for k, v in found.items() if "Marine542" in k)
    assert marine == {"opioid_agonist", "immunosuppressant_transplant"}
    assert all(v == set() for k, v in found.items() if "Marine542" not in k), found


def _strings(data: object) -> list[str]:
    """Every string in parsed YAML, keys included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


def _words_without_short_cuts(text: str) -> tuple[str, ...]:
    """_words as it was before its short cuts (substitutions that cannot match, stripping no full stop)."""
    text = text.lower().replace("w/", "with ").replace("_", " ")
    text = _NUMBER_SIGN.sub(" no ", text)
    text = _PUNCT.sub(" ", text)
    text = _DIGIT_LETTER.sub(r"\1 \2", text)
    return tuple(w for w in (word.strip(".") for word in text.split()) if w)


def test_the_short_cuts_read_every_rule_file_name_and_line_as_before(ruleset: RuleSet) -> None:
    """_clean_unicode skips NFKC and the look-alike folding for ASCII, and _words skips steps that cannot
    change its result: over every string of the medication rule files and every test line, nothing changes."""
    files = [DEFAULT_RULES_DIR / "medication-vocabulary.yaml",
             *sorted((DEFAULT_RULES_DIR / "medications").glob("*.yaml"))]
    texts = [s for f in files for s in _strings(load_yaml(f.read_text(encoding="utf-8")))]
    assert len(texts) > 5000 and sum(not t.isascii() for t in texts) > 20   # the general path is exercised too
    texts += [chr(c) for c in range(128)] + ["a\tb\x00c\x7fd", "Tylenol\x0b#3 w/ codeine", "", "  ", "5 \u00b5g"]
    texts += [r["line"] for r in rows(OWN_CORPUS)] + ["No.3", "no. 4", "Tylenol #3", "#", "no.", "NO.12", "x#y"]
    confusables = dict(ruleset.matcher.vocabulary.confusables)
    for text in texts:
        for folding in (confusables, {}):
            assert _clean_unicode(text, folding) == _clean_unicode_general(text, folding), repr(text)
        assert name_words(text) == normalise(text)
        assert _words(text) == _words_without_short_cuts(text), repr(text)
        assert _words(text.lower()) == _words_without_short_cuts(text.lower()), repr(text)
