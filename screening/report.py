"""A screening result as JSON, Markdown and one self-contained printable HTML page.

All three come from the same ScreeningResult, so the app's view, the CLI and the downloads agree.
Text that a user typed never reaches the output unescaped: Markdown escapes it, Jinja2 autoescapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine import NO_LIST_ID, source_ref
from .result_models import Finding, MedLine, ScreeningResult, SourceRef
from .ruleset import RuleSet
from .text_safety import strip_bidi
from .rule_models import NO, YES

if TYPE_CHECKING:
    from jinja2 import Environment

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~$&])")     # markup anywhere in a line
_MD_LEADING = re.compile(r"^(\s*)(?:([-+#=>])|(\d+)([.)]))")  # markup only at the start of a line
_WORD_JOINER = "\u2060"
# GFM autolinks (scheme://, www., e-mail) and Streamlit :shortcodes: are found after escapes are resolved,
# so only there an invisible word joiner breaks them; ordinary text keeps its colons and at-signs as typed.
# Streamlit's :color[text] directives are found even with the bracket escaped, so their colon is broken too.
_AUTOLINKS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?=//)|www(?=\.)|(?<=\S)@(?=\S)|:(?=[\w/+\\-]+:)"
                        r"|:(?=[A-Za-z][\w-]*\\?\[)", re.IGNORECASE)


def md_escape(text: str) -> str:
    """Make text a user typed inert in Markdown: one line, no emphasis, links, autolinks, HTML, headings,
    tables, maths or Streamlit shortcodes, whatever it contains.

    Only what would be markup is escaped, so a download reads cleanly in a text editor: a hyphen,
    a full stop or a bracket pair in a medication line stays as typed.
    """
    flat = "".join(ch if ch.isprintable() else " " for ch in strip_bidi(text))   # bidi, line breaks, controls
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    flat = _MD_LEADING.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else
                                                   m.group(3) + "\\" + m.group(4)), flat)
    return _AUTOLINKS.sub(lambda m: _escape_colon(m.group(0)) + _WORD_JOINER, flat)


def _escape_colon(part: str) -> str:
    return part[:-1] + "\\:" if part.endswith(":") else part


def result_to_json(result: ScreeningResult) -> dict[str, Any]:
    """The CLI's JSON: findings, not_assessed, ruleset, plus the screening date and progress."""
    return {
        "screening_date": result.screening_date.isoformat(),
        "ruleset": {"name": result.ruleset.name, "version": result.ruleset.version, "sha256": result.ruleset.sha256},
        "progress": {"answered": result.answered, "applicable": result.applicable},
        "findings": [
            {
                "rule_id": f.rule_id, "category": f.category, "severity": f.severity, "title": f.title,
                "summary": f.summary, "detail": f.detail, "discuss": f.discuss, "patient": f.patient,
                "triggered_by": [t.model_dump() for t in f.triggered_by],
                "patient_title": f.patient_title or f.title, "cause": f.cause,
                "also": [a.model_dump() for a in f.also],
                "sources": [s.model_dump(exclude_none=True) for s in f.sources],
            }
            for f in result.findings
        ],
        "not_assessed": [{"question_id": n.question_id, "topic": n.topic, "prompt": n.prompt}
                         for n in result.not_assessed],
        "input_problems": [p.model_dump() for p in result.input_problems],
        "medications": None if result.medications is None else [med_row(m) for m in result.medications],
        "changes_ahead": None if result.changes_ahead is None else {
            category: [{"on": c.on.isoformat(), "findings": [{"rule_id": r, "severity": sev, "title": t}
                                                             for r, sev, t in c.findings]} for c in changes]
            for category, changes in result.changes_ahead.items()},
    }


def med_row(m: MedLine) -> dict[str, Any]:
    """One classified medication line, as the CLI's meds JSON and the screening JSON give it."""
    return {"number": m.number, "line": m.line, "status": m.status, "product": m.product,
            "ingredients": m.ingredients, "classes": m.classes, "long_acting": m.long_acting,
            "matches": [x.model_dump() for x in m.matches], "leftover": m.leftover, "stopped": m.stopped,
            "stopped_date": m.stopped_date.isoformat() if m.stopped_date else None,
            "stopped_date_text": m.stopped_date_text, "possible_hidden_opioid": m.possible_hidden_opioid,
            "mixed_script": m.mixed_script, "notes": m.notes}


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 line', '2 lines': a count with its noun."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def patient_heading(f: Finding) -> str:
    """The heading the patient reads: the rule's plain-words title, never the clinician's."""
    return f.patient_title or f.title


def no_medication_list(result: ScreeningResult) -> bool:
    """No list was given, or only blank lines: an open item, never silence."""
    return not any(m.status != "empty" for m in result.medications or [])


