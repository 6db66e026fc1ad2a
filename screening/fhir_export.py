"""FHIR R4 export: the checklist as a Questionnaire, a screening as a Bundle.

The checklist becomes one Questionnaire per rule-set version (one `group` item per topic). A
screening becomes a `collection` Bundle holding the QuestionnaireResponse of the answers, one
DetectedIssue per finding, one DetectedIssue listing what was not assessed, and, when a list was
given, one MedicationStatement per medication line. Everything is built from the rule set and the
screening result as plain JSON, then checked against the `fhir.resources` R4B models before it is
returned, so the tool never hands out a resource that does not parse (fail closed).

Skip logic. A question's `show_when` is translated to `enableWhen` + `enableBehavior` when that is an
exact equivalent, else to the SDC `enableWhenExpression` (FHIRPath over %resource); never dropped.
The engine shows a question only when its condition is *true* under three-valued logic (an
unanswered question makes a test unknown). FHIR `enableWhen` with `=`, `<`... is false on an
unanswered question and `exists` is never unknown, so `equals`, `in`, `compare`, `answered`,
`not answered` and `lookup` (as `in` over the table rows that match), joined by one `all` or one
`any`, translate exactly. `not` of anything else, `any` inside `all`, and `days_since` do not (FHIR's
`!=` is true on an unanswered question, where the engine says unknown); FHIRPath's empty collection
propagates like *unknown* (`{} and true` is empty, `{} or true` is true, `{}.not()` is empty), so the
expression keeps the engine's logic. `days_since` counts to `%resource.authored`, which this export
sets to the screening date: dates count from the screening date, never the clock.

Evidence names a question by a coding whose system is the Questionnaire's canonical URL and whose
code is the item's linkId (the question id); a medication-list fact by the rule set's facts system.

Nothing here writes files: callers write the text only where the user asks (-o, a download).
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .conditions import (AllOf, Answered, AnyOf, Compare, Condition, DaysSince, Equals, In, Lookup, NotOf,
                         leaf_question)
from .medications import fact_lines
from .result_models import Finding, MedLine, ScreeningResult
from .ruleset import CompiledQuestion, RuleSet
from .session import Screening
from .rule_models import YES

FHIR_BASE = "https://ldn-screening.example/fhir"
"""Base of every canonical URL and code system this export names. The project has no published home,
so it uses the reserved `.example` domain (RFC 6761): stable, and never mistaken for a live server. A
deployment that publishes the Questionnaire passes its own `base`."""

SDC_ENABLE_WHEN_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"

ITEM_TYPE = {"yes_no": "boolean", "choice": "choice", "date": "date", "number": "decimal"}
ANSWER_KEY = {"boolean": "valueBoolean", "choice": "valueCoding", "date": "valueDate", "decimal": "valueDecimal"}
ENABLE_ANSWER_KEY = {"boolean": "answerBoolean", "choice": "answerCoding", "date": "answerDate",
                     "decimal": "answerDecimal"}
SEVERITY = {"critical": "high", "warning": "moderate", "info": "low"}
"""Rule severity (CDS Hooks indicator) -> DetectedIssue.severity (R4B detectedissue-severity)."""
COMPARE_OP = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
NOT_ASSESSED_CODE = "not-assessed"
SUBJECT = {"display": "The screened patient (this tool records no identity)"}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Names:
    """Every URL one export uses, derived from the base and the rule set's name and version."""

    def __init__(self, ruleset: RuleSet, base: str = FHIR_BASE) -> None:
        slug = _slug(ruleset.meta.name)
        self.version = ruleset.version
        self.questionnaire_id = f"{slug}-{ruleset.version}"
        self.questionnaire_url = f"{base}/Questionnaire/{self.questionnaire_id}"
        self.rules_system = f"{base}/CodeSystem/{slug}-rules"
        self.categories_system = f"{base}/CodeSystem/{slug}-categories"
        self.issue_kinds_system = f"{base}/CodeSystem/{slug}-issue-kinds"
        self.facts_system = f"{base}/CodeSystem/{slug}-medication-facts"
        self.ruleset_extension = f"{base}/StructureDefinition/{slug}-ruleset"
        self.category_extension = f"{base}/StructureDefinition/{slug}-finding-category"
        self._options_prefix = f"{base}/CodeSystem/{slug}-options-"

    def options_system(self, question_id: str) -> str:
        """The code system of one choice question's options (codes are the option values)."""
        return self._options_prefix + question_id.replace("_", "-")


