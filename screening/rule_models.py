"""The shapes of the rule files, as pydantic models: the one description of what a rule file may say.

Single-file checks live here (types, enums, required fields, unknown fields). Checks that need the
whole rule set (unknown question ids, duplicate ids across files, show-when cycles) live in
`crosschecks.py`. The JSON Schema in rules/schema/ is exported from these models.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Union

from pydantic import Discriminator, Field, StringConstraints, Tag, model_validator

from .conditions import Condition, QuestionId
from .strict import StrictModel

Severity = Literal["critical", "warning", "info"]
"""HL7 CDS Hooks card indicators; see the severity policy in the README."""

SEVERITY_ORDER: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}

YES, NO = "yes", "no"
YES_NO = (YES, NO)
"""The one definition of a yes/no answer's values (options, medication-list facts, FHIR booleans)."""

Status = Literal["draft", "active", "retired"]
"""Only `active` rules are evaluated; `retired` keeps history readable instead of deleting a rule."""

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", description="kebab-case, stable forever")]
SourceId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class Option(StrictModel):
    value: Id
    label: Text
    help: str | None = None


class Question(StrictModel):
    """One checklist question. Its answers are what conditions test."""

    id: QuestionId
    prompt: Text
    help: str | None = None
    type: Literal["yes_no", "choice", "date", "number"]
    options: list[Option] | None = Field(default=None, description="choice only: the allowed answers")
    options_from: Id | None = Field(default=None, description="choice only: take the options from this table")
    show_when: Condition | None = Field(default=None, description="ask only when this holds")
    allow_future: bool = Field(default=False, description="date only: may the date be after the screening date")
    minimum: float | None = Field(default=None, description="number only")
    maximum: float | None = Field(default=None, description="number only")

    @model_validator(mode="after")
    def _options_fit_type(self) -> Question:
        if self.type != "number" and (self.minimum is not None or self.maximum is not None):
            raise ValueError(f"minimum and maximum apply to number questions only (this one is {self.type})")
        if self.type != "date" and self.allow_future:
            raise ValueError(f"allow_future applies to date questions only (this one is {self.type})")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum ({self.minimum}) is above maximum ({self.maximum})")
        has_options = self.options is not None or self.options_from is not None
        if self.type == "choice" and not has_options:
            raise ValueError("a choice question needs options or options_from")
        if self.type != "choice" and has_options:
            raise ValueError(f"a {self.type} question takes no options (only choice questions do)")
        if self.options is not None and self.options_from is not None:
            raise ValueError("give options or options_from, not both")
        if self.options is not None:
            values = [o.value for o in self.options]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"option values must be unique (repeated: {', '.join(repeated)})")
        return self


class DateAfterArgs(StrictModel):
    question: QuestionId
    days: int


class DaysSinceValue(StrictModel):
    days_since: QuestionId = Field(description="whole days from that date answer to the screening date")


class DateAfterValue(StrictModel):
    date_after: DateAfterArgs = Field(description="that date answer plus N days, as YYYY-MM-DD")


class AnswerLabelValue(StrictModel):
    answer_label: QuestionId = Field(description="the label of the chosen option")


class DaysAgoValue(StrictModel):
    days_ago: QuestionId = Field(description='that date answer in words: "today", "1 day ago", "9 days ago"')


class MedProductsValue(StrictModel):
    med_products: Annotated[str, Field(pattern=r"^med_[a-z0-9_]+$")] = Field(
        description="the products (and their ingredients) of the list lines that make this fact yes, by the "
                    "rule set's own names, e.g. \"Viberzi (eluxadoline)\"; never the text as typed")


# Values come only from answers and the rule set's own labels: text a user typed (a medication line)
# never enters rule wording, so every renderer can treat wording as trusted and escape user text alone.
_VALUE_TAGS = {DaysSinceValue: "days_since", DateAfterValue: "date_after", AnswerLabelValue: "answer_label",
               DaysAgoValue: "days_ago", MedProductsValue: "med_products"}


def _value_key(value: object) -> str | None:
    if isinstance(value, dict):
        keys = list(value)
        return keys[0] if len(keys) == 1 and keys[0] in _VALUE_TAGS.values() else None
    return _VALUE_TAGS.get(type(value))


