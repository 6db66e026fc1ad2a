"""The medication list: paste it, or take a column of a CSV; see how each line was read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from screening.errors import InputError
from screening.limits import list_problems
from screening.medication_input import csv_column_lines, guess_medication_column, read_csv
from screening.medications import split_lines
from screening.report import md_escape
from screening.result_models import MedLine
from screening.rule_models import NO, YES

from . import keys

PLAIN_TABLE_MAX_ROWS = 30      # longer lists go to the scrolling grid


def _use_csv_column(lines: list[str], label: str) -> None:
    st.session_state[keys.MED_TEXT_PREVIOUS] = st.session_state.get(keys.MED_TEXT, "")
    st.session_state[keys.MED_TEXT] = "\n".join(line.replace("\n", " ") for line in lines)
    st.session_state[keys.MED_MESSAGE] = ("success", f"The list now holds {len(lines)} lines from {label}. "
                                                  "Undo puts back what was there before.")


def _undo_csv() -> None:
    st.session_state[keys.MED_TEXT] = st.session_state.pop(keys.MED_TEXT_PREVIOUS, "")
    st.session_state[keys.MED_MESSAGE] = ("success", "Put back the list as it was before the CSV.")


def _csv_loader() -> None:
    with st.expander("Or take the list from a CSV file"):
        upload = st.file_uploader("CSV file", type=["csv"], key=keys.MED_CSV, max_upload_size=1)
        if upload is None:
            return
        try:
            frame = read_csv(upload.getvalue(), upload.name)
        except InputError as exc:
            st.error(f"Nothing was loaded; the list is unchanged.\n\n{md_escape(exc.report())}", icon=":material/block:")
            return
        columns = [str(c) for c in frame.columns]
        column = st.selectbox("Column with the medications", columns,
                              index=columns.index(guess_medication_column(frame)), key=keys.MED_CSV_COLUMN)
        try:
            lines = csv_column_lines(frame, column, upload.name)
        except InputError as exc:
            st.error(md_escape(exc.report()), icon=":material/block:")
            return
        st.button(f"Use {len(lines)} rows of \"{md_escape(column)}\" as the list", on_click=_use_csv_column,
                  args=(lines, f'{upload.name}, column "{column}"'))


def medication_input() -> list[str] | None:
    """The list as lines, or None when nothing was entered (so list facts stay unknown)."""
    with st.container(border=True):
        st.header("Medication list")
        st.caption("One medicine per line, as written in the record or on the label: brand or generic, strength "
                   "and directions are fine. Lines that are not recognised are listed for review, never dropped.")
        st.text_area("Medication list", key=keys.MED_TEXT, height=150, label_visibility="collapsed",
                     placeholder="e.g.\nNorco 10/325 1 tab q6h prn\nlevothyroxine 75 mcg daily\ngabapentin 300 mg tid")
        _csv_loader()
        message = st.session_state.pop(keys.MED_MESSAGE, None)
        if message:
            st.success(md_escape(message[1]))
        if keys.MED_TEXT_PREVIOUS in st.session_state:
            st.button("Undo: put back the list from before the CSV", on_click=_undo_csv)
        text = st.session_state.get(keys.MED_TEXT) or ""
        lines = split_lines(text) if text.strip() else None
        too_long = list_problems(lines or [])
        if too_long:   # not read at all: the list's facts stay unknown; the text stays in the box to fix
            st.error(md_escape("The list was not read: " + "; ".join(too_long) + ". Your text is kept above."),
                     icon=":material/block:")
            return None
    return lines


def _how_read(r: MedLine) -> str:
    """Status, stop, matched parts and the words not read, in one cell (the table must fit the column)."""
    parts = [r.status_label + (f" (stopped{' ' + r.stopped_date.isoformat() if r.stopped_date else ''})"
                               if r.stopped else "")]
    if r.matches:
        parts.append("matched: " + "; ".join(m.text for m in r.matches))
    if r.leftover or r.mixed_script:
        parts.append("not read: " + (" ".join(r.leftover) or "mixed alphabets")
                     + (" (may hide an opioid)" if r.possible_hidden_opioid else ""))
    return " | ".join(parts)


def medication_table(rows: list[MedLine]) -> None:
    """How each line was read; shown under the list when there is one."""
    shown = [r for r in rows if r.status != "empty"]
    if not shown:
        return
    unknown = [r for r in shown if r.status == "unrecognised"]
    partly = [r for r in shown if r.status == "partly_read"]
    review = " (review them by hand; they are listed as not assessed)" if unknown or partly else ""
    st.markdown(f"**{len(shown)} lines read: {len(shown) - len(unknown) - len(partly)} recognised, {len(unknown)} not "
                f"recognised{f', {len(partly)} partly read' if partly else ''}{review}.**")
    table = pd.DataFrame([{
        "Line": r.number, "As written": r.line.strip(),   # not "#": a Markdown header cell would read it as a heading
        "Read": _how_read(r),
        "Recognised as": (r.product + (" (tolerant match: check)" if r.tolerant else "")) if r.product
        else "NOT RECOGNISED",
        # ingredients share the classes' cell: one column more makes the table scroll sideways (axe: a
        # scrollable region without keyboard access)
        "Classes (ingredients)": (", ".join(r.classes) or "none")
        + (f" ({', '.join(r.ingredients)})" if r.ingredients else ""),
        "Long-acting opioid": "" if r.long_acting is None else (YES if r.long_acting else NO),
    } for r in shown])
    if len(shown) <= PLAIN_TABLE_MAX_ROWS:
        # A plain table draws in half the grid's time (first list 0.65 s vs 1.25 s in one browser, bench/),
        # screen readers read it as a table at once, and it prints. Its cells are Markdown, so every text
        # cell is escaped like the rest of the page: a pasted line stays the text it was.
        st.table(table.map(lambda v: md_escape(v) if isinstance(v, str) else v), hide_index=True)
    else:   # a long list scrolls inside the grid instead of pushing the checklist far down
        st.dataframe(table, hide_index=True, width="stretch")