def questionnaire_url(ruleset: RuleSet, base: str = FHIR_BASE) -> str:
    """The canonical URL of the rule set's Questionnaire; it names the rule set and its version."""
    return Names(ruleset, base).questionnaire_url


def _ruleset_extension(ruleset: RuleSet, names: Names) -> dict[str, Any]:
    return {"url": names.ruleset_extension, "extension": [
        {"url": "name", "valueString": ruleset.meta.name},
        {"url": "version", "valueString": ruleset.version},
        {"url": "sha256", "valueString": ruleset.sha256},
    ]}


# ---- skip logic -----------------------------------------------------------------------------------

def _item_type(ruleset: RuleSet, qid: str) -> str | None:
    """The FHIR item type of a question, or None for a medication-list fact (never a Questionnaire item)."""
    if qid in ruleset.facts:
        return None
    return ITEM_TYPE[ruleset.question(qid).question.type]


def _answer_value(ruleset: RuleSet, names: Names, qid: str, value: Any) -> tuple[str, Any]:
    """(key, value) of an enableWhen answer for an option value or number of question qid."""
    kind = _item_type(ruleset, qid)
    if kind == "boolean":
        return "answerBoolean", value == YES
    if kind == "choice":
        cq = ruleset.question(qid)
        return "answerCoding", {"system": names.options_system(qid), "code": value, "display": cq.options[value]}
    return ENABLE_ANSWER_KEY[kind or "decimal"], value


def _lookup_values(ruleset: RuleSet, node: Lookup) -> list[str]:
    """The option values whose table row has the attribute in the allowed set (lookup as `in`)."""
    a = node.lookup
    return [r.value for r in ruleset.tables[a.table].rows if r.attributes.get(a.attribute) in set(a.in_)]


def _atom(ruleset: RuleSet, names: Names, node: Condition) -> list[dict[str, Any]] | None:
    """enableWhen entries whose `any` equals this leaf exactly, or None when no exact form exists."""
    qid = leaf_question(node) if not isinstance(node, NotOf) else leaf_question(node.not_)
    if qid is None or _item_type(ruleset, qid) is None:
        return None

    def eq(value: Any) -> dict[str, Any]:
        key, answer = _answer_value(ruleset, names, qid, value)
        return {"question": qid, "operator": "=", key: answer}

    if isinstance(node, NotOf):
        return [{"question": qid, "operator": "exists", "answerBoolean": False}] \
            if isinstance(node.not_, Answered) else None
    if isinstance(node, Answered):
        return [{"question": qid, "operator": "exists", "answerBoolean": True}]
    if isinstance(node, Equals):
        return [eq(node.equals.value)]
    if isinstance(node, In):
        return [eq(v) for v in node.in_.values]
    if isinstance(node, Lookup):
        return [eq(v) for v in _lookup_values(ruleset, node)] or None
    if isinstance(node, Compare):
        key, answer = _answer_value(ruleset, names, qid, node.compare.value)
        return [{"question": qid, "operator": COMPARE_OP[node.compare.op], key: answer}]
    return None   # days_since: no enableWhen operator counts days to a date


def _flatten(node: Condition, kind: type) -> list[Condition]:
    if isinstance(node, kind):
        parts = node.all_ if isinstance(node, AllOf) else node.any_  # type: ignore[attr-defined]
        return [leaf for part in parts for leaf in _flatten(part, kind)]
    return [node]


