"""Getting a medication list in: a text file or a CSV column, with a clear message for bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from .errors import FieldProblem, InputError
from .medications import split_lines


def read_text_list(data: bytes, source: str) -> list[str]:
    """One entry per line from UTF-8 bytes (a byte-order mark is allowed)."""
    try:
        return split_lines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(source, [FieldProblem("(file)", f"not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                                                         "and try again")]) from None


def read_list_file(path: Path) -> list[str]:
    try:
        return read_text_list(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(str(path), [FieldProblem("(file)", f"cannot be read: {exc.strerror}")]) from None


def read_csv(data: bytes, source: str) -> pd.DataFrame:
    """A CSV as text columns; InputError for a file that is not UTF-8, empty or malformed."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=False)
    except UnicodeDecodeError:
        raise InputError(source, [FieldProblem("(file)", "not UTF-8 text; save the CSV as UTF-8 and try again")]) \
            from None
    except pd.errors.EmptyDataError:
        raise InputError(source, [FieldProblem("(file)", "the file is empty")]) from None
    except pd.errors.ParserError as exc:
        raise InputError(source, [FieldProblem("(file)", f"not a well-formed CSV: {exc}".strip())]) from None
    if frame.columns.empty:
        raise InputError(source, [FieldProblem("(file)", "the CSV has no columns")])
    return frame


def csv_column_lines(frame: pd.DataFrame, column: str, source: str) -> list[str]:
    """The chosen column, one entry per row, in row order."""
    if column not in frame.columns:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        raise InputError(source, [FieldProblem(column, f'no column "{column}" in this CSV (columns: {columns})')])
    return [str(v) for v in frame[column].tolist()]


def guess_medication_column(frame: pd.DataFrame) -> str:
    """The column most likely to hold medication names, by its header; the first column otherwise."""
    for column in frame.columns:
        if any(word in str(column).lower() for word in ("medication", "medicine", "drug", "display", "name")):
            return str(column)
    return str(frame.columns[0])
