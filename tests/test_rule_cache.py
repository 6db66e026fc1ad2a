"""The rule-file cache only replaces "YAML text -> plain data": the rule set, and every refusal, stay the same."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from screening import rule_cache
from screening.case_file import load_case
from screening.session import Screening
from screening.errors import RuleSetError
from screening import loader
from screening.loader import DEFAULT_CASES_DIR, DEFAULT_RULES_DIR
from screening.ruleset import RuleSet
from screening.yaml_io import YamlError, load_yaml
from tests.helpers import SCREENING_DATE

ANSWERS = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
           "opioid_formulation": "immediate_release", "opioid_last_dose": "2026-11-14", "thyroid_hashimoto": "yes"}
MEDICATIONS = ["Tylenol #3 1 tab q6h prn", "OxyContin 10 mg bid", "levothyroxine 50 mcg daily"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LDN_CACHE_DIR", str(folder))
    return folder


def load_ruleset(rules_dir: Path | str = DEFAULT_RULES_DIR) -> RuleSet:
    """The command line's load: with the rule-file cache (the app and the CDS service load without it)."""
    return loader.load_ruleset(rules_dir, data_cache=True)


def count_yaml_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the cache hands to the YAML reader from now on."""
    texts: list[str] = []

    def counting(text: str, **kwargs: Any) -> Any:
        texts.append(text)
        return load_yaml(text, **kwargs)

    monkeypatch.setattr(rule_cache, "load_yaml", counting)
    return texts


def refuse_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refusing(text: str, **kwargs: Any) -> Any:
        raise AssertionError("the YAML reader ran although every entry was in the cache")

    monkeypatch.setattr(rule_cache, "load_yaml", refusing)


def fingerprint(ruleset: RuleSet) -> tuple[Any, ...]:
    """What a loaded rule set holds and what it decides, comparable across loads."""
    result = Screening.of(ruleset, ANSWERS, SCREENING_DATE, medications=MEDICATIONS).result
    return (ruleset.sha256, ruleset.meta, ruleset.all_rules, [cq.question for cq in ruleset.questions],
            dict(ruleset.sources), dict(ruleset.tables), dict(ruleset.facts), ruleset.fhir, ruleset.cds,
            [c.decl for c in ruleset.contradictions], result.model_dump(),
            ruleset.matcher.classify(MEDICATIONS))


def copy_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    return rules


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_a_second_load_reads_no_yaml_and_gives_the_same_rule_set(cache: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDN_CACHE_DIR", "off")
    uncached = fingerprint(load_ruleset())
    monkeypatch.setenv("LDN_CACHE_DIR", str(cache))
    first = fingerprint(load_ruleset())
    assert len(entries(cache)) == len(list(DEFAULT_RULES_DIR.glob("**/*.yaml")))
    refuse_yaml(monkeypatch)
    assert fingerprint(load_ruleset()) == first == uncached


def test_an_edited_rule_file_is_read_again(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = copy_rules(tmp_path)
    load_ruleset(rules)
    source = rules / "sources.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    reads = count_yaml_reads(monkeypatch)
    edited = load_ruleset(rules)
    assert reads == [source.read_text(encoding="utf-8")]          # only the edited file, from its new text
    assert any(s.title.startswith("Edited ") for s in edited.sources.values())


@pytest.mark.parametrize("garbage", [b"", b"not json {", b"\xff\xfe", b"[1, 2]", b'{"key": "another", "data": {}}',
                                     b'{"data": {}}', b'{"key": "KEY", "data": {}, "more": 1}', b"[" * 100_000])
def test_a_damaged_entry_is_ignored_and_replaced(garbage: bytes, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = fingerprint(load_ruleset())
    for entry in entries(cache):
        entry.write_bytes(garbage.replace(b"KEY", entry.stem.encode()))
    reads = count_yaml_reads(monkeypatch)
    assert fingerprint(load_ruleset()) == first
    assert len(reads) == len(entries(cache))                      # every file read again from its YAML ...
    for entry in entries(cache):                                  # ... and its entry written afresh
        assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem


def test_off_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDN_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_ruleset()
    reads = count_yaml_reads(monkeypatch)
    load_ruleset()
    assert len(reads) == len(list(DEFAULT_RULES_DIR.glob("**/*.yaml")))
    assert list(tmp_path.iterdir()) == []


def test_without_ldn_cache_dir_the_user_cache_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LDN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert rule_cache.cache_dir() == tmp_path / "xdg" / "ldn-screening"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert rule_cache.cache_dir() == tmp_path / "home" / ".cache" / "ldn-screening"


def test_a_folder_that_cannot_be_written_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("LDN_CACHE_DIR", str(blocker / "cache"))   # a folder under a file: every write fails
    assert fingerprint(load_ruleset()) == fingerprint(load_ruleset())


def _refusal(rules: Path) -> str:
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(rules)
    return caught.value.report()


@pytest.mark.parametrize("edit", [
    lambda text: text.replace("severity: warning", "severity: severe", 1),      # not a severity
    lambda text: text.replace("\nrules:\n", "\nunknown_field: 1\nrules:\n", 1),   # not part of the schema
    lambda text: text.replace("sources: [", "sources: [no-such-source, ", 1),    # a cross-check: unknown source
], ids=["bad-value", "unknown-field", "unknown-source"])
def test_a_file_that_fails_validation_fails_the_same_way_from_the_cache(
        edit: Callable[[str], str], cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = copy_rules(tmp_path)
    topic = rules / "topics" / "01-opioids.yaml"
    edited = edit(topic.read_text(encoding="utf-8"))
    assert edited != topic.read_text(encoding="utf-8")
    topic.write_text(edited, encoding="utf-8")
    first = _refusal(rules)
    assert "rules/topics/01-opioids.yaml" in first
    refuse_yaml(monkeypatch)
    assert _refusal(rules) == first


def test_a_file_that_is_not_yaml_is_never_cached(cache: Path, tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "topics" / "01-opioids.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    first = _refusal(rules)
    assert "not valid YAML" in first and _refusal(rules) == first
    with pytest.raises(YamlError):
        rule_cache.load_rule_yaml("topic: [unclosed\n")


@pytest.mark.parametrize("text", ["1: an integer key\n", "true: a boolean key\n", "null: a null key\n",
                                  "a: .nan\n", "a: [.inf]\n", "a: !!binary aGVsbG8=\n", "a: !!set {x, y}\n"])
def test_data_that_json_does_not_give_back_is_not_cached(text: str, cache: Path) -> None:
    """An integer key comes back from JSON as a string, NaN is not equal to itself: such data is not kept."""
    assert repr(rule_cache.load_rule_yaml(text)) == repr(load_yaml(text))
    assert entries(cache) == []


def test_data_that_json_gives_back_is_cached_and_read_back_equal(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ('a: yes\nb: [1, 2.5, -0.0, "x\\U0001F600y", null, true]\n'
            'c: {d: 2026-11-23, e: "\\u00e9"}\nf: &x [1]\ng: *x\n')
    data = rule_cache.load_rule_yaml(text)
    assert len(entries(cache)) == 1
    refuse_yaml(monkeypatch)
    assert rule_cache.load_rule_yaml(text) == data == load_yaml(text)


def test_the_key_follows_the_text_and_the_reader() -> None:
    version = rule_cache.reader_version()
    assert version is not None
    assert rule_cache.entry_key("a: 1\n", version) != rule_cache.entry_key("a: 2\n", version)
    assert rule_cache.entry_key("a: 1\n", version) != rule_cache.entry_key("a: 1\n", "another reader")


def test_case_files_never_reach_the_cache(cache: Path) -> None:
    """Case files are patient data: they are read without the cache and nothing of them is written."""
    for case in sorted(DEFAULT_CASES_DIR.glob("*.yaml"))[:10]:
        load_case(case)
    assert not cache.exists()


def test_the_app_and_the_services_neither_read_nor_write_the_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's rules come from its rules folder alone: a planted entry changes nothing, and none is written."""
    assert loader.load_ruleset().version and entries(cache) == []
    load_ruleset()                                                 # the CLI fills the cache
    planted = entries(cache)
    for entry in planted:
        entry.write_text(entry.read_text(encoding="utf-8").replace('"version": "', '"version": "9', 1), encoding="utf-8")
    assert load_ruleset().version.startswith("9")                  # the CLI would read a planted entry ...
    assert not loader.load_ruleset().version.startswith("9")       # ... the app's and the service's load never do
