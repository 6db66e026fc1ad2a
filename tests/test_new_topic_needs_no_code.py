"""Adding a contraindication needs no code change: a topic file and two case files are enough.

A contributor's new topic (a question, a rule, a must-fire and a must-not-fire case) goes into a copy of
rules/ and cases/; the golden, loader and app tests then run against that copy, unchanged, and pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from screening.loader import PROJECT_DIR

TOPIC = """\
topic: {id: contributor_example, title: Contributor example, order: 70}
questions:
  - id: contributor_example_present
    prompt: Does the patient have the condition this contributor's example topic asks about?
    type: yes_no
rules:
  - id: contributor-example-review
    title: Contributor example condition
    category: medication
    severity: warning
    status: active
    when: {equals: {question: contributor_example_present, value: "yes"}}
    wording:
      summary: "Contributor example condition: review it before starting."
      why: An example rule that shows a topic can be added as data alone.
      discuss: [Ask about it.]
      would_change: The condition is absent.
      patient: We will ask you about this condition first.
    sources: [seed-001]
    last_reviewed: 2026-11-23
"""

CASE = """\
title: {title}
narrative: A patient seen in a contributor's worked example.
topics: [contributor_example]
difficulty: introductory
screening_date: 2026-11-23
answers:
  contributor_example_present: "{answer}"
expected:
  findings: [{findings}]
  not_assessed: []
"""


def test_a_new_topic_passes_the_golden_loader_and_app_tests_with_no_python_change(tmp_path: Path) -> None:
    rules, cases = tmp_path / "rules", tmp_path / "cases"
    shutil.copytree(PROJECT_DIR / "rules", rules)
    shutil.copytree(PROJECT_DIR / "cases", cases)
    (rules / "topics" / "70-contributor-example.yaml").write_text(TOPIC, encoding="utf-8")
    (cases / "contributor-example-present-is-a-warning.yaml").write_text(CASE.format(
        title="Example condition present", answer="yes",
        findings="{rule_id: contributor-example-review, severity: warning}"), encoding="utf-8")
    (cases / "contributor-example-absent-has-no-finding.yaml").write_text(CASE.format(
        title="Example condition absent", answer="no", findings=""), encoding="utf-8")

    env = {**os.environ, "LDN_RULES_DIR": str(rules), "LDN_CASES_DIR": str(cases)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                           "tests/test_golden_cases.py", "tests/test_loader.py", "tests/test_app.py"],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    # and the new topic really was in play: its cases were screened by the golden test
    assert "contributor-example-present-is-a-warning" in subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", "tests/test_golden_cases.py"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120).stdout
