"""Shared bits of the page: icons by severity, and Markdown made safe for Streamlit."""

from __future__ import annotations

import re

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from screening.conditions import Answered, walk
from screening.loader import load_ruleset
from screening.report import ahead_text
from screening.result_models import Finding
from screening.ruleset import RuleSet
from screening.session import Screening

from . import keys
from .state import raw_answers

ICONS = {"critical": ":material/dangerous:", "warning": ":material/warning:", "info": ":material/info:"}
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


@st.cache_resource(show_spinner=False)
def cached_ruleset(rules_dir: str) -> RuleSet:
    """Parsed, validated and compiled once per process and folder; frozen, so sessions can share it."""
    return load_ruleset(rules_dir)


_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)((?:\\\\)*)\$")


def safe_md(text: str) -> str:
    """Streamlit reads $...$ as maths; clinical text uses $ for money. A dollar already escaped (user text
    through md_escape) stays escaped: escaping it twice would make it live again."""
    return _UNESCAPED_DOLLAR.sub(r"\1\\$", text)


def evaluate(ruleset: RuleSet, screening_date: date, medications: list[str] | None,
             prefix: str = keys.ANSWER_PREFIX) -> Screening:
    """Screen the checklist whose widgets carry this key prefix; once per distinct state, so the page's
    fragments (each topic, the findings, the progress) share one screening per click."""
    raw = raw_answers(st.session_state, ruleset, prefix)
    key = (ruleset.sha256, screening_date, tuple(medications) if medications is not None else None,
           tuple(raw.items()))
    memo: dict[str, tuple[Any, Screening]] = st.session_state.setdefault(keys.SCREENED_MEMO, {})
    if prefix in memo and memo[prefix][0] == key:
        return memo[prefix][1]
    screened = Screening.of(ruleset, raw, screening_date, medications, field_prefix="")   # the core's unit of work
    memo[prefix] = (key, screened)
    return screened


def current_medications() -> list[str] | None:
    """The medication list as the page holds it: None when nothing was entered (its facts stay unknown)."""
    from screening.medications import split_lines
    text = st.session_state.get(keys.MED_TEXT) or ""
    return split_lines(text) if text.strip() else None


def current(ruleset: RuleSet, prefix: str = keys.ANSWER_PREFIX) -> Screening:
    """The screening of the page's current state (answers, screening date, medication list)."""
    return evaluate(ruleset, st.session_state[keys.SCREENING_DATE], current_medications(), prefix)


def ahead_for(ruleset: RuleSet, screened: Screening) -> Callable[[Finding], str | None]:
    """'With time' text for a finding: the look-ahead runs only when a card asks, once per screening."""
    def ahead(f: Finding) -> str | None:
        return ahead_text(f, screened.result_with_changes, ruleset)
    return ahead


def topic_done(ruleset: RuleSet, screened: Screening, topic: str) -> bool:
    """Every question of the topic that is shown has a usable answer."""
    return all(cq.question.id in screened.answers for cq in ruleset.questions
               if cq.topic == topic and cq.question.id in screened.visible)


def _missing_answer_tests(ruleset: RuleSet) -> dict[str, frozenset[str]]:
    """Per rule, the questions whose *absence* its condition can test (an `answered` leaf)."""
    return {cr.rule.id: frozenset(c.answered for c in walk(cr.rule.when) if isinstance(c, Answered))
            for cr in ruleset.rules}


def ready_findings(ruleset: RuleSet, screened: Screening, show_all: bool) -> tuple[list[Finding], list[Finding]]:
    """The findings to show now, and those held back while the user is still answering their topic.

    The rule: a finding that can fire *because a question is not answered yet* (its condition tests
    whether a shown question is answered, e.g. "recent opioid use without a last-dose date") waits until
    that question is answered or its topic is done, so it never appears before the field could be filled.
    Every other finding shows at once, and so does one the medication list triggered (a pasted list is
    complete). "Show every finding now" shows all; the summary and every download
    always hold every finding, and the panel says how many wait.
    """
    if show_all:
        return list(screened.result.findings), []
    tests = _missing_answer_tests(ruleset)
    visible = set(screened.visible)
    questions = {cq.question.id for cq in ruleset.questions}
    shown: list[Finding] = []
    held: list[Finding] = []
    for f in screened.result.findings:
        waiting = {q for q in tests.get(f.rule_id, frozenset()) if q in visible and q not in screened.answers}
        from_list = any(t.question_id not in questions for t in f.triggered_by)    # the list is already complete
        ready = not waiting or from_list or topic_done(ruleset, screened, f.topic)
        (shown if ready else held).append(f)
    return shown, held


# Fixed text, no user input: the sticky findings panel on wide screens, the findings strip on phones,
# a visible keyboard focus ring (WCAG 2.4.7), and no tab stops on heading anchors. The .st-key-* classes are
# the container keys keys.FINDINGS_STRIP and keys.FINDINGS_PANEL (ui/keys.py; tests/test_boundaries.py).
PAGE_CSS = """
:focus-visible { outline: 3px solid #0b57d0 !important; outline-offset: 2px !important; }
[data-testid="stMain"] label:has(input:focus-visible) { outline: 3px solid #0b57d0; outline-offset: 2px;
  border-radius: 4px; }
[data-testid="stMain"] [data-testid="stHeaderActionElements"] a { visibility: hidden; }
.st-key-findings_strip { display: none; }
@media (min-width: 992px) {
  [data-testid="stColumn"]:has(.st-key-findings_panel) > [data-testid="stVerticalBlock"] { height: 100%; }
  [data-testid="stLayoutWrapper"]:has(> .st-key-findings_panel) { position: sticky; top: 3.75rem; z-index: 2; }
  .st-key-findings_panel { max-height: calc(100vh - 4.5rem); overflow-y: auto; padding-right: .25rem; }
}
@media (max-width: 640px) {
  [data-testid="stLayoutWrapper"]:has(> .st-key-findings_strip) { position: sticky; top: 3.4rem; z-index: 5; }
  .st-key-findings_strip { display: flex; background: #fff; border-bottom: 2px solid #555; padding: .4rem 0 .25rem; }
}
"""


def page_style() -> None:
    st.html(f"<style>{PAGE_CSS}</style>")


def leave_guard(unsaved: bool) -> None:
    """Ask the browser to confirm before the page is left or reloaded while answers are on it.

    One listener, set once per page; each run only says whether there is anything to lose. Inline
    script in the page itself: nothing is fetched.
    """
    flag = "true" if unsaved else "false"
    st.html("<script>(function(){var w=window;"
            f"w.__ldnUnsaved={flag};"
            "if(!w.__ldnGuard){w.__ldnGuard=true;w.addEventListener('beforeunload',function(e){"
            "if(w.__ldnUnsaved){e.preventDefault();e.returnValue='';}});}})();</script>",
            unsafe_allow_javascript=True)


def reset_answers(prefix: str) -> None:
    """Empty every answer of one checklist. Each widget value is set to "no answer" rather than deleted:
    a deleted key leaves the browser showing the old choice while the server has none."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        st.session_state[key] = None