def enable_when(ruleset: RuleSet, cond: Condition, base: str = FHIR_BASE) \
        -> tuple[list[dict[str, Any]], str | None] | None:
    """(enableWhen entries, enableBehavior) exactly equivalent to `cond`, or None when there is none."""
    names = Names(ruleset, base)
    while isinstance(cond, (AllOf, AnyOf)) and len(_flatten(cond, type(cond))) == 1:
        cond = _flatten(cond, type(cond))[0]
    if isinstance(cond, AllOf):
        atoms = [_atom(ruleset, names, part) for part in _flatten(cond, AllOf)]
        if any(a is None or len(a) != 1 for a in atoms):
            return None
        return [a[0] for a in atoms if a], "all"
    if isinstance(cond, AnyOf):
        atoms = [_atom(ruleset, names, part) for part in _flatten(cond, AnyOf)]
        if any(a is None for a in atoms):
            return None
        entries = [e for a in atoms if a for e in a]
        return entries, "any" if len(entries) > 1 else None
    atom = _atom(ruleset, names, cond)
    if atom is None:
        return None
    return atom, "any" if len(atom) > 1 else None


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _number(value: float | int) -> str:
    return format(Decimal(str(value)), "f")   # FHIRPath has no exponent notation


def fhirpath(ruleset: RuleSet, cond: Condition) -> str:
    """A FHIRPath expression over %resource (a QuestionnaireResponse) that is true exactly when `cond` is
    true for its answers; empty where the engine's answer is unknown. Facts from the medication list are
    never answers of the checklist, so a test on one is unknown ({}), as it is for the engine's show_when."""
    if isinstance(cond, AllOf):
        return "(" + " and ".join(fhirpath(ruleset, c) for c in cond.all_) + ")"
    if isinstance(cond, AnyOf):
        return "(" + " or ".join(fhirpath(ruleset, c) for c in cond.any_) + ")"
    if isinstance(cond, NotOf):
        return f"({fhirpath(ruleset, cond.not_)}).not()"
    qid = leaf_question(cond)
    assert qid is not None
    kind = _item_type(ruleset, qid)
    if kind is None:
        return "{}"
    value = f"%resource.repeat(item).where(linkId={_literal(qid)}).answer.value"
    if isinstance(cond, Answered):
        return f"{value}.exists()"
    if isinstance(cond, Compare):
        return f"({value} {COMPARE_OP[cond.compare.op]} {_number(cond.compare.value)})"
    if isinstance(cond, DaysSince):
        a = cond.days_since
        screening_day = "%resource.authored.toDate()"

        def minus(days: int) -> str:
            return f"({screening_day} - {days} days)" if days >= 0 else f"({screening_day} + {-days} days)"
        # whole days since d < N  <=>  d > screening - N days, and so on for each bound
        parts = [f"({value} {op} {minus(n)})" for n, op in ((a.lt, ">"), (a.lte, ">="), (a.gt, "<"), (a.gte, "<="))
                 if n is not None]
        return "(" + " and ".join(parts) + ")"
    if isinstance(cond, Equals):
        allowed = [cond.equals.value]
    elif isinstance(cond, In):
        allowed = list(cond.in_.values)
    elif isinstance(cond, Lookup):
        allowed = list(_lookup_values(ruleset, cond))
    else:  # pragma: no cover - the vocabulary is closed
        raise TypeError(f"not a condition: {cond!r}")
    if kind == "boolean":
        literals = ["true" if v == YES else "false" for v in allowed]
    elif kind == "choice":
        value, literals = f"{value}.code", [_literal(str(v)) for v in allowed]
    else:
        literals = [_number(v) for v in allowed]  # type: ignore[arg-type]
    return f"({value} in ({' | '.join(literals)}))" if literals else f"({value} in {{}})"


def skip_logic(ruleset: RuleSet, cq: CompiledQuestion, base: str = FHIR_BASE) -> dict[str, Any]:
    """The Questionnaire item fields that carry a question's show_when (empty when it has none)."""
    cond = cq.question.show_when
    if cond is None:
        return {}
    exact = enable_when(ruleset, cond, base)
    if exact is not None:
        entries, behavior = exact
        return {"enableWhen": entries, **({"enableBehavior": behavior} if behavior else {})}
    return {"extension": [{"url": SDC_ENABLE_WHEN_EXPRESSION, "valueExpression": {
        "description": "Ask only when this holds (translated from the rule file's show_when)",
        "language": "text/fhirpath", "expression": fhirpath(ruleset, cond)}}]}


# ---- the Questionnaire ----------------------------------------------------------------------------

def _help_item(link_id: str, text: str) -> dict[str, Any]:
    return {"extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [
        {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}]}}],
            "linkId": link_id, "text": text, "type": "display"}


