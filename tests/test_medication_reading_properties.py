"""Properties of the reader (hypothesis): an unknown word never makes an opioid line "read, no opioid",
and the order of strength and frequency never changes what a line is."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.loader import load_ruleset
from tests.medication_sets import WORLD_SET, read_set

RULESET = load_ruleset()
MATCHER = RULESET.matcher
OPIOID_LINES = [r.line for r in read_set(WORLD_SET) if "opioid_agonist" in r.classes and not r.stopped]
NAMES = sorted({r.line.split()[0] for r in read_set(WORLD_SET) if r.classes and r.line.split()[0].isalpha()})
STRENGTHS = ["5 mg", "10mg", "7.5/325", "25 mcg/hr", "0.5 ml", "100 micrograms", "30/500"]
FREQUENCIES = ["bd", "q6h prn", "twice daily", "at night", "qid", "every 4 hours as needed", "mane"]


def _unknown(word: str) -> bool:
    row = MATCHER.classify_line(1, word)
    return row.status == "unrecognised" and not row.stopped


unknown_words = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=3, max_size=9).filter(_unknown)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(line=st.sampled_from(OPIOID_LINES), word=unknown_words, at_start=st.booleans())
def test_an_unknown_word_never_turns_an_opioid_line_into_read_with_no_opioid(line: str, word: str,
                                                                              at_start: bool) -> None:
    text = f"{word} {line}" if at_start else f"{line} {word}"
    row = MATCHER.classify_line(1, text)
    assert not (row.status == "recognised" and "opioid_agonist" not in row.classes), (text, row)
    assert row.status != "recognised" or word not in row.leftover


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(NAMES), strength=st.sampled_from(STRENGTHS), frequency=st.sampled_from(FREQUENCIES),
       order=st.permutations([0, 1]))
def test_the_order_of_strength_and_frequency_never_changes_the_classes(name: str, strength: str, frequency: str,
                                                                       order: list[int]) -> None:
    parts = [strength, frequency]
    first = MATCHER.classify_line(1, f"{name} {strength} {frequency}")
    shuffled = MATCHER.classify_line(1, f"{name} {parts[order[0]]} {parts[order[1]]}")
    assert shuffled.classes == first.classes and shuffled.long_acting == first.long_acting
    assert shuffled.status == first.status


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_is_read_without_an_error_and_never_read_in_full_by_accident(text: str) -> None:
    row = MATCHER.classify_line(1, text)
    assert row.status in ("recognised", "partly_read", "unrecognised", "empty")
    if row.status == "recognised":
        assert row.leftover == [] and row.product and not row.mixed_script
