"""The summary a clinician downloads: what it must say, and that nothing typed can inject into it."""

from __future__ import annotations

import re

from screening.report import md_escape, render_html, render_markdown
from screening.ruleset import RuleSet
from tests.helpers import fired, recent_opioid, run

DISCUSSION_HEADINGS = ["Dose", "Starting and increasing the dose", "When to take it", "Common effects",
                       "Time to benefit", "Follow-up", "Off-label use", "Compounding and cost",
                       "What the evidence says"]


def test_summary_states_its_purpose_date_version_and_hash(ruleset: RuleSet) -> None:
    result = run(ruleset, {"opioid_current": "yes"})
    for text in (render_markdown(result, ruleset), render_html(result, ruleset)):
        assert "summary" in text and "not a decision" in text
        assert "2026-11-23" in text and ruleset.version in text and ruleset.sha256 in text


def test_summary_has_both_views_and_every_general_ldn_point(ruleset: RuleSet) -> None:
    md = render_markdown(run(ruleset, {}), ruleset)
    assert "## Clinician view" in md and "## Patient discussion view" in md
    for heading in DISCUSSION_HEADINGS:
        assert md.count(f"**{heading}:**") == 2, heading          # once per view
    assert "0.5–4.5 mg" in md and "off-label" in md and "no clear effect" in md


def test_summary_with_no_findings_still_lists_open_questions_and_says_so(ruleset: RuleSet) -> None:
    md = render_markdown(run(ruleset, {"opioid_current": "no"}), ruleset)
    assert "No findings came from the questions answered" in md
    assert "never a sign of no concern" in md
    assert "Has the patient taken any opioid in the past 30 days" in md


def test_each_finding_in_the_summary_shows_why_discussion_change_and_sources(ruleset: RuleSet) -> None:
    result = run(ruleset, recent_opioid("tramadol", "immediate_release", 3))
    md = render_markdown(result, ruleset)
    assert "#### [CRITICAL] Short-acting opioid within 7 days" in md
    for label in ("Triggered by", "Why it matters", "Where sources disagree", "To discuss", "What would change this",
                  "Sources"):
        assert f"**{label}:**" in md
    # sources by title and link, never a file name (issue 10)
    assert "LDN for Pain: Your Guide to a Non-Opioid Solution" in md and "https://prescriberpoint.com" in md
    assert "001_7497dfaf1ba77572.txt" not in md and "seed file" not in md


def test_html_is_one_self_contained_printable_file(ruleset: RuleSet) -> None:
    html = render_html(run(ruleset, {"liver_acute": "yes"}), ruleset)
    assert "<script" not in html.lower()
    assert not re.search(r"""<(link|img|iframe)\b""", html, re.I)
    assert "@media print" in html and "default-src 'none'" in html
    assert "CRITICAL" in html       # severity in words, not colour alone


def test_text_from_a_case_file_is_inert_in_html_and_markdown(ruleset: RuleSet) -> None:
    payload = "<img src=x onerror=alert(1)>**bold**[link](http://evil.example)"
    result = run(ruleset, {payload: "yes", "opioid_agent": payload, "opioid_current": "yes"})
    html = render_html(result, ruleset)
    assert "<img" not in html and "&lt;img src=x" in html
    md = render_markdown(result, ruleset)
    unescaped = re.compile(r"(?<!\\)(<img|\[link|\*\*bold)")
    assert "img src" in md and not unescaped.search(md)


def test_markdown_escape_neutralises_markup() -> None:
    # brackets are escaped, so "(b)" cannot become a link target and needs no escape of its own
    assert md_escape("# *x* [a](b) <i>") == r"\# \*x\* \[a\](b) \<i\>"


def test_patient_view_uses_plain_severity_words(ruleset: RuleSet) -> None:
    result = run(ruleset, {"opioid_current": "yes", "thyroid_hormone": "yes"})
    assert fired(result)["opioid-current-use"] == "critical"
    patient = render_markdown(result, ruleset).split("## Patient discussion view")[1]
    assert "Must be resolved first: Opioid use now." in patient   # the plain patient title (issue 10)
    assert "Needs your clinician's assessment" in patient
    assert "critical" not in patient.split("## Sources")[0].lower()