def _question_item(ruleset: RuleSet, names: Names, cq: CompiledQuestion, base: str) -> dict[str, Any]:
    q = cq.question
    kind = ITEM_TYPE[q.type]
    item: dict[str, Any] = {"linkId": q.id, "text": q.prompt, "type": kind, "required": False, "repeats": False}
    logic = skip_logic(ruleset, cq, base)
    extensions = list(logic.pop("extension", []))
    if q.minimum is not None:
        extensions.append({"url": MIN_VALUE, "valueDecimal": q.minimum})
    if q.maximum is not None:
        extensions.append({"url": MAX_VALUE, "valueDecimal": q.maximum})
    if extensions:
        item = {"extension": extensions, **item}
    item.update(logic)
    if kind == "choice":
        system = names.options_system(q.id)
        item["answerOption"] = [{"valueCoding": {"system": system, "code": value, "display": label}}
                                for value, label in cq.options.items()]
    option_help = [f"{o.label}: {o.help}" for o in q.options or [] if o.help]
    if q.help or option_help:
        item["item"] = [_help_item(f"{q.id}.help", " ".join(filter(None, [q.help, *option_help])))]
    return item


def group_link_id(topic_id: str) -> str:
    """Topic groups are `topic-<id>`: question ids have no hyphen, so the two can never clash."""
    return f"topic-{topic_id}"


def build_questionnaire(ruleset: RuleSet, base: str = FHIR_BASE) -> dict[str, Any]:
    """The checklist of this rule set as an R4 Questionnaire (a JSON-ready dict)."""
    names = Names(ruleset, base)
    groups = []
    for topic in ruleset.topics:
        items = [_question_item(ruleset, names, cq, base) for cq in ruleset.questions if cq.topic == topic.id]
        if not items:
            continue
        if topic.intro:
            items.insert(0, {"linkId": f"{group_link_id(topic.id)}.intro", "text": topic.intro, "type": "display"})
        groups.append({"linkId": group_link_id(topic.id), "text": topic.title, "type": "group", "required": False,
                       "item": items})
    reviewed = max(r.last_reviewed for r in ruleset.all_rules)
    return {
        "resourceType": "Questionnaire",
        "id": names.questionnaire_id,
        "extension": [_ruleset_extension(ruleset, names)],
        "url": names.questionnaire_url,
        "version": ruleset.version,
        "name": "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", ruleset.meta.name)) or "Checklist",
        "title": f"{ruleset.meta.name}: checklist",
        "status": "active",
        "subjectType": ["Patient"],
        "date": reviewed.isoformat(),
        "publisher": f"{ruleset.meta.name} (open-source rule set)",
        "description": ("A screening aid, not a decision: the checklist of the low-dose naltrexone (LDN) "
                        f"safety screening, rule set {ruleset.version} (SHA-256 {ruleset.sha256}). "
                        f"{ruleset.meta.purpose} An unanswered question is not assessed, never a sign of no "
                        "concern."),
        "item": groups,
    }


# ---- the screening Bundle -------------------------------------------------------------------------

def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _answer(cq: CompiledQuestion, names: Names, value: Any) -> dict[str, Any]:
    kind = ITEM_TYPE[cq.question.type]
    if kind == "boolean":
        return {"valueBoolean": value == YES}
    if kind == "choice":
        return {"valueCoding": {"system": names.options_system(cq.question.id), "code": value,
                                "display": cq.options[value]}}
    if kind == "date":
        return {"valueDate": value.isoformat()}
    return {"valueDecimal": value}


def _narrative(paragraphs: list[str], items: list[str] | None = None, heading: str | None = None) -> dict[str, Any]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    if heading:
        body += f"<p><b>{html.escape(heading)}</b></p>"
    if items:
        body += "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _questionnaire_response(ruleset: RuleSet, names: Names, result: ScreeningResult,
                            effective: Mapping[str, Any]) -> dict[str, Any]:
    groups = []
    for topic in ruleset.topics:
        items = [{"linkId": cq.question.id, "text": cq.question.prompt,
                  "answer": [_answer(cq, names, effective[cq.question.id])]}
                 for cq in ruleset.questions if cq.topic == topic.id and cq.question.id in effective]
        if items:
            groups.append({"linkId": group_link_id(topic.id), "text": topic.title, "item": items})
    complete = result.answered == result.applicable
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "extension": [_ruleset_extension(ruleset, names)],
        "questionnaire": names.questionnaire_url,
        "status": "completed" if complete else "in-progress",
        "authored": result.screening_date.isoformat(),
    }
    if groups:
        response["item"] = groups
    return response


