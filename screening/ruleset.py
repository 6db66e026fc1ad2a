"""The loaded rule set: validated, indexed and compiled once, then only read.

Everything here is derived from the rule files at load time so that a screening does no parsing,
no validation and no searching: it only runs the compiled closures in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

from .conditions import Evaluator, compile_condition, compile_nodes, questions_in
from .ehr_rules import CdsHooksFile, FhirConditionsFile
from .medications import MedicationMatcher
from .rule_models import (YES_NO, Category, Contradiction, DiscussionPoint, Fact, MedicationFile, MedicationVocabulary,
                          Question, Rule, RulesetFile, Source, TableFile, TopicInfo)
from .result_models import NotAssessed, RulesetInfo, SourceRef


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    topic: str
    condition: Evaluator
    reads: tuple[str, ...]
    sources: tuple[SourceRef, ...]     # built once: every finding of this rule cites the same sources
    order: int = 0                     # position in the rule set (topic order, then file order)
    nodes: Mapping[int, tuple[Evaluator, tuple[str, ...]]] = field(default_factory=dict)  # for triggers


@dataclass(frozen=True)
class CompiledContradiction:
    """A topic's declaration of how answers kept for hidden questions are read (see engine.contradictions)."""

    decl: Contradiction
    topic: str
    sources: tuple[SourceRef, ...]
    order: int


@dataclass(frozen=True)
class CompiledQuestion:
    question: Question
    topic: str
    show_when: Evaluator | None
    options: Mapping[str, str] = field(default_factory=dict)  # value -> label; empty for date and number
    not_assessed: NotAssessed | None = None                   # built once: how it is listed when unanswered


@dataclass(frozen=True)
class RuleSet:
    meta: RulesetFile
    sha256: str
    topics: tuple[TopicInfo, ...]
    questions: tuple[CompiledQuestion, ...]          # checklist order: topic order, then file order
    visibility_order: tuple[CompiledQuestion, ...]   # show_when dependencies before dependants
    rules: tuple[CompiledRule, ...]                  # active rules only
    all_rules: tuple[Rule, ...]                      # every rule, whatever its status
    sources: Mapping[str, Source]
    source_refs: Mapping[str, SourceRef]
    tables: Mapping[str, TableFile]
    categories: Mapping[str, Category]
    facts: Mapping[str, Fact]                        # yes/no facts drawn from a medication list
    matcher: MedicationMatcher
    contradictions: tuple[CompiledContradiction, ...] = ()
    contradiction_for: Mapping[str, CompiledContradiction] = field(default_factory=dict)  # hidden question -> decl
    controllers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # question -> every question its
    #                                            show_when depends on, directly or not (facts excluded)
    supersedes: Mapping[str, frozenset[str]] = field(default_factory=dict)   # rule id -> rules it leads
    fhir: FhirConditionsFile | None = None           # rules/fhir-conditions.yaml (FHIR import), when present
    cds: CdsHooksFile | None = None                  # rules/cds-hooks.yaml (CDS Hooks service), when present

    def with_ehr(self, fhir: object | None, cds: object | None) -> RuleSet:
        """This rule set with the EHR files attached (validated by the loader)."""
        return replace(self, fhir=fhir, cds=cds)  # type: ignore[arg-type]

    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def info(self) -> RulesetInfo:
        return RulesetInfo(name=self.meta.name, version=self.meta.version, sha256=self.sha256)

    @property
    def discussion(self) -> tuple[DiscussionPoint, ...]:
        return tuple(self.meta.discussion)

    def question(self, qid: str) -> CompiledQuestion:
        return self._by_id[qid]

    @property
    def _by_id(self) -> Mapping[str, CompiledQuestion]:
        cached = self.__dict__.get("_by_id_cache")
        if cached is None:
            cached = MappingProxyType({cq.question.id: cq for cq in self.questions})
            object.__setattr__(self, "_by_id_cache", cached)
        return cached

    def topic_title(self, topic_id: str) -> str:
        return next(t.title for t in self.topics if t.id == topic_id)


def _options_of(q: Question, tables: Mapping[str, TableFile]) -> dict[str, str]:
    if q.type == "yes_no":
        return {v: v.capitalize() for v in YES_NO}
    if q.options is not None:
        return {o.value: o.label for o in q.options}
    if q.options_from is not None:
        return {r.value: r.label for r in tables[q.options_from].rows}
    return {}


