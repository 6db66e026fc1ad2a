"""Every malformed rule file is refused whole, and the message names the file and the problem.

Each fixture in fixtures/malformed/ starts with two header comments:
    # target: topics/zz-bad.yaml        where the fixture goes in a copy of rules/ (may replace a file)
    # expect: unknown question "nope"   text the error report must contain
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from screening.errors import RuleSetError
from screening.loader import DEFAULT_RULES_DIR, load_ruleset

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "malformed").glob("*.yaml"))


def _header(text: str, key: str) -> str:
    for line in text.splitlines():
        if line.startswith(f"# {key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"fixture lacks a '# {key}:' header")


def test_there_are_at_least_twenty_malformed_fixtures() -> None:
    assert len(FIXTURES) >= 20


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_malformed_rule_file_is_refused_with_file_and_problem_named(fixture: Path, tmp_path: Path) -> None:
    text = fixture.read_text(encoding="utf-8")
    target, expect = _header(text, "target"), _header(text, "expect")
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / target).parent.mkdir(parents=True, exist_ok=True)
    (rules / target).write_bytes(fixture.read_bytes())

    with pytest.raises(RuleSetError) as caught:
        load_ruleset(rules)

    report = caught.value.report()
    assert f"rules/{target}" in report, report
    assert expect in report, report
    assert any(p.file == f"rules/{target}" and expect in str(p) for p in caught.value.problems), report


def test_missing_ruleset_file_is_named(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "ruleset.yaml").unlink()
    with pytest.raises(RuleSetError, match=r"rules/ruleset.yaml: required file is missing"):
        load_ruleset(rules)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """An author fixes everything in one pass: two bad rules in two files give two named problems."""
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    for name, old, new in (("01-opioids.yaml", "severity: warning", "severity: high"),
                           ("03-liver.yaml", "severity: warning", "severity: medium")):
        path = rules / "topics" / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(rules)
    report = caught.value.report()
    assert 'rules/topics/01-opioids.yaml: rule "opioid-short-acting-7-to-13-days": field "severity"' in report
    assert 'rules/topics/03-liver.yaml: rule "liver-chronic-disease": field "severity"' in report
    assert "'high'" in report and "'medium'" in report


def test_fixture_ids_cannot_collide_with_a_topic_someone_adds() -> None:
    """A fixture's own ids carry the `fixture` prefix: a contributor's new topic (alcohol, say) never
    turns a fixture into a duplicate-id error that hides the problem the fixture exists to show."""
    import re

    real = {found for path in DEFAULT_RULES_DIR.rglob("*.yaml")
            for found in re.findall(r"\bid: ([A-Za-z0-9_-]+)", path.read_text(encoding="utf-8"))}
    offenders = []
    for fixture in FIXTURES:
        for found in re.findall(r"\bid: ([A-Za-z0-9_-]+)", fixture.read_text(encoding="utf-8")):
            if found not in real and not found.startswith(("fixture", "Fixture")):
                offenders.append(f"{fixture.name}: {found}")
    assert offenders == []