def open_questions(result: ScreeningResult) -> int:
    """Unanswered questions; the missing medication list is named on its own, not counted as a question."""
    return len([n for n in result.not_assessed if n.question_id != NO_LIST_ID])


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


def medication_markdown(result: ScreeningResult, level: str = "###") -> list[str]:
    """The list as read: one row per line; lines not recognised are called out for manual review."""
    meds = [m for m in result.medications or [] if m.status != "empty"]
    if not meds:
        return []
    unknown = result.unrecognised_medications
    out = [f"{level} Medication list ({plural(len(meds), 'line')}: {len(meds) - len(unknown)} recognised, "
           f"{len(unknown)} not recognised)", ""]
    if unknown:
        out.extend([f"{plural(len(unknown), 'line was', 'lines were')} not recognised and "
                    f"{'needs' if len(unknown) == 1 else 'need'} review by hand: listed under Not assessed.", ""])
    out.extend(["| # | As written | Recognised as | Classes | Long-acting opioid |", "|---|---|---|---|---|"])
    for m in meds:
        seen = md_escape(m.product) if m.product else "**not recognised**"
        if m.tolerant:
            seen += " (tolerant match: check)"
        if m.status == "partly_read":
            seen += f" (partly read; not read: {md_escape(' '.join(m.leftover)) or 'mixed alphabets'})"
        if m.stopped:
            seen += f" (stopped{' ' + m.stopped_date.isoformat() if m.stopped_date else ''})"
        out.append(f"| {m.number} | {md_escape(m.line.strip())} | {seen} | {', '.join(m.classes) or 'none'} | "
                   f"{_yes_no(m.long_acting)} |")
    return [*out, ""]


def _counts(result: ScreeningResult, ruleset: RuleSet) -> str:
    return ", ".join(f"{len(result.by_severity(sev))} {ruleset.meta.severities[sev].label.lower()}"
                     for sev in ("critical", "warning", "info"))


def ahead_text(f: Finding, result: ScreeningResult, ruleset: RuleSet) -> str | None:
    """'If nothing else changes: from 2026-12-02, warning (...); from 2026-12-09, no opioid finding'."""
    changes = (result.changes_ahead or {}).get(f.card_key)
    if not changes:
        return None
    label = ruleset.categories[f.category].label
    return "If nothing else changes: " + "; ".join(c.describe(label) for c in changes) + "."


def finding_detail_markdown(f: Finding, ahead: str | None = None) -> str:
    """What triggered a finding, why it matters, what to discuss, what would change it, its sources."""
    lines = []
    if f.triggered_by:   # answers can hold what a user typed (medication lines): escaped, never markup
        lines.append("- **Triggered by:** " + "; ".join(f"{t.prompt} — {md_escape(t.answer)}"
                                                         for t in f.triggered_by))
    if f.also:   # one cause, one card: the other findings of the same cause, named here
        lines.append("- **Also found with the same cause:** " + "; ".join(f"{a.title} ({a.severity}): {a.summary}"
                                                                   for a in f.also))
    lines.append(f"- **Why it matters:** {f.why}")
    if f.sources_disagree:
        lines.append(f"- **Where sources disagree:** {f.sources_disagree}")
    lines.append("- **To discuss:**")
    lines.extend(f"  - {d}" for d in f.discuss)
    lines.append(f"- **What would change this:** {f.would_change}")
    if ahead:
        lines.append(f"- **With time:** {ahead}")
    lines.append("- **Sources:** " + "; ".join(s.cite for s in f.sources))
    return "\n".join(lines)


def _md_finding(f: Finding, result: ScreeningResult, ruleset: RuleSet, level: str = "####") -> list[str]:
    sev = ruleset.meta.severities[f.severity]
    return [f"{level} [{sev.label.upper()}] {f.title}", "", f"**{f.summary}**", "",
            finding_detail_markdown(f, ahead_text(f, result, ruleset)), ""]


def markdown_header(result: ScreeningResult, ruleset: RuleSet) -> list[str]:
    return [
        "# LDN safety screening: summary for discussion", "",
        f"> {ruleset.meta.purpose}", "",
        f"- Screening date: {result.screening_date.isoformat()}",
        f"- Rule set: {result.ruleset.name} {result.ruleset.version}",
        f"- Rule set SHA-256: `{result.ruleset.sha256}`",
        f"- Questions answered: {result.answered} of {result.applicable} applicable", "",
    ]


