"""Screening: which questions apply, which rules fire, and what was not assessed.

Dates count from the screening date, never from the wall clock, so the same answers on the same
screening date always give the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from itertools import product
from typing import Any

from .answers import answer_label
from .errors import FieldProblem
from .conditions import contributing
from .result_models import (AlsoFound, Finding, InputProblem, MedLine, NotAssessed, ScreeningResult, SourceRef,
                            Trigger)
from .medications import fact_lines, fact_values
from .rule_models import (NO, SEVERITY_ORDER, YES, AnswerLabelValue, DateAfterValue, DaysAgoValue, DaysSinceValue,
                          MedProductsValue)
from .ruleset import CompiledRule, RuleSet

NOT_RECORDED = "not recorded"
NO_LIST_ID = "medication_list"      # the open item when no medication list was checked (under meta.medication_topic)


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


def _not_read_prompt(m: MedLine) -> str:
    """A line not fully read, for the not-assessed list: partly read lines name their leftover words."""
    if m.status == "unrecognised":
        return f'Medication line {m.number} not recognised: "{m.line.strip()}"'
    left = f" (not read: {', '.join(m.leftover)})" if m.leftover else ""
    return f'Medication line {m.number} only partly read{left}: "{m.line.strip()}"'


def days_ago_text(days: int) -> str:
    """'today', '1 day ago', '9 days ago': how a date reads in a sentence."""
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def _products(ruleset: RuleSet, fact_id: str, meds: list[MedLine]) -> str:
    """The products the list lines of a fact were recognised as, by the rule set's own names."""
    names: dict[str, None] = {}
    for row in fact_lines(ruleset.facts[fact_id], meds):
        product, ingredients = row.product or "", ", ".join(row.ingredients)
        same = not ingredients or product.lower() == ingredients.lower()
        names.setdefault(product if same else f"{product} ({ingredients})", None)
    return ", ".join(names) or NOT_RECORDED


