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


# ---- ids the code uses are declared in the rule files (issue 11) ----------------------------------------

def _rename_medication_topic(rules: Path, new_id: str, declared: str) -> None:
    topic = rules / "topics" / "06-medication-list.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace("  id: medications\n", f"  id: {new_id}\n", 1),
                     encoding="utf-8")
    meta = rules / "ruleset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("medication_topic: medications",
                                                             f"medication_topic: {declared}", 1), encoding="utf-8")


def test_the_medication_list_topic_can_be_renamed_in_the_rule_files_alone(tmp_path: Path) -> None:
    """Renaming the topic used to pass `validate` and then crash `check --format markdown`."""
    from screening.cli import main

    rules = copy_rules(tmp_path)
    _rename_medication_topic(rules, "medicines", "medicines")
    renamed = load_ruleset(rules)
    s = Screening.of(renamed, {"opioid_current": "no"}, SCREENING_DATE)
    assert {n.topic for n in s.result.not_assessed if n.question_id == "medication_list"} == {"medicines"}
    assert "No medication list was checked" in s.markdown()
    case = tmp_path / "case.yaml"
    case.write_text("screening_date: 2026-11-23\nanswers: {opioid_current: 'no'}\n", encoding="utf-8")
    assert main(["check", str(case), "--format", "markdown", "--rules", str(rules)]) == 0


def test_a_medication_topic_that_names_no_topic_is_refused_at_its_field(tmp_path: Path) -> None:
    from screening.errors import RuleSetError

    rules = copy_rules(tmp_path)
    _rename_medication_topic(rules, "medicines", "medications")
    with pytest.raises(RuleSetError, match=r'ruleset.yaml: field "medication_topic": "medications" is not a topic id'):
        load_ruleset(rules)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  opioid_agonist: opioid_agonist\n", "  opioid_agonist: opioids\n",
     r'field "class_roles.opioid_agonist": unknown medication class "opioids"'),
    ("classes: [thyroid_hormone]}", "classes: [thyroid]}", r'field "facts.\d+.classes": unknown medication class "thyroid"'),
])
def test_a_medication_class_the_vocabulary_does_not_declare_is_refused(tmp_path: Path, old: str, new: str,
                                                                      message: str) -> None:
    from screening.errors import RuleSetError

    rules = copy_rules(tmp_path)
    vocab = rules / "medication-vocabulary.yaml"
    text = vocab.read_text(encoding="utf-8")
    assert old in text
    vocab.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleSetError, match=message):
        load_ruleset(rules)


def test_an_opioid_ingredient_without_an_acting_is_refused(tmp_path: Path) -> None:
    from screening.errors import RuleSetError

    rules = copy_rules(tmp_path)
    files = [p for p in (rules / "medications").glob("*.yaml") if "acting: short" in p.read_text(encoding="utf-8")]
    text = files[0].read_text(encoding="utf-8")
    files[0].write_text(text.replace("acting: short", "acting: null", 1), encoding="utf-8")
    with pytest.raises(RuleSetError, match=r'field "acting": required \(short or long\) for the opioid class'):
        load_ruleset(rules)
