"""Hostile case files (issue 15): each is refused quickly with a message naming the problem, never a
crash, a traceback, minutes of CPU or gigabytes of memory; through the loader and through the CLI.

Before the fix: `[`*30000 segfaulted the process (PyYAML's C composer recursing), a 393-byte alias
bomb used 3.6 GB, `opioid_current: [yes]` and a 5000-digit integer printed tracebacks with exit 1
("rule set invalid"), 9999-12-31 overflowed the look-ahead, JSON duplicate keys were accepted.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from screening import limits
from screening.case_file import parse_case
from screening.errors import InputError
from screening.medication_input import csv_column_lines, read_csv
from screening.yaml_io import load_yaml

ROOT = Path(__file__).resolve().parent.parent
CLI_EXIT_INPUT = 2

DEEP = "[" * 30000 + "]" * 30000
DEEP_YAML_FLOW = "screening_date: 2026-11-23\nanswers: " + "{a: " * 25000 + "1" + "}" * 25000 + "\n"   # ~100 KB
DEEP_YAML_BLOCK = "- " * 40000 + "x\n"
ALIAS_BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
              + "".join(f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
              + "screening_date: 2026-11-23\nanswers:\n  opioid_current: *i\n")   # printed in full in an error
BIG_INT_YAML = "screening_date: 2026-11-23\nanswers:\n  opioid_current: " + "9" * 5000 + "\n"
BIG_INT_JSON = '{"screening_date": "2026-11-23", "answers": {"opioid_current": ' + "9" * 5000 + "}}"
LIST_ANSWER = "screening_date: 2026-11-23\nanswers:\n  opioid_current: [yes]\n"
FAR_DATE = "screening_date: 9999-12-31\nanswers:\n  opioid_current: no\n"
FAR_ANSWER_DATE = ("screening_date: 2026-11-23\nanswers:\n  opioid_current: no\n  opioid_past_30_days: yes\n"
                   "  opioid_last_dose: 0001-01-01\n")
DUPLICATE_JSON = '{"screening_date": "2026-11-23", "answers": {"opioid_current": "no", "opioid_current": "yes"}}'
LONG_CASE = "screening_date: 2026-11-23\nmedications:\n" + "".join(f"  - gabapentin {i} mg\n" for i in range(20000))
LIST_501 = "screening_date: 2026-11-23\nmedications:\n" + "".join(f"  - gabapentin {i} mg\n" for i in range(501))
LONG_LINE = "screening_date: 2026-11-23\nmedications:\n  - " + "oxycodone " * 400 + "\n"
HUGE_VALUE = "screening_date: 2026-11-23\nanswers:\n  opioid_agent: " + "x" * 100_000 + "\n"

# name -> (file text, words the message must contain)
HOSTILE: dict[str, tuple[str, str]] = {
    "deep.yaml": (DEEP, "nested more than"),
    "deep-flow.yaml": (DEEP_YAML_FLOW, "nested more than"),
    "deep-block.yaml": (DEEP_YAML_BLOCK, "nested more than"),
    "deep.json": ("{" + '"a": [' * 30000 + "]" * 30000 + "}", "nested more than"),
    "list-not-object.json": (DEEP, "must start with {"),
    "alias-bomb.yaml": (ALIAS_BOMB, "anchors and aliases"),
    "big-int.yaml": (BIG_INT_YAML, "thousands of digits"),
    "big-int.json": (BIG_INT_JSON, "thousands of digits"),
    "list-answer.yaml": (LIST_ANSWER, 'answer "opioid_current" is a list'),
    "far-date.yaml": (FAR_DATE, "outside the dates this tool accepts"),
    "far-answer-date.yaml": (FAR_ANSWER_DATE, "outside the dates this tool accepts"),
    "duplicate.json": (DUPLICATE_JSON, 'duplicate key "opioid_current"'),
    "long-case.yaml": (LONG_CASE, "far larger than any screening"),
    "list-501.yaml": (LIST_501, f"at most {limits.MAX_LIST_LINES} are read"),
    "long-line.yaml": (LONG_LINE, f"longer than {limits.MAX_LINE_CHARS} characters"),
    "huge-value.yaml": (HUGE_VALUE, "characters long"),
    "huge-key.json": ('{"screening_date": "2026-11-23", "answers": {"' + "k" * 100_000 + '": "yes"}}', "answer key is"),
    "huge-top-key.json": ('{"screening_date": "2026-11-23", "' + "k" * 100_000 + '": "yes"}', "unknown key"),
    "complex-key.yaml": ("screening_date: 2026-11-23\nanswers: {[a]: yes}\n", "a key must be a plain value"),
    "many-bad-entries.yaml": ("screening_date: 2026-11-23\nmedications:\n" + "  - [a, b]\n" * 400,
                              "the first 10 are listed"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_case_file_is_refused_quickly_with_a_short_clear_message(name: str) -> None:
    text, words = HOSTILE[name]
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        parse_case(text, name)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    message = caught.value.report()
    assert words in message, message
    assert elapsed < 2.0, f"{name}: {elapsed:.2f} s"
    assert peak < 50 * 1024 * 1024, f"{name}: {peak / 1e6:.0f} MB"
    assert len(message) < 2000, f"{name}: the message repeats the value ({len(message)} characters)"


def test_a_json_file_that_is_not_an_object_is_refused_as_json_not_read_as_yaml() -> None:
    with pytest.raises(InputError, match="not a JSON case file"):
        parse_case("screening_date: 2026-11-23\n", "looks-like-yaml.json")


def test_rule_files_may_still_use_anchors_but_not_nest_without_bound() -> None:
    assert load_yaml("a: &x [1]\nb: *x\n") == {"a": [1], "b": [1]}
    with pytest.raises(ValueError, match="nested more than"):
        load_yaml(DEEP)


def test_error_messages_name_the_field_and_cap_the_value() -> None:
    text = "screening_date: 2026-11-23\ndifficulty: " + "z" * 50_000 + "\n"
    with pytest.raises(InputError) as caught:
        parse_case(text, "case.yaml")
    message = caught.value.report()
    assert 'field "difficulty"' in message and "more characters" in message and len(message) < 400, message


def test_the_golden_cases_still_load() -> None:
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        parse_case(path.read_text(encoding="utf-8"), path.name)


def test_a_100k_row_csv_column_is_refused_with_a_message_not_read() -> None:
    data = ("medication\n" + "oxycodone 5 mg\n" * 100_000).encode()
    frame = read_csv(data, "big.csv")
    started = time.perf_counter()
    with pytest.raises(InputError, match=f"at most {limits.MAX_LIST_LINES} are read"):
        csv_column_lines(frame, "medication", "big.csv")
    assert time.perf_counter() - started < 2.0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screening", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("name", ["deep.yaml", "deep-flow.yaml", "alias-bomb.yaml", "big-int.yaml", "big-int.json",
                                  "list-answer.yaml", "far-date.yaml", "duplicate.json", "long-case.yaml",
                                  "list-not-object.json"])
def test_the_cli_refuses_each_hostile_case_file_with_exit_2_and_no_traceback(name: str, tmp_path: Path) -> None:
    text, words = HOSTILE[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    done = _cli("check", str(path))
    assert done.returncode == CLI_EXIT_INPUT, (done.returncode, done.stderr[-500:])
    assert words in done.stderr and "Traceback" not in done.stderr, done.stderr[-500:]
    assert done.stdout == ""
    assert time.perf_counter() - started < 20


def test_the_cli_refuses_a_far_date_option_and_a_huge_list_file(tmp_path: Path) -> None:
    done = _cli("check", "cases/tramadol-stopped-9-days.yaml", "--date", "9999-12-31")
    assert done.returncode == CLI_EXIT_INPUT and "outside the dates" in done.stderr, done.stderr
    meds = tmp_path / "list.txt"
    meds.write_text("oxycodone 5 mg\n" * 20_000, encoding="utf-8")
    done = _cli("meds", str(meds))
    assert done.returncode == CLI_EXIT_INPUT and f"at most {limits.MAX_LIST_LINES}" in done.stderr, done.stderr


def test_the_look_ahead_reads_a_500_line_list_once_not_once_per_day(ruleset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from screening.engine import screen
    from screening.timeline import with_changes_ahead
    from tests.helpers import SCREENING_DATE, days_ago
    answers = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
               "opioid_formulation": "immediate_release", "opioid_last_dose": days_ago(9)}
    from screening.answers import parse_answers
    typed, _ = parse_answers(ruleset, answers, SCREENING_DATE)
    lines = [f"unknown tonic number {i}" for i in range(limits.MAX_LIST_LINES)]
    calls: list[int] = []
    original = type(ruleset.matcher).classify
    monkeypatch.setattr(type(ruleset.matcher), "classify",
                        lambda self, ls: calls.append(len(ls)) or original(self, ls))
    result = screen(ruleset, typed, SCREENING_DATE, medications=lines)
    ahead = with_changes_ahead(ruleset, typed, result, lines)
    assert ahead.changes_ahead, "the 7-13 day finding changes with time"
    assert calls == [limits.MAX_LIST_LINES], f"the list was read {len(calls)} times"


def test_the_look_ahead_gives_the_same_dates_as_re_screening_the_whole_list_each_day(ruleset) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from screening.answers import parse_answers
    from screening.engine import screen
    from screening.timeline import HORIZON_DAYS, changes_ahead
    from tests.helpers import SCREENING_DATE, days_ago
    for raw, lines in [
        ({"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
          "opioid_formulation": "immediate_release", "opioid_last_dose": days_ago(9)},
         ["mystery tonic", "levothyroxine 50 mcg", "", "Norco 10/325", "another unknown line"]),
        ({"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_last_dose": days_ago(5)}, ["mystery tonic"]),
        ({"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_last_dose": days_ago(5)}, ["", " "]),
    ]:
        typed, _ = parse_answers(ruleset, raw, SCREENING_DATE)
        result = screen(ruleset, typed, SCREENING_DATE, medications=lines)
        fast = changes_ahead(ruleset, typed, result, lines)
        slow: dict[str, list[tuple[object, ...]]] = {c: [] for c in fast}
        # a card (one cause) changes when its severities change: the same rule the timeline applies
        states = {c: sorted((f.rule_id, f.severity, f.title) for f in result.findings if f.card_key == c) for c in fast}
        for offset in range(1, HORIZON_DAYS + 1):
            day = SCREENING_DATE + timedelta(days=offset)
            later = screen(ruleset, typed, day, medications=lines)
            for c in fast:
                state = sorted((f.rule_id, f.severity, f.title) for f in later.findings if f.card_key == c)
                if sorted(s for _, s, _ in state) != sorted(s for _, s, _ in states[c]):
                    slow[c].append((day, state))
                    states[c] = state
        assert {c: [(x.on, x.findings) for x in v] for c, v in fast.items()} == slow, raw