def _values(ruleset: RuleSet, cr: CompiledRule, answers: Mapping[str, Any], screening_date: date,
            meds: list[MedLine]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in cr.rule.values.items():
        if isinstance(spec, DaysSinceValue):
            day = answers.get(spec.days_since)
            out[name] = str((screening_date - day).days) if day is not None else NOT_RECORDED
        elif isinstance(spec, DaysAgoValue):
            day = answers.get(spec.days_ago)
            out[name] = days_ago_text((screening_date - day).days) if day is not None else NOT_RECORDED
        elif isinstance(spec, DateAfterValue):
            day = answers.get(spec.date_after.question)
            out[name] = (day + timedelta(days=spec.date_after.days)).isoformat() if day is not None else NOT_RECORDED
        elif isinstance(spec, AnswerLabelValue):
            qid = spec.answer_label
            out[name] = answer_label(ruleset.question(qid), answers[qid]) if qid in answers else NOT_RECORDED
        elif isinstance(spec, MedProductsValue):
            out[name] = _products(ruleset, spec.med_products, meds)
    return out


def _answer_text(ruleset: RuleSet, qid: str, answers: Mapping[str, Any], screening_date: date) -> str:
    value = answers[qid]
    text = answer_label(ruleset.question(qid), value)
    if isinstance(value, date):
        text += f" ({days_ago_text((screening_date - value).days)})"
    return text


def _trigger(ruleset: RuleSet, qid: str, answers: Mapping[str, Any], meds: list[MedLine],
             screening_date: date | None = None, note: str = "") -> Trigger:
    fact = ruleset.facts.get(qid)
    if fact is not None:
        lines = fact_lines(fact, meds)
        if fact.value == "latest_date":
            return Trigger.model_construct(question_id=qid, prompt=fact.label,
                                           answer=f"{answers[qid].isoformat()}: {_med_text(lines)}")
        return Trigger.model_construct(question_id=qid, prompt=fact.label,
                                       answer=f"{YES}: {_med_text(lines)}" if lines else NO)
    cq = ruleset.question(qid)
    answer = (_answer_text(ruleset, qid, answers, screening_date) if screening_date is not None
              else answer_label(cq, answers[qid]))
    return Trigger.model_construct(question_id=qid, prompt=cq.question.prompt, answer=answer + note)


def _finding(ruleset: RuleSet, cr: CompiledRule, answers: Mapping[str, Any], screening_date: date,
             meds: list[MedLine]) -> Finding:
    """Fill the rule's wording. Built with model_construct: every field comes from validated rules
    and typed answers, and a screening must stay cheap enough to run on every click."""
    rule, w = cr.rule, cr.rule.wording
    values = _values(ruleset, cr, answers, screening_date, meds)

    def fill(text: str) -> str:
        return text.format_map(values) if values else text

    causes = contributing(rule.when, cr.nodes, answers, screening_date) if cr.nodes else \
        [q for q in cr.reads if q in answers]
    return Finding.model_construct(
        rule_id=rule.id, title=rule.title, category=rule.category, topic=cr.topic, severity=rule.severity,
        summary=fill(w.summary), why=fill(w.why), discuss=[fill(d) for d in w.discuss],
        would_change=fill(w.would_change), patient=fill(w.patient),
        sources_disagree=fill(w.sources_disagree) if w.sources_disagree else None,
        sources=list(cr.sources),
        triggered_by=[_trigger(ruleset, q, answers, meds, screening_date) for q in causes],
        patient_title=fill(w.patient_title) if w.patient_title else None, cause=rule.cause, also=[],
    )


def source_ref(ruleset: RuleSet, sid: str) -> SourceRef:
    return ruleset.source_refs[sid]


# ---- contradicting answers ------------------------------------------------------------------------

_MAX_FLIPS = 512


def _new_findings(ruleset: RuleSet, answers: Mapping[str, Any], flip: Mapping[str, Any], kept: list[str],
                  facts: Mapping[str, str], fired_now: set[str], screening_date: date) \
        -> tuple[list[CompiledRule], list[str]]:
    """Rules a hypothetical (the answers with `flip` applied) fires that do not fire now, because of a kept answer."""
    _, hyp = applicable_answers(ruleset, {**answers, **flip}, screening_date)
    shown_again = [q for q in kept if q in hyp]
    if not shown_again:
        return [], []
    hyp.update(facts)
    new = [cr for cr in ruleset.rules if cr.rule.id not in fired_now and cr.condition(hyp, screening_date) is True
           and set(contributing(cr.rule.when, cr.nodes, hyp, screening_date)).intersection(shown_again)]
    return new, shown_again


def _worst(rules: list[CompiledRule]) -> int:
    return min((SEVERITY_ORDER[cr.rule.severity] for cr in rules), default=len(SEVERITY_ORDER))


def _smallest_flip(ruleset: RuleSet, answers: Mapping[str, Any], qid: str, facts: Mapping[str, str],
                   fired_now: set[str], screening_date: date) -> dict[str, Any] | None:
    """The fewest changes to the answers that hide `qid` which show it again and let it fire a rule.

    Among flips of the same size the one leading to the most severe finding wins (the cautious reading).
    """
    controllers = [c for c in ruleset.controllers.get(qid, ()) if ruleset.question(c).options]
    choices = [[None, *[v for v in ruleset.question(c).options if answers.get(c) != v]] for c in controllers]
    best: tuple[int, int, dict[str, Any]] | None = None
    for n, combo in enumerate(product(*choices)):
        if n >= _MAX_FLIPS:
            break
        flip = {c: v for c, v in zip(controllers, combo) if v is not None}
        if not flip or (best is not None and len(flip) > best[0]):
            continue
        new, _ = _new_findings(ruleset, answers, flip, [qid], facts, fired_now, screening_date)
        if new:
            key = (len(flip), _worst(new), flip)
            if best is None or key[:2] < best[:2]:
                best = key
    return None if best is None else best[2]


def contradictions(ruleset: RuleSet, answers: Mapping[str, Any], visible: list[str], facts: Mapping[str, str],
                   fired_now: set[str], meds: list[MedLine], screening_date: date) -> list[tuple[Finding, int]]:
    """Answers kept for questions skip logic now hides, which would lead to a finding: never dropped in silence.

    Which answers contradict which is derived from show_when; the wording and severity floor are the
    topic's `contradictions` declaration. Returns (finding, order) pairs.
    """
    visible_set = set(visible)
    kept = [cq.question.id for cq in ruleset.visibility_order
            if cq.question.id in answers and cq.question.id not in visible_set and cq.question.id in
            ruleset.contradiction_for]
    if not kept:
        return []
    groups: dict[tuple[str, tuple[tuple[str, Any], ...]], list[str]] = {}
    for qid in kept:
        flip = _smallest_flip(ruleset, answers, qid, facts, fired_now, screening_date)
        if flip is not None:
            key = (ruleset.contradiction_for[qid].decl.id, tuple(sorted(flip.items())))
            groups.setdefault(key, []).append(qid)
    out = []
    for (_, flip_items), qids in groups.items():
        flip = dict(flip_items)
        new, shown_again = _new_findings(ruleset, answers, flip, qids, facts, fired_now, screening_date)
        if not new:
            continue
        cc = ruleset.contradiction_for[qids[0]]
        decl, w = cc.decl, cc.decl.wording
        severity = min(SEVERITY_ORDER[decl.minimum_severity], _worst(new))
        sev_name = next(k for k, v in SEVERITY_ORDER.items() if v == severity)
        shown = "; ".join(f'"{ruleset.question(c).question.prompt}" {answer_label(ruleset.question(c), answers[c])}'
                          if c in answers else f'"{ruleset.question(c).question.prompt}" not answered'
                          for c in flip)
        hidden = "; ".join(f'"{ruleset.question(q).question.prompt}" '
                           f"{_answer_text(ruleset, q, answers, screening_date)}" for q in shown_again)
        would = "; ".join(f"{cr.rule.severity} ({cr.rule.title})" for cr in new)
        values = {"shown": shown, "hidden": hidden, "would": would}

        def fill(text: str) -> str:
            return text.format_map(values)

        triggers = [_trigger(ruleset, c, answers, meds, screening_date,
                             "" if c in visible_set else " (kept, question now hidden)") for c in flip if c in answers]
        triggers += [_trigger(ruleset, q, answers, meds, screening_date, " (kept, question now hidden)")
                     for q in shown_again]
        out.append((Finding.model_construct(
            rule_id=decl.id, title=decl.title, category=decl.category, topic=cc.topic, severity=sev_name,
            summary=fill(w.summary), why=fill(w.why), discuss=[fill(d) for d in w.discuss],
            would_change=fill(w.would_change), patient=fill(w.patient),
            sources_disagree=fill(w.sources_disagree) if w.sources_disagree else None,
            sources=list(cc.sources), triggered_by=triggers,
            patient_title=fill(w.patient_title) if w.patient_title else None, cause=decl.cause, also=[],
        ), cc.order))
    return out


# ---- one cause, one card --------------------------------------------------------------------------

def merge_by_cause(ruleset: RuleSet, found: list[tuple[Finding, int]]) -> list[Finding]:
    """Fold findings that share a cause into one card naming every trigger.

    The card leads with the most severe finding; at equal severity, with one that `supersedes` the
    others; then rule-set order. The card takes the most severe severity among its findings.
    """
    supersedes = ruleset.supersedes
    groups: dict[str, list[tuple[Finding, int]]] = {}
    for f, order in found:
        groups.setdefault(f.card_key, []).append((f, order))
    cards: list[tuple[Finding, int]] = []
    for members in groups.values():
        if len(members) == 1:
            cards.append(members[0])
            continue
        ids = {f.rule_id for f, _ in members}
        members.sort(key=lambda fo: (SEVERITY_ORDER[fo[0].severity],
                                     any(fo[0].rule_id in supersedes.get(other, ()) for other in ids), fo[1]))
        lead, order = members[0]
        if len(members) == 1:
            cards.append((lead, order))
            continue
        triggers: dict[tuple[str, str], Trigger] = {}
        for f, _ in members:
            for t in f.triggered_by:
                triggers.setdefault((t.question_id, t.answer), t)
        sources = {s.id: s for f, _ in members for s in f.sources}
        cards.append((lead.model_copy(update={
            "triggered_by": list(triggers.values()), "sources": list(sources.values()),
            "also": [AlsoFound.model_construct(rule_id=f.rule_id, title=f.title, severity=f.severity,
                                               summary=f.summary) for f, _ in members[1:]]}), order))
    topic_rank = {t.id: i for i, t in enumerate(ruleset.topics)}
    cards.sort(key=lambda fo: (SEVERITY_ORDER[fo[0].severity], topic_rank.get(fo[0].topic, 99), fo[1]))
    return [f for f, _ in cards]


def screen(ruleset: RuleSet, answers: Mapping[str, Any], screening_date: date,
           input_problems: list[FieldProblem] | None = None, medications: list[str] | None = None,
           med_rows: list[MedLine] | None = None) -> ScreeningResult:
    """Screen typed answers (Screening parses them) and an optional medication list on a screening date.

    The list's classes become yes/no facts that rules test like answers; with no list (or only blank
    lines) the facts are unknown, so no rule fires or stays silent because of them, and the missing
    list is an open item.
    """
    visible, effective = applicable_answers(ruleset, answers, screening_date)
    # med_rows: the list already read (the timeline re-screens one list on 60 dates; read it once)
    meds = med_rows if med_rows is not None else (ruleset.matcher.classify(medications) if medications else [])
    has_list = any(m.status != "empty" for m in meds)
    facts = fact_values(ruleset.facts, meds) if has_list else {}
    effective.update(facts)
    fired = [cr for cr in ruleset.rules if cr.condition(effective, screening_date) is True]
    found = [(_finding(ruleset, cr, effective, screening_date, meds), cr.order) for cr in fired]
    found += contradictions(ruleset, answers, visible, facts, {cr.rule.id for cr in fired}, meds, screening_date)
    visible_set = set(visible)
    not_assessed = [cq.not_assessed for cq in ruleset.questions
                    if cq.question.id in visible_set and cq.question.id not in effective]
    if not has_list:
        not_assessed.append(NotAssessed.model_construct(question_id=NO_LIST_ID, topic=ruleset.meta.medication_topic,
                                                        prompt=ruleset.meta.no_medication_list))
    not_assessed += [NotAssessed.model_construct(question_id=f"medication_line_{m.number}", topic=ruleset.meta.medication_topic,
                                                 prompt=_not_read_prompt(m))
                     for m in meds if m.needs_review]
    return ScreeningResult.model_construct(
        screening_date=screening_date,
        findings=merge_by_cause(ruleset, found),
        not_assessed=not_assessed, answered=len(visible_set.intersection(effective)), applicable=len(visible),
        input_problems=[InputProblem(field=p.field, message=p.message) for p in input_problems or []],
        ruleset=ruleset.info, medications=meds if medications is not None or med_rows is not None else None,
    )

