"""Loading the rule set: what it holds, the hash, caching-friendly immutability, and extension by YAML."""

from __future__ import annotations

from datetime import date

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from screening.loader import DEFAULT_RULES_DIR, load_ruleset
from screening.session import Screening
from screening.ruleset import RuleSet
from screening.yaml_io import YamlError, load_yaml
from tests.helpers import SCREENING_DATE, fired

NEW_TOPIC = """\
topic: {id: seizures, title: Seizures, order: 60}
questions:
  - id: seizure_disorder
    prompt: Does the patient have a seizure disorder?
    type: yes_no
rules:
  - id: seizure-disorder-review
    title: Seizure disorder
    category: medication
    severity: warning
    status: active
    when: {equals: {question: seizure_disorder, value: "yes"}}
    wording:
      summary: "Seizure disorder: review with the neurologist before starting."
      why: Test rule added in a temporary rules folder.
      discuss: [Ask the neurologist.]
      would_change: No seizure disorder.
      patient: Your neurologist will be asked first.
    sources: [seed-001]
    last_reviewed: 2026-11-23
"""


def copy_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    return rules


def test_the_shipped_rule_set_covers_the_checklist_topics(ruleset: RuleSet) -> None:
    """The four contraindications the source documents list are there; a topic someone adds is welcome."""
    assert {"opioids", "transplant", "liver", "thyroid"} <= {t.id for t in ruleset.topics}
    categories = {cr.rule.category for cr in ruleset.rules}
    assert {"opioid", "transplant", "liver", "thyroid", "antagonist", "surgery", "pregnancy", "renal",
            "hypersensitivity", "medication"} <= categories


def test_every_rule_cites_a_source_and_was_reviewed(ruleset: RuleSet) -> None:
    for cr in ruleset.rules:
        assert cr.rule.sources and all(s in ruleset.sources for s in cr.rule.sources)
        assert cr.rule.last_reviewed <= date.today()          # reviewed, and not in the future


def test_adding_a_contraindication_needs_only_a_yaml_file(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "topics" / "06-seizures.yaml").write_text(NEW_TOPIC, encoding="utf-8")
    extended = load_ruleset(rules)
    result = Screening.of(extended, {"seizure_disorder": "yes"}, SCREENING_DATE).result
    assert fired(result) == {"seizure-disorder-review": "warning"}
    assert "seizures" in [t.id for t in extended.topics]
    assert [t.order for t in extended.topics] == sorted(t.order for t in extended.topics)
    unanswered = Screening.of(extended, {}, SCREENING_DATE).result
    assert "seizure_disorder" in {n.question_id for n in unanswered.not_assessed}


def test_a_retired_rule_stays_in_the_file_but_never_fires(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "topics" / "06-seizures.yaml").write_text(NEW_TOPIC.replace("status: active", "status: retired"))
    extended = load_ruleset(rules)
    assert "seizure-disorder-review" in {r.id for r in extended.all_rules}
    assert fired(Screening.of(extended, {"seizure_disorder": "yes"}, SCREENING_DATE).result) == {}


def test_the_hash_changes_when_any_rule_file_changes(tmp_path: Path, ruleset: RuleSet) -> None:
    rules = copy_rules(tmp_path)
    assert load_ruleset(rules).sha256 == ruleset.sha256
    liver = rules / "topics" / "03-liver.yaml"
    liver.write_text(liver.read_text(encoding="utf-8") + "\n# reviewed again\n", encoding="utf-8")
    assert load_ruleset(rules).sha256 != ruleset.sha256


def test_the_loaded_rule_set_cannot_be_changed(ruleset: RuleSet) -> None:
    with pytest.raises(ValidationError):
        ruleset.rules[0].rule.severity = "info"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ruleset.sources["seed-001"] = None  # type: ignore[index]


def test_yaml_keeps_yes_and_no_as_words_and_rejects_duplicate_keys() -> None:
    assert load_yaml("a: yes\nb: no\nc: true\nd: 2026-11-23") == {"a": "yes", "b": "no", "c": True, "d": "2026-11-23"}
    with pytest.raises(YamlError, match='duplicate key "a"'):
        load_yaml("a: 1\na: 2\n")


def test_yaml_never_builds_python_objects() -> None:
    with pytest.raises(YamlError):
        load_yaml("!!python/object/apply:os.system ['true']")