def _dependency_order(questions: list[CompiledQuestion]) -> list[CompiledQuestion]:
    """Topological order over show_when references (the checker has already ruled out cycles)."""
    by_id = {cq.question.id: cq for cq in questions}
    done: dict[str, CompiledQuestion] = {}

    def visit(cq: CompiledQuestion) -> None:
        if cq.question.id in done:
            return
        if cq.question.show_when is not None:
            for dep in questions_in(cq.question.show_when):
                visit(by_id[dep])
        done[cq.question.id] = cq

    for cq in questions:
        visit(cq)
    return list(done.values())


def build_ruleset(meta: RulesetFile, sha256: str, sources: list[Source], tables: list[TableFile],
                  topics: list[tuple[TopicInfo, list[Question], list[Rule]]], vocabulary: MedicationVocabulary,
                  medication_files: list[MedicationFile],
                  contradictions: list[tuple[str, Contradiction]] | None = None) -> RuleSet:
    """Index and compile checked rule files; call only after the checker found no problem."""
    table_map = {t.id: t for t in tables}
    lookup_rows = {t.id: {r.value: dict(r.attributes) for r in t.rows} for t in tables}
    ordered = sorted(topics, key=lambda t: (t[0].order, t[0].id))
    questions: list[CompiledQuestion] = []
    rules: list[CompiledRule] = []
    all_rules: list[Rule] = []
    source_refs = {s.id: SourceRef(id=s.id, title=s.title, kind=s.kind, url=s.url, document=s.document)
                   for s in sources}
    for info, qs, rs in ordered:
        for q in qs:
            show = compile_condition(q.show_when, lookup_rows) if q.show_when is not None else None
            questions.append(CompiledQuestion(q, info.id, show, MappingProxyType(_options_of(q, table_map)),
                                              NotAssessed(question_id=q.id, topic=info.id, prompt=q.prompt)))
        for r in rs:
            all_rules.append(r)
            if r.status == "active":
                rules.append(CompiledRule(r, info.id, compile_condition(r.when, lookup_rows),
                                          tuple(questions_in(r.when)), tuple(source_refs[sid] for sid in r.sources),
                                          order=len(rules), nodes=MappingProxyType(compile_nodes(r.when, lookup_rows))))
    topic_rank = {info.id: i for i, (info, _, _) in enumerate(ordered)}
    compiled_contradictions = sorted(
        (CompiledContradiction(c, topic, tuple(source_refs[sid] for sid in c.sources), 0)
         for topic, c in contradictions or [] if c.status == "active"),
        key=lambda cc: topic_rank.get(cc.topic, len(topic_rank)))
    compiled_contradictions = [CompiledContradiction(cc.decl, cc.topic, cc.sources, len(rules) + i)
                               for i, cc in enumerate(compiled_contradictions)]
    by_question = {q: cc for cc in compiled_contradictions for q in cc.decl.questions}
    question_ids = {cq.question.id for cq in questions}
    direct = {cq.question.id: [d for d in questions_in(cq.question.show_when) if d in question_ids]
              if cq.question.show_when is not None else [] for cq in questions}
    controllers: dict[str, tuple[str, ...]] = {}
    for qid in direct:
        found: dict[str, None] = {}
        stack = list(direct[qid])
        while stack:
            dep = stack.pop(0)
            if dep not in found:
                found[dep] = None
                stack.extend(direct.get(dep, []))
        controllers[qid] = tuple(found)
    return RuleSet(
        meta=meta, sha256=sha256, topics=tuple(t[0] for t in ordered), questions=tuple(questions),
        visibility_order=tuple(_dependency_order(questions)), rules=tuple(rules), all_rules=tuple(all_rules),
        sources=MappingProxyType({s.id: s for s in sources}), source_refs=MappingProxyType(source_refs),
        tables=MappingProxyType(table_map),
        categories=MappingProxyType({c.id: c for c in meta.categories}),
        facts=MappingProxyType({f.id: f for f in vocabulary.facts}),
        matcher=MedicationMatcher(vocabulary, medication_files),
        contradictions=tuple(compiled_contradictions), contradiction_for=MappingProxyType(by_question),
        controllers=MappingProxyType(controllers),
        supersedes=MappingProxyType({r.id: frozenset(r.supersedes) for r in all_rules}),
    )