def _medication_statement(line: MedLine, on: date) -> dict[str, Any]:
    if line.status == "recognised":
        read = (f"Read by the screening as {line.product} (ingredients: {', '.join(line.ingredients) or 'none'}; "
                f"classes: {', '.join(line.classes) or 'none'})"
                + ("; tolerant match: check" if line.tolerant else ""))
    else:
        read = "Not recognised by the screening: review by hand (not assessed)"
    return {"resourceType": "MedicationStatement", "status": "unknown",
            "medicationCodeableConcept": {"text": line.line.strip()}, "subject": SUBJECT,
            "dateAsserted": on.isoformat(), "note": [{"text": f"Medication list line {line.number}. {read}."}]}


def _finding_issue(ruleset: RuleSet, names: Names, finding: Finding, qr_ref: str,
                   med_refs: Mapping[int, str], meds: list[MedLine], on: date,
                   in_response: Mapping[str, Any]) -> dict[str, Any]:
    """One card as a DetectedIssue. A trigger that is a kept answer to a question skip logic now hides
    (a contradiction) is not in the QuestionnaireResponse, whose disabled items carry no answers, so its
    evidence is the coded question with the answer as text and no reference."""
    evidence: list[dict[str, Any]] = []
    implicated: list[dict[str, Any]] = []
    for t in finding.triggered_by:
        fact = ruleset.facts.get(t.question_id)
        if fact is None:
            entry = {"code": [{"coding": [{"system": names.questionnaire_url, "code": t.question_id,
                                           "display": t.prompt}], "text": f"{t.prompt}: {t.answer}"}]}
            if t.question_id in in_response:
                entry["detail"] = [{"reference": qr_ref, "display": f"Answer to {t.question_id}"}]
            evidence.append(entry)
            continue
        refs = [{"reference": med_refs[m.number], "display": m.line.strip()} for m in fact_lines(fact, meds)
                if m.number in med_refs]
        entry: dict[str, Any] = {"code": [{"coding": [{"system": names.facts_system, "code": fact.id,
                                                       "display": fact.label}], "text": f"{t.prompt}: {t.answer}"}]}
        if refs:
            entry["detail"] = refs
            implicated += [r for r in refs if r not in implicated]
        evidence.append(entry)
    category = ruleset.categories[finding.category]
    triggers = "; ".join(f"{t.prompt}: {t.answer}" for t in finding.triggered_by) or "nothing recorded"
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "text": _narrative([f"{finding.title} ({ruleset.meta.severities[finding.severity].label})",
                            finding.summary, *finding.detail.split("\n\n"), f"Triggered by: {triggers}",
                            "Sources: " + "; ".join(s.cite for s in finding.sources)],
                           list(finding.discuss), heading="Discuss"),
        "extension": [_ruleset_extension(ruleset, names),
                      {"url": names.category_extension, "valueCoding": {
                          "system": names.categories_system, "code": category.id, "display": category.label}}],
        "status": "final",
        "code": {"coding": [{"system": names.rules_system, "version": names.version, "code": finding.rule_id,
                             "display": finding.title}], "text": finding.title},
        "severity": SEVERITY[finding.severity],
        "identifiedDateTime": on.isoformat(),
    }
    if implicated:
        issue["implicated"] = implicated
    if evidence:
        issue["evidence"] = evidence
    issue["detail"] = finding.summary
    web = next((s.url for s in finding.sources if s.url), None)
    if web:
        issue["reference"] = web
    return issue