ComputedValue = Annotated[
    Union[
        Annotated[DaysSinceValue, Tag("days_since")],
        Annotated[DateAfterValue, Tag("date_after")],
        Annotated[AnswerLabelValue, Tag("answer_label")],
        Annotated[DaysAgoValue, Tag("days_ago")],
        Annotated[MedProductsValue, Tag("med_products")],
    ],
    Discriminator(
        _value_key,
        custom_error_type="value_shape",
        custom_error_message="a value is a mapping with exactly one key: days_since, date_after, answer_label, "
                             "days_ago or med_products",
    ),
]


class Wording(StrictModel):
    """What the clinician and the patient read. `{name}` inserts a value declared under `values`."""

    summary: Text = Field(description="one line, at most 140 characters once filled in")
    why: Text = Field(description="why it matters")
    discuss: list[Text] = Field(min_length=1, description="what to discuss with the patient")
    would_change: Text = Field(description="what answer or date would change this finding")
    patient: Text = Field(description="plain language for the patient discussion view")
    patient_title: Text | None = Field(default=None, description="the heading the patient reads, in plain words "
                                                                 "(the clinician title is used when absent)")
    sources_disagree: str | None = Field(default=None, description="where sources differ, and which reading decides")


class Rule(StrictModel):
    id: RuleId
    title: Text
    category: Id
    severity: Severity
    status: Status
    when: Condition
    values: dict[Id, ComputedValue] = Field(default_factory=dict)
    wording: Wording
    sources: list[SourceId] = Field(min_length=1, description="ids from sources.yaml; at least one")
    last_reviewed: date
    cause: Id | None = Field(default=None, description="one cause, one card: findings that fire together with the "
                                                       "same cause are shown as one card naming every trigger")
    supersedes: list[RuleId] = Field(default_factory=list, description="rules of the same cause whose findings fold "
                                                                       "into this one's card when both fire (this "
                                                                       "one's wording leads)")


class Contradiction(StrictModel):
    """Answers kept for questions that skip logic now hides, read against the answers that hide them.

    Derived from show_when: a kept answer that, with the hiding answers changed as little as possible
    to show its question again, would fire a rule at severity S raises this finding at max(S,
    minimum_severity). Placeholders: {shown} (the answers that hide), {hidden} (the kept answers),
    {would} (what they would lead to); none in the summary.
    """

    id: RuleId
    title: Text
    category: Id
    status: Status
    questions: list[QuestionId] = Field(min_length=1, description="the questions with show_when this covers")
    minimum_severity: Literal["critical", "warning"] = "warning"
    cause: Id | None = Field(default=None, description="merge with the rules of this cause into one card")
    wording: Wording
    sources: list[SourceId] = Field(min_length=1)
    last_reviewed: date


CONTRADICTION_PLACEHOLDERS = ("shown", "hidden", "would")


class TopicInfo(StrictModel):
    id: Id
    title: Text
    order: int
    intro: str | None = None


