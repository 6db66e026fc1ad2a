"""Screening: which questions apply, which rules fire, and what was not assessed.

Dates count from the screening date, never from the wall clock, so the same answers on the same
screening date always give the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from .answers import answer_label, parse_answers
from .case_file import CaseFile
from .errors import FieldProblem
from .result_models import (Finding, InputProblem, MedLine, NotAssessed, ScreeningResult, SourceRef,
                            Trigger)
from .medications import fact_lines, fact_values
from .rule_models import SEVERITY_ORDER, AnswerLabelValue, DateAfterValue, DaysSinceValue
from .ruleset import CompiledRule, RuleSet

NOT_RECORDED = "not recorded"
MEDICATION_TOPIC = "medications"   # the topic file that holds the medication-list rules


def applicable_answers(ruleset: RuleSet, answers: Mapping[str, Any], screening_date: date) \
        -> tuple[list[str], dict[str, Any]]:
    """The questions that apply (in dependency order) and the answers that count.

    An answer to a question that does not apply (its show_when is not true) is ignored, so a
    hidden question can never trigger a finding.
    """
    visible: list[str] = []
    effective: dict[str, Any] = {}
    for cq in ruleset.visibility_order:
        qid = cq.question.id
        if cq.show_when is None or cq.show_when(effective, screening_date) is True:
            visible.append(qid)
            if qid in answers:
                effective[qid] = answers[qid]
    return visible, effective


def _med_text(rows: list[MedLine]) -> str:
    return "; ".join(f'"{r.line.strip()}"' for r in rows) or NOT_RECORDED


def _values(ruleset: RuleSet, cr: CompiledRule, answers: Mapping[str, Any], screening_date: date) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in cr.rule.values.items():
        if isinstance(spec, DaysSinceValue):
            day = answers.get(spec.days_since)
            out[name] = str((screening_date - day).days) if day is not None else NOT_RECORDED
        elif isinstance(spec, DateAfterValue):
            day = answers.get(spec.date_after.question)
            out[name] = (day + timedelta(days=spec.date_after.days)).isoformat() if day is not None else NOT_RECORDED
        elif isinstance(spec, AnswerLabelValue):
            qid = spec.answer_label
            out[name] = answer_label(ruleset.question(qid), answers[qid]) if qid in answers else NOT_RECORDED
    return out


def _trigger(ruleset: RuleSet, qid: str, answers: Mapping[str, Any], meds: list[MedLine]) -> Trigger:
    fact = ruleset.facts.get(qid)
    if fact is not None:
        lines = fact_lines(fact, meds)
        return Trigger.model_construct(question_id=qid, prompt=fact.label,
                                       answer=f"yes: {_med_text(lines)}" if lines else "no")
    cq = ruleset.question(qid)
    return Trigger.model_construct(question_id=qid, prompt=cq.question.prompt, answer=answer_label(cq, answers[qid]))


def _finding(ruleset: RuleSet, cr: CompiledRule, answers: Mapping[str, Any], screening_date: date,
             meds: list[MedLine]) -> Finding:
    """Fill the rule's wording. Built with model_construct: every field comes from validated rules
    and typed answers, and a screening must stay cheap enough to run on every click."""
    rule, w = cr.rule, cr.rule.wording
    values = _values(ruleset, cr, answers, screening_date)

    def fill(text: str) -> str:
        return text.format_map(values) if values else text

    return Finding.model_construct(
        rule_id=rule.id, title=rule.title, category=rule.category, topic=cr.topic, severity=rule.severity,
        summary=fill(w.summary), why=fill(w.why), discuss=[fill(d) for d in w.discuss],
        would_change=fill(w.would_change), patient=fill(w.patient),
        sources_disagree=fill(w.sources_disagree) if w.sources_disagree else None,
        sources=list(cr.sources),
        triggered_by=[_trigger(ruleset, q, answers, meds) for q in cr.reads if q in answers],
    )


def source_ref(ruleset: RuleSet, sid: str) -> SourceRef:
    return ruleset.source_refs[sid]


def screen(ruleset: RuleSet, answers: Mapping[str, Any], screening_date: date,
           input_problems: list[FieldProblem] | None = None, medications: list[str] | None = None,
           med_rows: list[MedLine] | None = None) -> ScreeningResult:
    """Screen typed answers (see parse_answers) and an optional medication list on a screening date.

    The list's classes become yes/no facts that rules test like answers; with no list (or only blank
    lines) the facts are unknown, so no rule fires or stays silent because of them.
    """
    visible, effective = applicable_answers(ruleset, answers, screening_date)
    # med_rows: the list already read (the timeline re-screens one list on 60 dates; read it once)
    meds = med_rows if med_rows is not None else (ruleset.matcher.classify(medications) if medications else [])
    if any(m.status != "empty" for m in meds):
        effective.update(fact_values(ruleset.facts, meds))
    topic_rank = {t.id: i for i, t in enumerate(ruleset.topics)}
    fired = [cr for cr in ruleset.rules if cr.condition(effective, screening_date) is True]
    fired.sort(key=lambda cr: (SEVERITY_ORDER[cr.rule.severity], topic_rank[cr.topic]))
    visible_set = set(visible)
    not_assessed = [cq.not_assessed for cq in ruleset.questions
                    if cq.question.id in visible_set and cq.question.id not in effective]
    not_assessed += [NotAssessed.model_construct(question_id=f"medication_line_{m.number}", topic=MEDICATION_TOPIC,
                                                 prompt=f'Medication line {m.number} not recognised: "{m.line.strip()}"')
                     for m in meds if m.status == "unrecognised"]
    return ScreeningResult.model_construct(
        screening_date=screening_date,
        findings=[_finding(ruleset, cr, effective, screening_date, meds) for cr in fired],
        not_assessed=not_assessed, answered=len(visible_set.intersection(effective)), applicable=len(visible),
        input_problems=[InputProblem(field=p.field, message=p.message) for p in input_problems or []],
        ruleset=ruleset.info, medications=meds if medications is not None else None,
    )


def screen_raw(ruleset: RuleSet, raw_answers: Mapping[str, Any], screening_date: date,
               medications: list[str] | None = None) -> ScreeningResult:
    """Parse untyped answers field by field, then screen; unusable answers are reported, not fatal."""
    answers, problems = parse_answers(ruleset, raw_answers, screening_date)
    return screen(ruleset, answers, screening_date, problems, medications)


def screen_case(ruleset: RuleSet, case: CaseFile) -> ScreeningResult:
    """Screen a parsed case file on its own screening date."""
    return screen_raw(ruleset, case.answers, case.screening_date, case.medication_lines())
