"""How one line is read: every word accounted for, label conventions, release and route words that
belong to their product, stopped lines and their dates, invisible and look-alike characters."""

from __future__ import annotations

from datetime import date

import pytest

from screening.result_models import MedLine
from screening.ruleset import RuleSet


def read(ruleset: RuleSet, line: str) -> MedLine:
    return ruleset.matcher.classify_line(1, line)


@pytest.mark.parametrize("line", [
    "HYDROCO/APAP 10-325MG TAB", "APAP/COD 300-30", "OXYCOD/APAP 5-325", "promethazine/cod syrup 5 ml qhs",
    "Guaifenesin AC 10 ml q4h prn", "Fiorinal #3", "HYDROCOD/IBU 7.5-200MG TAB", "BUPREN/NALOX 8-2MG SL FILM",
    "MORPH SULF ER 15MG TAB",
])
def test_pharmacy_label_truncations_are_read_as_the_opioid(ruleset: RuleSet, line: str) -> None:
    row = read(ruleset, line)
    assert "opioid_agonist" in row.classes, row


def test_a_fully_read_line_accounts_for_every_word(ruleset: RuleSet) -> None:
    row = read(ruleset, "Norco 10/325 1 tab po q6h prn pain")
    assert row.status == "recognised" and row.leftover == [] and row.fully_read


def test_an_unknown_word_beside_a_partner_is_partly_read_and_may_hide_an_opioid(ruleset: RuleSet) -> None:
    row = read(ruleset, "APAP/XYQ 325 mg tab")
    assert row.status == "partly_read" and row.leftover == ["xyq"]
    assert row.possible_hidden_opioid and row.needs_review
    assert row.product == "acetaminophen" and row.classes == []


def test_a_word_that_could_start_an_opioid_name_is_flagged(ruleset: RuleSet) -> None:
    row = read(ruleset, "HYDR 10 mg")
    assert row.status == "unrecognised" and row.possible_hidden_opioid


def test_a_truncation_read_by_inference_keeps_the_line_partly_read(ruleset: RuleSet) -> None:
    row = read(ruleset, "TAPEN 50 MG TAB")
    assert "opioid_agonist" in row.classes
    assert row.status == "partly_read" and row.leftover == ["tapen"]
    assert any(m.how == "truncated name" for m in row.matches)


def test_cod_alone_is_not_codeine(ruleset: RuleSet) -> None:
    assert read(ruleset, "cod liver oil 1 capsule daily").classes == []
    assert read(ruleset, "cod 30 mg").classes == []          # never read without a partner beside it


@pytest.mark.parametrize(("line", "long_acting"), [
    ("tramadol MR 100 mg bd", True), ("oxycodone PR 10mg bd", True), ("oxycodone 10 mg prolonged-release", True),
    ("morphine modified release 30 mg", True), ("Zomorph 10mg", True), ("MST Continus 10 mg", True),
    ("DHC Continus 60mg", True), ("Buvidal 96 mg monthly", True), ("fentanyl 12 mcg/hr patch", True),
    ("Percocet given in ER after a fall", False), ("Dilaudid 1 mg IV in the ER", False),
    ("oxycodone 5 mg, seen in ER", False), ("tramadol 50 mg", False),
])
def test_release_words_belong_to_the_product(ruleset: RuleSet, line: str, long_acting: bool) -> None:
    row = read(ruleset, line)
    assert "opioid_agonist" in row.classes and row.long_acting is long_acting


@pytest.mark.parametrize(("line", "classes"), [
    ("prednisone 10 mg daily for eye inflammation", ["corticosteroid_systemic"]),
    ("Neoral 100 mg bid for psoriasis (skin)", ["immunosuppressant_transplant"]),
    ("prednisolone 5mg od - uses an inhaler too", ["corticosteroid_systemic"]),
    ("Pred Forte 1% eye drops qid", []),
    ("tacrolimus 0.1% ointment bd", []),
    ("budesonide/formoterol 160/4.5 inhaler", []),
])
def test_indications_and_asides_do_not_change_the_route(ruleset: RuleSet, line: str, classes: list[str]) -> None:
    assert read(ruleset, line).classes == classes


