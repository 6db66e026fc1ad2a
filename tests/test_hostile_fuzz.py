"""Fuzz (issue 15): generated nested, aliased, oversized and look-alike inputs through the case-file
loader and the record verifier. Every input ends in a result or a clear InputError, within a time and
memory budget per input; a bounded number of examples keeps the whole file under a minute in CI.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.case_file import parse_case
from screening.session import Screening
from screening.errors import InputError
from screening.loader import load_ruleset
from screening.record import NotARecord, content_sha256, make_record, verify_record
from screening.report import render_html
from screening.text_safety import BIDI_CONTROLS
from tests.helpers import SCREENING_DATE

RULESET = load_ruleset()
KEY = b"fuzz-only-key-0123456789abcdef"
PER_INPUT_SECONDS = 10.0     # generous: 2 shared cores and tracemalloc's overhead; the bugs took 70-151 s
PER_INPUT_BYTES = 64 * 1024 * 1024
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.data_too_large])

# Characters that hide or disguise text: format characters, combining marks, look-alikes, bidi controls.
TRICKY = st.sampled_from(["\u034f", "\u180e", "\ufe0f", "\U000e0020", "\u2800", "\u00a0", "\u200b", "\u202e", "\u2066",
                          "\u0435", "\u043e", "\u0430", "\u0456", "-", "\t", "\r", "&", "*", "!", "{", "[", ":",
                          "\\", "\"", "'"])
WORDS = st.sampled_from(["oxycodone", "fentanyl", "Norco 10/325", "tramadol", "levothyroxine", "yes", "no",
                         "2026-11-01", "opioid_current", "answers", "medications", "screening_date"])
TEXT = st.lists(st.one_of(WORDS, TRICKY, st.text(max_size=8)), max_size=12).map("".join)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
                    st.floats(allow_nan=True), TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(TEXT, inner, max_size=4)), max_leaves=20)


@st.composite
def case_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A case-file text and its file name: structured, nested, aliased, oversized or plain garbage."""
    kind = draw(st.sampled_from(["structured", "nested", "aliased", "oversized", "garbage"]))
    if kind == "structured":
        data: dict[str, Any] = {"screening_date": draw(st.sampled_from(["2026-11-23", "9999-12-31", "0001-01-01",
                                                                        "2026-02-30", "x"]))}
        data["answers"] = draw(st.dictionaries(st.one_of(WORDS, TEXT), VALUES, max_size=5))
        data["medications"] = draw(st.one_of(st.lists(TEXT, max_size=6), TEXT, VALUES))
        data.update(draw(st.dictionaries(TEXT, VALUES, max_size=2)))
        as_json = draw(st.booleans())
        return json.dumps(data, ensure_ascii=draw(st.booleans())), "case.json" if as_json else "case.yaml"
    if kind == "nested":
        depth = draw(st.sampled_from([5, 33, 100, 1000, 30000]))
        opener = draw(st.sampled_from(["[", "{a: ", "- ", '{"a": ', "[{"]))
        closer = {"[": "]", "{a: ": "}", "- ": "", '{"a": ': "}", "[{": "}]"}[opener]
        body = opener * depth + draw(st.sampled_from(["1", "x", ""])) + closer * depth
        return draw(st.sampled_from(["", "screening_date: 2026-11-23\nanswers: "])) + body, \
            draw(st.sampled_from(["case.yaml", "case.json"]))
    if kind == "aliased":
        fan = draw(st.integers(min_value=2, max_value=12))
        levels = draw(st.integers(min_value=1, max_value=8))
        lines = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]" for i in range(1, levels)]
        return "\n".join(lines + ["screening_date: 2026-11-23"]) + "\n", "case.yaml"
    if kind == "oversized":
        unit = draw(st.sampled_from(["  - oxycodone 5 mg\n", "9", "x", "  - [a, b]\n"]))
        count = draw(st.sampled_from([500, 5000, 200_000]))
        return "screening_date: 2026-11-23\nmedications:\n" + unit * count, "case.yaml"
    return draw(st.text(max_size=400)), draw(st.sampled_from(["case.yaml", "case.json", "case.yml"]))


def bounded(fn: Any, *args: Any) -> Any:
    """Run fn, asserting the time and memory budget; return its result or the InputError it raised."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        return fn(*args)
    except InputError as exc:
        assert len(exc.report()) < 4000, "a message repeats the input"
        return exc
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert elapsed < PER_INPUT_SECONDS, f"{elapsed:.1f} s"
        assert peak < PER_INPUT_BYTES, f"{peak / 1e6:.0f} MB"


@FUZZ
@given(case_texts())
def test_the_case_loader_gives_a_case_or_a_clear_error_within_budget(item: tuple[str, str]) -> None:
    text, name = item
    case = bounded(parse_case, text, name)
    if isinstance(case, InputError):
        return
    result = bounded(lambda: Screening.from_case(RULESET, case).result)
    assert not BIDI_CONTROLS.search(render_html(result, RULESET))


GENUINE = make_record(Screening.of(RULESET, {"opioid_current": "yes"}, SCREENING_DATE, ["Norco 10/325"]).result,
                      {"opioid_current": "yes"}, ["Norco 10/325"], key=KEY)


@FUZZ
@given(st.dictionaries(st.sampled_from(["answers", "findings", "medications", "not_assessed", "screening_date",
                                        "ruleset", "format", "signature", "extra"]), VALUES, min_size=1, max_size=3),
       st.booleans())
def test_an_edited_record_is_never_trusted_and_never_crashes(edits: dict[str, Any], rehash: bool) -> None:
    data = json.loads(GENUINE)
    before = json.dumps(data, sort_keys=True)
    data.update(edits)
    if json.dumps(data, sort_keys=True) == before:
        return
    if rehash:
        data["record_sha256"] = content_sha256(data)
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    check = bounded(verify_record, text, RULESET, "record.json", KEY)
    if isinstance(check, InputError):
        assert isinstance(check, NotARecord)
        return
    assert not check.trusted and not check.green, check.messages


@FUZZ
@given(case_texts())
def test_the_record_verifier_takes_any_text_within_budget(item: tuple[str, str]) -> None:
    check = bounded(verify_record, item[0], RULESET, "record.json", KEY)
    assert isinstance(check, NotARecord) or not check.green