def clinician_markdown(result: ScreeningResult, ruleset: RuleSet, level: str = "###") -> str:
    """Findings with their reasons and sources, open questions, and the general points."""
    meta = ruleset.meta
    out = [f"{level} Findings ({_counts(result, ruleset)})", ""]
    if result.findings:
        for f in result.findings:
            out.extend(_md_finding(f, result, ruleset, level + "#"))
    else:
        out.extend([meta.no_findings_note, ""])
    out.extend(medication_markdown(result, level))
    out.extend([f"{level} Not assessed ({len(result.not_assessed)})", ""])
    if result.not_assessed:
        out.extend([meta.not_assessed_note, ""])
        out.extend(f"- {ruleset.topic_title(n.topic)}: {md_escape(n.prompt)}" for n in result.not_assessed)
    else:
        out.append("Every applicable question was answered.")
    if result.input_problems:
        out.extend(["", f"{level} Answers that could not be used", ""])
        out.extend(f"- {md_escape(p.field)}: {md_escape(p.message)}" for p in result.input_problems)
    out.extend(["", f"{level} General points for the discussion", ""])
    out.extend(f"- **{d.heading}:** {d.clinician} ({', '.join(d.sources)})" for d in ruleset.discussion)
    return "\n".join(out) + "\n"


def patient_markdown(result: ScreeningResult, ruleset: RuleSet, level: str = "###") -> str:
    """Plain language: what was found, what it means, what happens next, and about LDN."""
    meta = ruleset.meta
    out = [meta.patient_purpose, "", f"{level} What we found", ""]
    if result.findings:
        out.extend(f"- **{meta.severities[f.severity].patient_label}: {patient_heading(f)}.** {f.patient}"
                   for f in result.findings)
    else:
        out.append(meta.no_findings_note)
    if no_medication_list(result):
        out.extend(["", meta.patient_no_medication_list])
    still_open = open_questions(result)
    if still_open:
        out.extend(["", f"Some questions are still open ({still_open}); your clinician will go "
                        "through them with you."])
    unknown = len(result.unrecognised_medications)
    if unknown:
        out.extend(["", f"{unknown} of the medicines on your list could not be recognised automatically; they "
                        "will be checked by hand."])
    out.extend(["", f"{level} What happens next", ""])
    out.extend(f"- {step}" for step in meta.patient_next_steps)
    out.extend(["", f"{level} About LDN", ""])
    out.extend(f"- **{d.heading}:** {d.patient}" for d in ruleset.discussion)
    return "\n".join(out) + "\n"


def render_markdown(result: ScreeningResult, ruleset: RuleSet) -> str:
    """The whole summary as one Markdown file: header, clinician view, patient view, sources."""
    out = markdown_header(result, ruleset)
    out.extend(["## Clinician view", "", clinician_markdown(result, ruleset),
                "## Patient discussion view", "", patient_markdown(result, ruleset), "## Sources", ""])
    out.extend(f"- {s.cite}" for s in _all_sources(result, ruleset))
    return "\n".join(out) + "\n"


def _all_sources(result: ScreeningResult, ruleset: RuleSet) -> list[SourceRef]:
    ids: dict[str, None] = {}
    for f in result.findings:
        ids.update((s.id, None) for s in f.sources)
    for d in ruleset.discussion:
        ids.update((sid, None) for sid in d.sources)
    return [source_ref(ruleset, sid) for sid in ids]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """The HTML page's Jinja2 environment; Jinja2 is imported here, as only the HTML page needs it."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    def no_bidi(value: Any) -> Any:
        """Every {{ value }} of the HTML page without bidi controls (text_safety), before autoescaping."""
        if isinstance(value, Markup):
            return Markup(strip_bidi(str(value)))
        return strip_bidi(value) if isinstance(value, str) else value

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, finalize=no_bidi,
    )


def answers_given(ruleset: RuleSet, answers: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """(topic, question, answer as a person reads it), in checklist order, for the printout's first page."""
    from .answers import answer_label
    if not answers:
        return []
    return [(ruleset.topic_title(cq.topic), cq.question.prompt, answer_label(cq, answers[cq.question.id]))
            for cq in ruleset.questions if answers.get(cq.question.id) is not None]


def render_html(result: ScreeningResult, ruleset: RuleSet, answers: Mapping[str, Any] | None = None) -> str:
    """One printable, self-contained HTML page (inline CSS, no scripts, no external requests).
    With `answers` (the typed answers screened), page 1 also lists the answers given."""
    return _environment().get_template("summary.html.j2").render(
        result=result, meta=ruleset.meta, discussion=ruleset.discussion, topic_title=ruleset.topic_title,
        ahead=lambda f: ahead_text(f, result, ruleset),
        counts=_counts(result, ruleset), sources=_all_sources(result, ruleset), plural=plural,
        patient_heading=patient_heading, no_list=no_medication_list(result), still_open=open_questions(result),
        answers_given=answers_given(ruleset, answers),
    )