@pytest.mark.parametrize(("line", "day", "text"), [
    ("tramadol 50 mg prn (stopped)", None, None),
    ("tramadol 50mg STOPPED 24/11/2026", date(2026, 11, 24), None),
    ("oxycodone 5mg stopped 03/04/2026", None, "03/04/2026"),
    ("oxycodone 5mg stopped 03/03/2026", date(2026, 3, 3), None),
    ("meperidine 50 mg tablet (stopped 2026-11-10)", date(2026, 11, 10), None),
    ("OxyContin 20 mg d/c'd 11/20/2026", date(2026, 11, 20), None),
    ("Suboxone 8/2 - stopped 1 Nov 2026", date(2026, 11, 1), None),
    ("kratom - stopped Nov 20, 2026", date(2026, 11, 20), None),
    ("codeine 30mg - no longer taking", None, None),
    ("Zomorph 10mg bd (ceased 2026-11-15)", date(2026, 11, 15), None),
    ("morphine 10 mg, discontinued Nov 2026", None, "Nov 2026"),
])
def test_stopped_lines_and_their_dates(ruleset: RuleSet, line: str, day: date | None, text: str | None) -> None:
    row = read(ruleset, line)
    assert row.stopped and "opioid_agonist" in row.classes
    assert row.stopped_date == day and row.stopped_date_text == text


def test_do_not_stop_is_a_direction_not_a_stopped_line(ruleset: RuleSet) -> None:
    assert not read(ruleset, "methadone 60 mg daily, do not stop suddenly").stopped
    assert not read(ruleset, "Dimetane Expectorant DC 5 ml").stopped


@pytest.mark.parametrize("line", [
    "oxy\u034fcodone ER 10 mg", "tram\u180eadol 50 mg", "oxy\ufe0fcodone 5 mg", "oxy\U000e0020codone 5 mg",
    "oxy\u2800codone 5 mg", "oxy\u00a0codone 5 mg", "oxy-codone 5 mg", "hydro\u00adcodone/APAP 5/325",
    "\uff4fxycodone 5 mg", "oxy\u200bcodone 5 mg", "oxy\u202ecodone 5 mg",
])
def test_invisible_characters_and_split_names_do_not_hide_an_opioid(ruleset: RuleSet, line: str) -> None:
    row = read(ruleset, line)
    assert row.classes == ["opioid_agonist"] and row.status == "recognised" and not row.mixed_script


@pytest.mark.parametrize("line", ["f\u0435ntanyl 25 mcg patch", "\u043exycodone 5mg", "tram\u0430dol 50 mg",
                                  "m\u03bfrphine 10 mg"])
def test_look_alike_letters_are_folded_and_the_line_is_marked_for_review(ruleset: RuleSet, line: str) -> None:
    row = read(ruleset, line)
    assert "opioid_agonist" in row.classes
    assert row.mixed_script and row.status == "partly_read" and row.needs_review


def test_a_micro_sign_is_a_unit_not_a_mixed_script(ruleset: RuleSet) -> None:
    row = read(ruleset, "Levothyrox 50 \u00b5g")
    assert row.classes == ["thyroid_hormone"] and not row.mixed_script and row.status == "recognised"


@pytest.mark.parametrize(("line", "classes"), [
    ("Solpadeine Headache 2 tablets", []), ("Solpadeine Plus 2 tablets", ["opioid_agonist"]),
    ("Advil Dual Action 2 caplets", []), ("oxybutynin 5 mg", []), ("oxcarbazepine 300 mg", []),
    ("hydroxyzine 25 mg", []), ("hydralazine 25 mg", []), ("Lucemyra 0.18 mg", ["opioid_withdrawal_treatment"]),
])
def test_non_opioid_look_alikes_stay_apart(ruleset: RuleSet, line: str, classes: list[str]) -> None:
    assert read(ruleset, line).classes == classes


@pytest.mark.parametrize("line", ["illicit fentanyl", "pressed M30s", "isotonitazene", "7-OH tablets",
                                  "tianeptine 12.5 mg", "kratom powder", "heroin"])
def test_illicit_and_unregulated_opioids_are_long_acting(ruleset: RuleSet, line: str) -> None:
    row = read(ruleset, line)
    assert "opioid_agonist" in row.classes and row.long_acting is True