def _not_assessed_issue(ruleset: RuleSet, names: Names, result: ScreeningResult, qr_ref: str,
                        med_refs: Mapping[int, str]) -> dict[str, Any]:
    """One DetectedIssue for everything not assessed, with no severity.

    Why this form: an unanswered question is an open item for the discussion, never "no concern",
    so it must reach the record as loudly as a finding, and DetectedIssue is what an EHR lists as
    issues found by a check. It has no severity because none is known: `low` would read as "little
    concern", which is exactly what an unanswered question does not mean (DetectedIssue.severity is
    optional). The QuestionnaireResponse stays `in-progress` and holds answered items only, so its
    items never pretend an answer; each open question is named here by its linkId instead.
    """
    evidence = []
    for na in result.not_assessed:
        match = re.fullmatch(r"medication_line_(\d+)", na.question_id)
        if match and int(match.group(1)) in med_refs:
            evidence.append({"code": [{"text": na.prompt}],
                             "detail": [{"reference": med_refs[int(match.group(1))], "display": na.prompt}]})
        else:
            evidence.append({"code": [{"coding": [{"system": names.questionnaire_url, "code": na.question_id,
                                                   "display": na.prompt}], "text": na.prompt}],
                             "detail": [{"reference": qr_ref, "display": "Not answered in this response"}]})
    detail = f"{len(result.not_assessed)} item(s) not assessed. {ruleset.meta.not_assessed_note}"
    return {
        "resourceType": "DetectedIssue",
        "text": _narrative([detail], [na.prompt for na in result.not_assessed]),
        "extension": [_ruleset_extension(ruleset, names)],
        "status": "final",
        "code": {"coding": [{"system": names.issue_kinds_system, "code": NOT_ASSESSED_CODE,
                             "display": "Not assessed"}], "text": "Not assessed"},
        "identifiedDateTime": result.screening_date.isoformat(),
        "evidence": evidence,
        "detail": detail,
    }


def build_bundle(screening: Screening, base: str = FHIR_BASE) -> dict[str, Any]:
    """A screening as a FHIR R4 `collection` Bundle (JSON-ready dict).

    Only the answers that count (their question applies: `screening.used`) go into the
    QuestionnaireResponse, as the engine uses only those.

    Medication lines become MedicationStatements with status `unknown` and the line as text: the
    list is pasted as it stands in a record or on labels, and the tool never asks whether each
    entry is still taken, so `active` would put a claim in the record that nobody made. The
    screening still reads every line as current, which the findings that cite them say. Their
    `subject` is a display-only reference: the tool records no patient identity.
    """
    ruleset, result, effective = screening.ruleset, screening.result, screening.used
    names = Names(ruleset, base)
    qr_ref = _urn()
    meds = [m for m in result.medications or [] if m.status != "empty"]
    med_refs = {m.number: _urn() for m in meds}
    entries = [{"fullUrl": qr_ref, "resource": _questionnaire_response(ruleset, names, result, effective)}]
    for finding in result.findings:
        entries.append({"fullUrl": _urn(), "resource": _finding_issue(
            ruleset, names, finding, qr_ref, med_refs, meds, result.screening_date, effective)})
    if result.not_assessed:
        entries.append({"fullUrl": _urn(), "resource": _not_assessed_issue(ruleset, names, result, qr_ref, med_refs)})
    for m in meds:
        entries.append({"fullUrl": med_refs[m.number], "resource": _medication_statement(m, result.screening_date)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


# ---- checked JSON text ----------------------------------------------------------------------------

_NOT_FHIR_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _fhir_strings(data: Any) -> Any:
    """FHIR strings SHALL NOT hold control characters other than tab, CR and LF (a pasted line may):
    each becomes U+FFFD, so what could not be carried over still shows that something was there."""
    if isinstance(data, str):
        return _NOT_FHIR_TEXT.sub("\ufffd", data)
    if isinstance(data, dict):
        return {k: _fhir_strings(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_fhir_strings(v) for v in data]
    return data


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def questionnaire_json(ruleset: RuleSet, base: str = FHIR_BASE) -> str:
    """The Questionnaire as JSON text, checked against the R4B model first."""
    from fhir.resources.R4B.questionnaire import Questionnaire   # imported on use: only exports need it

    data = build_questionnaire(ruleset, base)
    Questionnaire.model_validate(data)
    return _dumps(data)


def bundle_json(screening: Screening, base: str = FHIR_BASE) -> str:
    """The screening Bundle as JSON text, checked against the R4B model first (the app's download)."""
    from fhir.resources.R4B.bundle import Bundle

    data = _fhir_strings(build_bundle(screening, base))
    Bundle.model_validate(data)
    return _dumps(data)