class TopicFile(StrictModel):
    """rules/topics/*.yaml: one topic of the checklist, its questions and its rules."""

    topic: TopicInfo
    questions: list[Question] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    contradictions: list[Contradiction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> TopicFile:
        if not self.questions and not self.rules:
            raise ValueError("a topic file needs at least one question or rule")
        return self


class TableRow(StrictModel):
    value: Id
    label: Text
    attributes: dict[Id, str] = Field(default_factory=dict)


class TableFile(StrictModel):
    """rules/tables/*.yaml: a reference table, such as the opioid agents and their acting class."""

    id: Id
    description: Text
    attributes: dict[Id, list[str]] = Field(description="each attribute and its allowed values")
    sources: list[SourceId] = Field(min_length=1)
    rows: list[TableRow] = Field(min_length=1)

    @model_validator(mode="after")
    def _rows_fit_attributes(self) -> TableFile:
        seen: set[str] = set()
        for row in self.rows:
            if row.value in seen:
                raise ValueError(f'row "{row.value}" appears twice')
            seen.add(row.value)
            missing = sorted(set(self.attributes) - set(row.attributes))
            extra = sorted(set(row.attributes) - set(self.attributes))
            if missing or extra:
                raise ValueError(f'row "{row.value}": attributes must be exactly {sorted(self.attributes)} '
                                 f"(missing {missing}, unexpected {extra})")
            for name, val in row.attributes.items():
                if val not in self.attributes[name]:
                    raise ValueError(f'row "{row.value}": attribute "{name}" must be one of '
                                     f"{', '.join(self.attributes[name])} (got \"{val}\")")
        return self


class Source(StrictModel):
    id: SourceId
    title: Text
    kind: Literal["seed", "reference", "web"] = Field(
        description="seed: a source document in shared/seeds; reference: the project's checked clinical "
                    "reference; web: a public page")
    document: str | None = Field(default=None, description="seed and reference: the file name")
    url: str | None = Field(default=None, pattern=r"^https?://", description="web only")

    @model_validator(mode="after")
    def _where_to_find_it(self) -> Source:
        if self.kind in ("seed", "reference") and not self.document:
            raise ValueError(f"a {self.kind} source needs `document`, the file name")
        if self.kind == "web" and not self.url:
            raise ValueError("a web source needs `url`")
        return self


class SourcesFile(StrictModel):
    """rules/sources.yaml: every document a rule may cite."""

    sources: list[Source] = Field(min_length=1)


class Category(StrictModel):
    id: Id
    label: Text


class DiscussionPoint(StrictModel):
    id: Id
    heading: Text
    clinician: Text
    patient: Text
    sources: list[SourceId] = Field(min_length=1)


class SeverityWording(StrictModel):
    """How a severity reads: its name for clinicians, its plain words for patients, and its meaning."""

    label: Text
    patient_label: Text
    meaning: Text


class AvoidPhrase(StrictModel):
    """A phrase that stigmatises people who use drugs or is imprecise, and the words to use instead."""

    avoid: Text
    prefer: Text


class NarrativeLanguage(StrictModel):
    """Phrases teaching narratives never use (checked by the tests over cases/)."""

    phrases: list[AvoidPhrase] = Field(min_length=1)
    sources: list[SourceId] = Field(min_length=1)


class RulesetFile(StrictModel):
    """rules/ruleset.yaml: the rule set's identity and product-wide wording."""

    name: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    categories: list[Category] = Field(min_length=1)
    severities: dict[Severity, SeverityWording]
    forbidden_words: list[Text] = Field(min_length=1, description="decision words no wording may use")
    narrative_language: NarrativeLanguage | None = Field(default=None, description="stigmatising or imprecise "
                                                         "phrases no case narrative may use")
    purpose: Text = Field(description="the statement that this is a summary for discussion")
    patient_purpose: Text
    not_assessed_note: Text = Field(description="why unanswered questions are open items, not reassurance")
    medication_topic: Id = Field(description="the topic (a topics/*.yaml id) under which the medication "
                                             "list's open items are filed: no list checked, lines not read")
    no_medication_list: Text = Field(description="the open item listed when no medication list was checked")
    patient_no_medication_list: Text = Field(description="the same open item, in the patient's words")
    no_findings_note: Text = Field(description="what an empty findings list does and does not mean")
    patient_next_steps: list[Text] = Field(min_length=1)
    discussion: list[DiscussionPoint] = Field(min_length=1, description="general LDN points for every summary")

    @model_validator(mode="after")
    def _every_severity_worded(self) -> RulesetFile:
        missing = [s for s in SEVERITY_ORDER if s not in self.severities]
        if missing:
            raise ValueError(f"severities must word every severity (missing: {', '.join(missing)})")
        return self




# ---- medication lists -------------------------------------------------------------------------------

MedClass = Id
"""A medication class id, declared with its label in medication-vocabulary.yaml `classes` (the checker
refuses an undeclared one); shared/corpora/README.md defines each. No class is written in code: the two
the reader treats specially are named in the vocabulary's `class_roles`."""

Name = Annotated[str, StringConstraints(min_length=2, pattern=r"\S")]


class Ingredient(StrictModel):
    """An active ingredient, by every name it is written under."""

    id: Id
    names: list[Name] = Field(min_length=1, description="generic names as written (case and punctuation ignored)")
    misspellings: list[Name] = Field(default_factory=list, description="known misspellings, matched exactly")
    classes: list[MedClass] = Field(default_factory=list, description="empty: recognised, nothing to screen")
    acting: Literal["short", "long"] | None = Field(default=None, description="opioid agonists (the class "
                                                    "class_roles.opioid_agonist names), and only they: acting "
                                                    "class of the plain ingredient")
    systemic_only: bool = Field(default=False, description="its classes do not apply to a local route "
                                                           "(eye drops, ointment, inhaler, nasal spray)")
    masked_by: list[MedClass] = Field(default_factory=list, description="its classes are not reported when the line "
                                                                        "also carries one of these (naloxone in "
                                                                        "buprenorphine/naloxone)")
    fuzzy: bool = Field(default=True, description="allow a tolerant match for unlisted misspellings")
    sources: list[SourceId] = Field(default_factory=list, description="where these names come from, when not "
                                                                      "(only) the file's sources")


class Product(StrictModel):
    """A brand or named product, by its names, with its ingredients."""

    id: Id
    names: list[Name] = Field(min_length=1)
    misspellings: list[Name] = Field(default_factory=list)
    ingredients: list[Id] = Field(min_length=1)
    long_acting: bool | None = Field(default=None, description="opioid products: overrides the ingredient's acting")
    local_route: bool = Field(default=False, description="applied locally (eye drops, ointment, nasal spray): "
                                                         "systemic-only classes do not apply")
    fuzzy: bool = True
    sources: list[SourceId] = Field(default_factory=list, description="where this product and its ingredients "
                                                                      "come from (BNF, TGA, DPD, DailyMed...)")


class MedicationFile(StrictModel):
    """rules/medications/*.yaml: ingredients and products the medication-list reader recognises."""

    description: Text
    sources: list[SourceId] = Field(min_length=1)
    ingredients: list[Ingredient] = Field(default_factory=list)
    products: list[Product] = Field(default_factory=list)


class MedClassInfo(StrictModel):
    id: MedClass
    label: Text


FactLines = Literal["current", "stopped", "not_fully_read", "possible_hidden_opioid"]


class Fact(StrictModel):
    """A fact drawn from the medication list, which conditions test like a question.

    A yes/no fact is yes when any line of its kind (`lines`) carries one of its classes. A
    `latest_date` fact is the most recent stop date of such lines, and unknown unless every such
    line has a date read without ambiguity, so `days_since` never counts from a guess."""

    id: Annotated[str, Field(pattern=r"^med_[a-z0-9_]+$")]
    label: Text
    classes: list[MedClass] = Field(default_factory=list, description="yes when any line carries one of these; "
                                                                      "empty only for not_fully_read and "
                                                                      "possible_hidden_opioid facts")
    long_acting: bool | None = Field(default=None, description="also require the line's opioid to be long-acting")
    lines: FactLines = Field(default="current", description="which lines count: current (not marked stopped), "
                                                            "stopped, not fully read, or with a possible hidden opioid")
    value: Literal["yes_no", "latest_date"] = Field(default="yes_no", description="latest_date: the most recent "
                                                                                  "stop date (a date fact)")

    @model_validator(mode="after")
    def _classes_unless_about_reading(self) -> Fact:
        reading = self.lines in ("not_fully_read", "possible_hidden_opioid")
        if reading == bool(self.classes):
            raise ValueError("classes are required, except for not_fully_read and possible_hidden_opioid facts "
                             "(which take none)")
        if self.value == "latest_date" and self.lines != "stopped":
            raise ValueError("a latest_date fact reads stop dates: it needs lines: stopped")
        return self

    @property
    def type(self) -> Literal["yes_no", "date"]:
        return "date" if self.value == "latest_date" else "yes_no"


Word = Annotated[str, StringConstraints(min_length=1, pattern=r"^\S+( \S+)*$")]


class LabelConvention(StrictModel):
    """A pharmacy-label truncation or suffix that names an ingredient (HYDROCO, APAP/COD, Guaifenesin AC)."""

    text: Word = Field(description="the word(s) as written on the label (normalised like a line)")
    ingredient: Id
    after: list[Word] = Field(default_factory=list, description="read so only right after one of these names "
                                                                "(Fiorinal #3, Guaifenesin AC)")
    with_partner: bool = Field(default=False, description="read so only on a line that also names a "
                                                          "combination partner (APAP/COD, not cod liver oil)")
    sources: list[SourceId] = Field(min_length=1)
    note: str = ""


class WordGroup(StrictModel):
    """Words that are accounted for on a line without naming a medicine (units, forms, sig words...)."""

    id: Id
    words: list[Word] = Field(min_length=1)
    joins_names: bool = Field(default=False, description="these words may stand between the names of one "
                                                          "product (buprenorphine/naloxone, 160 mcg / formoterol): "
                                                          "units and connectors")


class ClassRoles(StrictModel):
    """The medication classes the reader itself treats specially, named here so no class id is code."""

    opioid_agonist: MedClass = Field(description="the opioid class: its ingredients carry short or long acting, "
                                                 "its lines are read as long-acting or not, and a leftover word "
                                                 "that starts like one of its names may hide it")
    screened_medicine: MedClass = Field(description="the class of the medicine this screening is for "
                                                    "(naltrexone): a draft order of it is what the CDS "
                                                    "service screens")


class MedicationVocabulary(StrictModel):
    """rules/medication-vocabulary.yaml: how medication lines are read, and the facts they give the rules."""

    classes: list[MedClassInfo] = Field(min_length=1)
    class_roles: ClassRoles
    facts: list[Fact] = Field(min_length=1)
    abbreviations: dict[Name, Id] = Field(description="abbreviation as written -> ingredient id (APAP -> acetaminophen)")
    long_acting_markers: list[Name] = Field(min_length=1, description="words that make an opioid line long-acting")
    local_route_markers: list[Name] = Field(min_length=1, description="words that mark a local route")
    fuzzy_ignore: list[Name] = Field(default_factory=list, description="words never matched tolerantly (forms, "
                                                                       "units, sig words)")
    fuzzy_min_score: int = Field(ge=70, le=100, description="rapidfuzz ratio a misspelling must reach")
    fuzzy_min_length: int = Field(ge=4, le=10, description="shortest word matched tolerantly")
    # ---- every word accounted for (clinical-reference section 7) ----
    known_words: list[WordGroup] = Field(default_factory=list, description="words a fully read line may hold "
                                                                           "besides names")
    word_patterns: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list, description="regular expressions for whole words that are accounted for (numbers, "
                                          "q4h, x2); matched, never evaluated")
    combination_partners: list[Id] = Field(default_factory=list, description="ingredients an opioid is often "
                                                                             "combined with: a leftover word beside "
                                                                             "one may hide the opioid")
    label_conventions: list[LabelConvention] = Field(default_factory=list)
    stopped_markers: list[Name] = Field(default_factory=list, description="phrases that mark a line as past use")
    stopped_not_after: list[Name] = Field(default_factory=list, description="words that make a following stopped "
                                          "marker a direction on a current line ('take until finished')")
    aside_words: list[Name] = Field(default_factory=list, description="words that start an indication or aside: "
                                                                      "route and long-acting words after them do "
                                                                      "not belong to the product")
    place_words: list[Name] = Field(default_factory=list, description='"in ER", "the ER": a long-acting marker '
                                                                      "right after one of these is a place")
    place_words_after: list[Name] = Field(default_factory=list, description='"ER visit": a long-acting marker '
                                                                            "right before one of these is a place")
    confusables: dict[Annotated[str, StringConstraints(min_length=1, max_length=1)],
                      Annotated[str, StringConstraints(min_length=1, max_length=2)]] = Field(
        default_factory=dict, description="look-alike letters (Cyrillic, Greek) -> the Latin letters they imitate "
                                          "(Unicode TR39 confusables)")

    @model_validator(mode="after")
    def _patterns_compile(self) -> MedicationVocabulary:
        for pattern in self.word_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"word_patterns: {pattern!r} is not a regular expression ({exc})") from None
        return self
