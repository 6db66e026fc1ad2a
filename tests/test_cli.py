"""The command line, run as a user would: `python -m screening ...` in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from screening.loader import DEFAULT_RULES_DIR, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "cases" / "tramadol-stopped-9-days.yaml"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screening", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_check_prints_findings_not_assessed_and_ruleset_as_json() -> None:
    done = cli("check", str(CASE))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"findings", "not_assessed", "ruleset"} <= set(out)
    first = out["findings"][0]
    assert {"rule_id", "category", "severity", "summary", "detail", "sources"} <= set(first)
    assert first["rule_id"] == "opioid-short-acting-7-to-13-days" and first["severity"] == "warning"
    assert {"question_id", "topic"} <= set(out["not_assessed"][0])
    assert out["ruleset"]["version"] == load_ruleset().version and len(out["ruleset"]["sha256"]) == 64


def test_check_date_option_overrides_the_case_date() -> None:
    later = json.loads(cli("check", str(CASE), "--date", "2026-11-30").stdout)
    assert "opioid-short-acting-7-to-13-days" not in {f["rule_id"] for f in later["findings"]}
    earlier = json.loads(cli("check", str(CASE), "--date", "2026-11-18").stdout)
    assert "opioid-short-acting-under-7-days" in {f["rule_id"] for f in earlier["findings"]}


def test_check_markdown_and_html_formats() -> None:
    md = cli("check", str(CASE), "--format", "markdown").stdout
    assert md.startswith("# LDN safety screening: summary for discussion")
    assert "## Patient discussion view" in md and "not a decision" in md
    html = cli("check", str(CASE), "--format", "html").stdout
    assert html.startswith("<!doctype html>") and "Patient discussion view" in html


def test_check_exits_2_naming_the_field_for_a_future_last_dose(tmp_path: Path) -> None:
    bad = tmp_path / "future.yaml"
    bad.write_text(CASE.read_text().replace("2026-11-14", "2026-12-14"))
    done = cli("check", str(bad))
    assert done.returncode == 2
    assert "answers.opioid_last_dose" in done.stderr and "after the screening date" in done.stderr
    assert done.stdout == ""


def test_check_exits_2_for_unknown_keys_impossible_dates_and_unknown_agents(tmp_path: Path) -> None:
    cases = {
        "unknown-key.yaml": ("screening_date: 2026-11-23\nanswerz: {}\n", "answerz"),
        "impossible-date.yaml": ("screening_date: 2026-02-30\nanswers: {}\n", "screening_date"),
        "unknown-agent.yaml": ("screening_date: 2026-11-23\nanswers:\n  opioid_current: 'yes'\n"
                               "  opioid_agent: oxycontinn\n", "unknown option 'oxycontinn'"),
        "wrong-type.yaml": ("screening_date: 2026-11-23\nanswers: [1, 2]\n", "answers"),
        "not-yaml.yaml": ("screening_date: [2026\n", "not valid YAML"),
    }
    for name, (text, expected) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        done = cli("check", str(path))
        assert done.returncode == 2, name
        assert expected in done.stderr and name in done.stderr, done.stderr


def test_json_case_files_work_too(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"screening_date": "2026-11-23", "answers": {"opioid_current": "yes"}}))
    out = json.loads(cli("check", str(path)).stdout)
    assert out["findings"][0]["rule_id"] == "opioid-current-use"


def test_validate_exits_0_for_the_shipped_rules_and_1_naming_the_problem(tmp_path: Path) -> None:
    assert cli("validate").returncode == 0
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    thyroid = rules / "topics" / "04-thyroid.yaml"
    thyroid.write_text(thyroid.read_text().replace("category: thyroid", "category: thyroyd"))
    done = cli("validate", str(rules))
    assert done.returncode == 1
    assert 'rules/topics/04-thyroid.yaml: rule "thyroid-hashimoto-or-thyroid-hormone": field "category": ' \
           'unknown category "thyroyd"' in done.stderr


def test_check_refuses_to_screen_with_an_invalid_rule_set(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    (rules / "topics" / "99-broken.yaml").write_text("topic: [\n")
    done = cli("check", str(CASE), "--rules", str(rules))
    assert done.returncode == 1 and done.stdout == ""
    assert "rules/topics/99-broken.yaml" in done.stderr and "nothing was screened" in done.stderr


def test_committed_json_schemas_are_up_to_date() -> None:
    done = cli("schema", "--check")
    assert done.returncode == 0, done.stderr


def test_cli_test_lists_every_case_that_differs_and_exits_1(tmp_path: Path) -> None:
    """Like semgrep's or Sigma's rule tests: one run names every offender, so an author fixes all at once."""
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("short-acting-6-days-is-critical.yaml", "acute-hepatitis-is-critical.yaml",
                 "every-question-answered-no-gives-no-findings.yaml"):
        shutil.copy(ROOT / "cases" / name, cases / name)
    for name in ("short-acting-6-days-is-critical.yaml", "acute-hepatitis-is-critical.yaml"):
        path = cases / name
        path.write_text(path.read_text(encoding="utf-8").replace("severity: critical", "severity: info"),
                        encoding="utf-8")
    done = cli("test", str(cases))
    assert done.returncode == 1
    assert "short-acting-6-days-is-critical.yaml: unexpected findings" in done.stderr
    assert "acute-hepatitis-is-critical.yaml: missing findings" in done.stderr
    assert "every-question-answered-no" not in done.stderr
    assert "3 cases with expected results checked, 2 with offences" in done.stderr


def test_cli_test_passes_on_the_shipped_cases() -> None:
    done = cli("test")
    assert done.returncode == 0, done.stderr
    assert "0 with offences" in done.stdout


def test_check_says_on_stderr_when_a_case_screens_otherwise_than_it_declares(tmp_path: Path) -> None:
    """`check` used to ignore a case's `expected:`; it still prints the screening, and notes the difference."""
    case = tmp_path / "case.yaml"
    case.write_text((ROOT / "cases" / "acute-hepatitis-is-critical.yaml").read_text(encoding="utf-8")
                    .replace("severity: critical", "severity: info"), encoding="utf-8")
    done = cli("check", str(case))
    assert done.returncode == 0 and json.loads(done.stdout)["findings"]
    assert "note: not as the case's expected: declares: unexpected findings" in done.stderr
    assert cli("check", str(ROOT / "cases" / "acute-hepatitis-is-critical.yaml")).stderr == ""
