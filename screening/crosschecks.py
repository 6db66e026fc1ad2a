"""Checks that need the whole rule set: ids, references, option values, cycles, wording.

Each check returns every problem it finds, so an author fixes a rule set in one pass.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .conditions import (Answered, Compare, Condition, DaysSince, Equals, In, Lookup, leaf_question,
                         questions_in, walk)
from .errors import Problem
from .medications import name_words
from .rule_models import (CONTRADICTION_PLACEHOLDERS, SEVERITY_ORDER, YES_NO, AnswerLabelValue, Contradiction,
                          DateAfterValue, DaysAgoValue, DaysSinceValue, MedicationFile, MedicationVocabulary,
                          MedProductsValue, Question, Rule, RulesetFile, SourcesFile, TableFile, Wording)

SUMMARY_MAX = 140
_WIDEST_NUMBER = 5      # days since: up to 99999
_WIDEST_DATE = 10       # YYYY-MM-DD
_WIDEST_DAYS_AGO = 14   # "99999 days ago"
_WIDEST_PRODUCTS = 140  # product names: keep them out of summaries


@dataclass(frozen=True)
class Located:
    """A parsed file and the name it is reported under."""

    file: str
    model: object


def _duplicates(items: Iterable[tuple[str, str, str]]) -> Iterator[Problem]:
    """items: (id, file, what); a problem for every repeat, naming both files (either may be the new one)."""
    first: dict[str, str] = {}
    for ident, file, what in items:
        if ident in first:
            where = f"again in {file}" if first[ident] == file else f"in both {first[ident]} and {file}"
            yield Problem(file, f'{what} "{ident}" is defined twice ({where}); ids must be unique across all rule '
                                f"files")
        else:
            first[ident] = file


def _option_values(q: Question, tables: dict[str, TableFile]) -> list[str] | None:
    """The values a question accepts, or None when any value of its type goes (date, number)."""
    if q.type == "yes_no":
        return list(YES_NO)
    if q.options is not None:
        return [o.value for o in q.options]
    if q.options_from is not None and q.options_from in tables:
        return [r.value for r in tables[q.options_from].rows]
    return None


class RuleSetChecker:
    """Runs every cross-file check over parsed files and collects the problems."""

    def __init__(self, ruleset: Located, sources: Located, tables: list[Located], topics: list[Located],
                 vocabulary: Located, medications: list[Located]) -> None:
        self.meta: RulesetFile = ruleset.model  # type: ignore[assignment]
        self.meta_file = ruleset.file
        self.sources: SourcesFile = sources.model  # type: ignore[assignment]
        self.sources_file = sources.file
        self.tables_located = tables
        self.topics_located = topics
        self.tables: dict[str, TableFile] = {t.model.id: t.model for t in tables}  # type: ignore[attr-defined]
        self.questions: dict[str, Question] = {}
        self.question_file: dict[str, str] = {}
        for loc in topics:
            for q in loc.model.questions:  # type: ignore[attr-defined]
                self.questions.setdefault(q.id, q)
                self.question_file.setdefault(q.id, loc.file)
        self.source_ids = {s.id for s in self.sources.sources}
        self.vocabulary: MedicationVocabulary = vocabulary.model  # type: ignore[assignment]
        self.vocabulary_file = vocabulary.file
        self.medications = medications
        # facts from the medication list are tested like yes/no questions that are never asked
        self.facts = {f.id: Question(id=f.id, prompt=f.label, type=f.type) for f in self.vocabulary.facts}
        self.category_ids = {c.id for c in self.meta.categories}
        self.topic_ids = {t.model.topic.id for t in topics}  # type: ignore[attr-defined]
        self.forbidden = forbidden_pattern(self.meta.forbidden_words)

    def run(self) -> list[Problem]:
        duplicates = list(self.check_unique_ids())
        if duplicates:  # with two definitions of one id, every later check would read the wrong one
            return duplicates
        return [*self.check_declared_ids(), *self.check_sources_exist(), *self.check_questions(), *self.check_rules(),
                *self.check_show_when_cycles(), *self.check_forbidden_words(), *self.check_medications(),
                *self.check_causes(), *self.check_contradictions()]

    # -- ids --------------------------------------------------------------------------------------
    def check_unique_ids(self) -> Iterator[Problem]:
        yield from _duplicates((s.id, self.sources_file, "source") for s in self.sources.sources)
        yield from _duplicates((c.id, self.meta_file, "category") for c in self.meta.categories)
        yield from _duplicates((d.id, self.meta_file, "discussion point") for d in self.meta.discussion)
        yield from _duplicates((t.model.id, t.file, "table") for t in self.tables_located)  # type: ignore[attr-defined]
        yield from _duplicates((t.model.topic.id, t.file, "topic") for t in self.topics_located)  # type: ignore[attr-defined]
        yield from _duplicates((str(t.model.topic.order), t.file, "topic order")  # type: ignore[attr-defined]
                               for t in self.topics_located)
        yield from _duplicates((q.id, t.file, "question") for t in self.topics_located
                               for q in t.model.questions)  # type: ignore[attr-defined]
        yield from _duplicates([*((r.id, t.file, "rule") for t in self.topics_located
                                  for r in t.model.rules),  # type: ignore[attr-defined]
                                *((c.id, t.file, "contradiction") for t in self.topics_located
                                  for c in t.model.contradictions)])  # type: ignore[attr-defined]
        yield from _duplicates([*((qid, self.question_file[qid], "question or fact") for qid in self.questions),
                                *((fid, self.vocabulary_file, "question or fact") for fid in self.facts)])
        yield from _duplicates((e.id, m.file, "medication id") for m in self.medications
                               for e in [*m.model.ingredients, *m.model.products])  # type: ignore[attr-defined]
        yield from _duplicates([*((" ".join(name_words(n)), m.file, "medication name") for m in self.medications
                                  for e in [*m.model.ingredients, *m.model.products]  # type: ignore[attr-defined]
                                  for n in [*e.names, *e.misspellings]),
                                *((" ".join(name_words(a)), self.vocabulary_file, "medication name")
                                  for a in self.vocabulary.abbreviations)])

    def check_declared_ids(self) -> Iterator[Problem]:
        """Ids the rule set's own files name for the code to use (no data id is written in code)."""
        if self.meta.medication_topic not in self.topic_ids:
            yield Problem(self.meta_file, f'field "medication_topic": "{self.meta.medication_topic}" is not a topic id '
                                          f"(topics: {', '.join(sorted(self.topic_ids))}); name the topic that holds "
                                          "the medication-list rules")

    def _unknown_sources(self, file: str, where: str, ids: list[str]) -> Iterator[Problem]:
        repeated = sorted({sid for sid in ids if ids.count(sid) > 1})
        if repeated:
            yield Problem(file, f'field "sources": cites {", ".join(repeated)} more than once', where)
        for sid in ids:
            if sid not in self.source_ids:
                yield Problem(file, f'field "sources": unknown source "{sid}" (add it to sources.yaml or fix the id)',
                              where)

    def check_sources_exist(self) -> Iterator[Problem]:
        for d in self.meta.discussion:
            yield from self._unknown_sources(self.meta_file, f'discussion point "{d.id}"', d.sources)
        if self.meta.narrative_language is not None:
            yield from self._unknown_sources(self.meta_file, "narrative_language", self.meta.narrative_language.sources)
        for t in self.tables_located:
            yield from self._unknown_sources(t.file, f'table "{t.model.id}"', t.model.sources)  # type: ignore[attr-defined]

    # -- questions and conditions -----------------------------------------------------------------
    def check_questions(self) -> Iterator[Problem]:
        for loc in self.topics_located:
            for q in loc.model.questions:  # type: ignore[attr-defined]
                where = f'question "{q.id}"'
                if q.options_from is not None and q.options_from not in self.tables:
                    yield Problem(loc.file, f'field "options_from": unknown table "{q.options_from}" '
                                            f"(known: {', '.join(sorted(self.tables)) or 'none'})", where)
                if q.show_when is not None:
                    yield from self.check_condition(loc.file, where, "show_when", q.show_when)

    def check_condition(self, file: str, where: str, field: str, cond: Condition) -> Iterator[Problem]:
        for node in walk(cond):
            qid = leaf_question(node)
            if qid is None:
                continue
            q = self.questions.get(qid) or self.facts.get(qid)
            if q is None:
                yield Problem(file, f'field "{field}": unknown question "{qid}"', where)
                continue
            yield from self._check_leaf(file, where, field, node, q)

    def _check_leaf(self, file: str, where: str, field: str, node: Condition, q: Question) -> Iterator[Problem]:
        allowed = _option_values(q, self.tables)
        if isinstance(node, (Equals, In)):
            values = [node.equals.value] if isinstance(node, Equals) else list(node.in_.values)
            if q.type == "date":
                yield Problem(file, f'field "{field}": question "{q.id}" is a date; test it with days_since, '
                                    f"not equals or in", where)
            elif q.type == "number":
                bad = [v for v in values if isinstance(v, str)]
                if bad:
                    yield Problem(file, f'field "{field}": question "{q.id}" is a number (got "{bad[0]}")', where)
            elif allowed is not None:
                for v in values:
                    if isinstance(v, bool):
                        yield Problem(file, f'field "{field}": question "{q.id}" takes an option value, not '
                                            f'{str(v).lower()} (write "yes" or "no" in quotes)', where)
                    elif v not in allowed:
                        yield Problem(file, f'field "{field}": question "{q.id}" has no option "{v}" '
                                            f"(expected one of: {', '.join(allowed)})", where)
        elif isinstance(node, Compare) and q.type != "number":
            yield Problem(file, f'field "{field}": compare needs a number question; "{q.id}" is {q.type}', where)
        elif isinstance(node, DaysSince) and q.type != "date":
            yield Problem(file, f'field "{field}": days_since needs a date question; "{q.id}" is {q.type}', where)
        elif isinstance(node, Lookup):
            yield from self._check_lookup(file, where, field, node, q)
        elif isinstance(node, Answered):
            return

    def _check_lookup(self, file: str, where: str, field: str, node: Lookup, q: Question) -> Iterator[Problem]:
        a = node.lookup
        table = self.tables.get(a.table)
        if table is None:
            yield Problem(file, f'field "{field}": unknown table "{a.table}"', where)
            return
        if q.options_from != a.table:
            yield Problem(file, f'field "{field}": question "{q.id}" does not take its options from table '
                                f'"{a.table}"', where)
        if a.attribute not in table.attributes:
            yield Problem(file, f'field "{field}": table "{a.table}" has no attribute "{a.attribute}" '
                                f"(expected one of: {', '.join(table.attributes)})", where)
            return
        for v in a.in_:
            if v not in table.attributes[a.attribute]:
                yield Problem(file, f'field "{field}": attribute "{a.attribute}" has no value "{v}" '
                                    f"(expected one of: {', '.join(table.attributes[a.attribute])})", where)

    def check_show_when_cycles(self) -> Iterator[Problem]:
        graph = {qid: [d for d in questions_in(q.show_when) if d in self.questions] if q.show_when else []
                 for qid, q in self.questions.items()}
        reported: set[frozenset[str]] = set()
        for start in graph:
            path = _find_cycle(graph, start)
            if path and frozenset(path) not in reported:
                reported.add(frozenset(path))
                yield Problem(self.question_file[start], "show_when cycle: " + " -> ".join([*path, path[0]])
                              + " (a question cannot depend, directly or not, on itself)", f'question "{start}"')

    # -- rules ------------------------------------------------------------------------------------
    def check_rules(self) -> Iterator[Problem]:
        for loc in self.topics_located:
            for rule in loc.model.rules:  # type: ignore[attr-defined]
                yield from self.check_rule(loc.file, rule)

    def check_rule(self, file: str, rule: Rule) -> Iterator[Problem]:
        where = f'rule "{rule.id}"'
        if rule.category not in self.category_ids:
            yield Problem(file, f'field "category": unknown category "{rule.category}" '
                                f"(expected one of: {', '.join(sorted(self.category_ids))})", where)
        yield from self._unknown_sources(file, where, rule.sources)
        yield from self.check_condition(file, where, "when", rule.when)
        for name, value in rule.values.items():
            yield from self._check_value(file, where, name, value)
        yield from self._check_placeholders(file, where, rule)

    def _check_value(self, file: str, where: str, name: str, value: object) -> Iterator[Problem]:
        if isinstance(value, MedProductsValue):
            if value.med_products not in self.facts:
                yield Problem(file, f'field "values.{name}": unknown medication-list fact "{value.med_products}" '
                                    f"(expected one of: {', '.join(sorted(self.facts))})", where)
            return
        if isinstance(value, DaysAgoValue):
            q = self.questions.get(value.days_ago)
            if q is None:
                yield Problem(file, f'field "values.{name}": unknown question "{value.days_ago}"', where)
            elif q.type != "date":
                yield Problem(file, f'field "values.{name}": needs a date question; "{value.days_ago}" is {q.type}',
                              where)
            return
        qid = (value.days_since if isinstance(value, DaysSinceValue)
               else value.date_after.question if isinstance(value, DateAfterValue)
               else value.answer_label)  # type: ignore[union-attr]
        q = self.questions.get(qid) or self.facts.get(qid)
        if q is None:
            yield Problem(file, f'field "values.{name}": unknown question "{qid}"', where)
        elif isinstance(value, AnswerLabelValue) and q.type not in ("choice", "yes_no"):
            yield Problem(file, f'field "values.{name}": answer_label needs a choice or yes_no question; '
                                f'"{qid}" is {q.type}', where)
        elif not isinstance(value, AnswerLabelValue) and q.type != "date":
            yield Problem(file, f'field "values.{name}": needs a date question; "{qid}" is {q.type}', where)

    def _widest(self, rule: Rule, name: str) -> int:
        value = rule.values.get(name)
        if isinstance(value, DaysSinceValue):
            return _WIDEST_NUMBER
        if isinstance(value, DateAfterValue):
            return _WIDEST_DATE
        if isinstance(value, DaysAgoValue):
            return _WIDEST_DAYS_AGO
        if isinstance(value, MedProductsValue):
            return _WIDEST_PRODUCTS
        if isinstance(value, AnswerLabelValue) and value.answer_label in self.questions:
            q = self.questions[value.answer_label]
            labels = [o.label for o in q.options or []]
            if q.options_from in self.tables:
                labels = [r.label for r in self.tables[q.options_from].rows]
            return max((len(lab) for lab in labels), default=3)
        return 0

    def _check_placeholders(self, file: str, where: str, rule: Rule) -> Iterator[Problem]:
        w = rule.wording
        texts = {"summary": w.summary, "why": w.why, "would_change": w.would_change, "patient": w.patient,
                 "sources_disagree": w.sources_disagree or "", "patient_title": w.patient_title or "",
                 **{f"discuss[{i}]": d for i, d in enumerate(w.discuss)}}
        for field, text in texts.items():
            try:
                fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text)
                          if name is not None]
            except ValueError as exc:
                yield Problem(file, f'field "wording.{field}": unbalanced braces ({exc}); write {{{{ for a '
                                    f"literal brace", where)
                continue
            for name, spec, conv in fields:
                if not name.isidentifier() or spec or conv:
                    yield Problem(file, f'field "wording.{field}": placeholder "{{{name}}}" must be a plain name '
                                        f"(no attributes, indexes, conversions or formats)", where)
                elif name not in rule.values:
                    yield Problem(file, f'field "wording.{field}": placeholder "{{{name}}}" is not declared under '
                                        f"values (declared: {', '.join(rule.values) or 'none'})", where)
        longest = _worst_case_length(w.summary, lambda n: self._widest(rule, n))
        if longest > SUMMARY_MAX:
            yield Problem(file, f'field "wording.summary": must be at most {SUMMARY_MAX} characters once filled in '
                                f"(got up to {longest})", where)

    # -- medication data --------------------------------------------------------------------------
    def check_medications(self) -> Iterator[Problem]:
        vocab, vfile = self.vocabulary, self.vocabulary_file
        ingredient_ids = {i.id for m in self.medications for i in m.model.ingredients}  # type: ignore[attr-defined]
        yield from _duplicates((c.id, vfile, "medication class") for c in vocab.classes)
        yield from self._class_references()
        for abbreviation, target in vocab.abbreviations.items():
            if target not in ingredient_ids:
                yield Problem(vfile, f'field "abbreviations.{abbreviation}": unknown ingredient "{target}"')
        for i, conv in enumerate(vocab.label_conventions):
            if conv.ingredient not in ingredient_ids:
                yield Problem(vfile, f'field "label_conventions.{i}.ingredient": unknown ingredient "{conv.ingredient}"')
            yield from self._unknown_sources(vfile, f'label convention "{conv.text}"', conv.sources)
        for partner in vocab.combination_partners:
            if partner not in ingredient_ids:
                yield Problem(vfile, f'field "combination_partners": unknown ingredient "{partner}"')
        for m in self.medications:
            model: MedicationFile = m.model  # type: ignore[assignment]
            yield from self._unknown_sources(m.file, "", model.sources)
            for e in [*model.ingredients, *model.products]:
                if e.sources:
                    yield from self._unknown_sources(m.file, f'entry "{e.id}"', e.sources)
            for p in model.products:
                for ing in p.ingredients:
                    if ing not in ingredient_ids:
                        yield Problem(m.file, f'field "ingredients": unknown ingredient "{ing}" (define it in a '
                                              f"medications file)", f'product "{p.id}"')

    def _class_references(self) -> Iterator[Problem]:
        """Every class a role, fact, ingredient or mask names is declared with a label, and exactly the
        opioid class's ingredients carry an acting (short or long)."""
        vocab, vfile = self.vocabulary, self.vocabulary_file
        declared = {c.id for c in vocab.classes}
        fix = "declare it under classes (with a label) or fix the id"
        for role, cls in vocab.class_roles:
            if cls not in declared:
                yield Problem(vfile, f'field "class_roles.{role}": unknown medication class "{cls}"; {fix}')
        for i, fact in enumerate(vocab.facts):
            for cls in fact.classes:
                if cls not in declared:
                    yield Problem(vfile, f'field "facts.{i}.classes": unknown medication class "{cls}"; {fix}',
                                  f'fact "{fact.id}"')
        opioid = vocab.class_roles.opioid_agonist
        for m in self.medications:
            for ing in m.model.ingredients:  # type: ignore[attr-defined]
                where = f'ingredient "{ing.id}"'
                for field in ("classes", "masked_by"):
                    for cls in getattr(ing, field):
                        if cls not in declared:
                            yield Problem(m.file, f'field "{field}": unknown medication class "{cls}"; {fix}', where)
                if (ing.acting is None) == (opioid in ing.classes):
                    yield Problem(m.file, f'field "acting": required (short or long) for the opioid class "{opioid}" '
                                          "and only for it", where)

    # -- wording --------------------------------------------------------------------------------
    def _wordings(self) -> Iterator[tuple[str, str, str, str]]:
        """(file, where, field, text) for every piece of text a user may read."""
        m = self.meta
        yield self.meta_file, "", "purpose", m.purpose
        yield self.meta_file, "", "patient_purpose", m.patient_purpose
        yield self.meta_file, "", "not_assessed_note", m.not_assessed_note
        yield self.meta_file, "", "no_findings_note", m.no_findings_note
        yield self.meta_file, "", "no_medication_list", m.no_medication_list
        yield self.meta_file, "", "patient_no_medication_list", m.patient_no_medication_list
        for i, step in enumerate(m.patient_next_steps):
            yield self.meta_file, "", f"patient_next_steps[{i}]", step
        for sev, sw in m.severities.items():
            for field in ("label", "patient_label", "meaning"):
                yield self.meta_file, f'severity "{sev}"', field, getattr(sw, field)
        for d in m.discussion:
            for field in ("heading", "clinician", "patient"):
                yield self.meta_file, f'discussion point "{d.id}"', field, getattr(d, field)
        for c in m.categories:
            yield self.meta_file, f'category "{c.id}"', "label", c.label
        for t in self.tables_located:
            for row in t.model.rows:  # type: ignore[attr-defined]
                yield t.file, f'row "{row.value}"', "label", row.label
        for loc in self.topics_located:
            info = loc.model.topic  # type: ignore[attr-defined]
            yield loc.file, "topic", "title", info.title
            yield loc.file, "topic", "intro", info.intro or ""
            for q in loc.model.questions:  # type: ignore[attr-defined]
                yield loc.file, f'question "{q.id}"', "prompt", q.prompt
                yield loc.file, f'question "{q.id}"', "help", q.help or ""
                for o in q.options or []:
                    yield loc.file, f'question "{q.id}"', f"options.{o.value}", f"{o.label} {o.help or ''}"
            worded = (("rule", loc.model.rules), ("contradiction", loc.model.contradictions))  # type: ignore[attr-defined]
            for kind, items in worded:
                for r in items:          # rules and contradictions carry the same wording fields
                    w = r.wording
                    for field in ("summary", "why", "would_change", "patient", "sources_disagree", "patient_title"):
                        yield loc.file, f'{kind} "{r.id}"', f"wording.{field}", getattr(w, field) or ""
                    for i, d in enumerate(w.discuss):
                        yield loc.file, f'{kind} "{r.id}"', f"wording.discuss[{i}]", d
                    yield loc.file, f'{kind} "{r.id}"', "title", r.title

    def check_forbidden_words(self) -> Iterator[Problem]:
        for file, where, field, text in self._wordings():
            hit = self.forbidden.search(text)
            if hit:
                yield Problem(file, f'field "{field}": uses the decision word "{hit.group(0)}"; this tool summarises '
                                    f"findings for discussion and must not word them as a decision", where)


    # -- one cause, one card ---------------------------------------------------------------------------
    def check_causes(self) -> Iterator[Problem]:
        rules = {r.id: (loc.file, r) for loc in self.topics_located for r in loc.model.rules}  # type: ignore[attr-defined]
        for rid, (file, rule) in rules.items():
            where = f'rule "{rid}"'
            for other in rule.supersedes:
                target = rules.get(other)
                if target is None:
                    yield Problem(file, f'field "supersedes": unknown rule "{other}"', where)
                    continue
                if other == rid:
                    yield Problem(file, 'field "supersedes": a rule cannot supersede itself', where)
                    continue
                if rule.cause is None or rule.cause != target[1].cause:
                    yield Problem(file, f'field "supersedes": rule "{other}" must share this rule\'s cause '
                                        f'(this: {rule.cause or "none"}, it: {target[1].cause or "none"}); only '
                                        f"findings of one cause share a card", where)
                if SEVERITY_ORDER[rule.severity] > SEVERITY_ORDER[target[1].severity]:
                    yield Problem(file, f'field "supersedes": a {rule.severity} rule cannot lead the card of the '
                                        f'{target[1].severity} rule "{other}"', where)
        graph = {rid: [o for o in rule.supersedes if o in rules and o != rid] for rid, (_, rule) in rules.items()}
        reported: set[frozenset[str]] = set()
        for start in graph:
            path = _find_cycle(graph, start)
            if path and frozenset(path) not in reported:
                reported.add(frozenset(path))
                yield Problem(rules[start][0], "supersedes cycle: " + " -> ".join([*path, path[0]]),
                              f'rule "{start}"')

    # -- contradicting answers ---------------------------------------------------------------------
    def check_contradictions(self) -> Iterator[Problem]:
        covered: dict[str, str] = {}
        for loc in self.topics_located:
            for c in loc.model.contradictions:  # type: ignore[attr-defined]
                yield from self._check_contradiction(loc.file, c, covered)
        for qid, q in self.questions.items():
            if q.show_when is not None and qid not in covered:
                yield Problem(self.question_file[qid], "skip logic hides this question, but no `contradictions` "
                                                       "entry covers it: an answer kept for it would be dropped in "
                                                       "silence (add it to a contradiction's questions)",
                              f'question "{qid}"')

    def _check_contradiction(self, file: str, c: Contradiction, covered: dict[str, str]) -> Iterator[Problem]:
        where = f'contradiction "{c.id}"'
        if c.category not in self.category_ids:
            yield Problem(file, f'field "category": unknown category "{c.category}" '
                                f"(expected one of: {', '.join(sorted(self.category_ids))})", where)
        yield from self._unknown_sources(file, where, c.sources)
        for qid in c.questions:
            q = self.questions.get(qid)
            if q is None:
                yield Problem(file, f'field "questions": unknown question "{qid}"', where)
            elif q.show_when is None:
                yield Problem(file, f'field "questions": question "{qid}" has no show_when, so it is never hidden',
                              where)
            elif qid in covered:
                yield Problem(file, f'field "questions": question "{qid}" is already covered by contradiction '
                                    f'"{covered[qid]}"', where)
            else:
                covered[qid] = c.id
        yield from _contradiction_placeholders(file, where, c.wording)


def _contradiction_placeholders(file: str, where: str, w: Wording) -> Iterator[Problem]:
    texts = {"why": w.why, "would_change": w.would_change, "patient": w.patient,
             "sources_disagree": w.sources_disagree or "", "patient_title": w.patient_title or "",
             **{f"discuss[{i}]": d for i, d in enumerate(w.discuss)}}
    try:
        in_summary = [n for _, n, _, _ in string.Formatter().parse(w.summary) if n is not None]
    except ValueError as exc:
        in_summary = [str(exc)]
    if in_summary:
        yield Problem(file, 'field "wording.summary": a contradiction\'s summary takes no placeholders (it must stay '
                            f"within {SUMMARY_MAX} characters whatever was answered)", where)
    elif len(w.summary) > SUMMARY_MAX:
        yield Problem(file, f'field "wording.summary": must be at most {SUMMARY_MAX} characters (got '
                            f"{len(w.summary)})", where)
    for field, text in texts.items():
        try:
            names = [(n, spec, conv) for _, n, spec, conv in string.Formatter().parse(text) if n is not None]
        except ValueError as exc:
            yield Problem(file, f'field "wording.{field}": unbalanced braces ({exc})', where)
            continue
        for name, spec, conv in names:
            if name not in CONTRADICTION_PLACEHOLDERS or spec or conv:
                yield Problem(file, f'field "wording.{field}": placeholder "{{{name}}}" is not one of '
                                    f"{', '.join(CONTRADICTION_PLACEHOLDERS)}", where)


def forbidden_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Match any decision word, whatever the case, and with spaces or hyphens between its parts."""
    parts = [r"[\s\-]+".join(re.escape(piece) for piece in w.split()) for w in words]
    return re.compile(r"\b(" + "|".join(parts) + r")\b", re.IGNORECASE)


def _worst_case_length(template: str, widest: object) -> int:
    total = 0
    try:
        for literal, name, _, _ in string.Formatter().parse(template):
            total += len(literal) + (widest(name) if name else 0)  # type: ignore[operator]
    except ValueError:
        return len(template)
    return total


def _find_cycle(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path from start back to start, if one exists (depth-first)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return path
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None
