"""Getting a medication list in: a text file or a CSV column, with a clear message for bad files.

Lists are bounded (screening/limits.py: lines and characters per line): a 100,000-row CSV would
otherwise cost seconds of server CPU on every click. An over-long list is refused with a message
that says how to fix it, and the user's text is kept where it was.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from . import limits
from .errors import FieldProblem, InputError
from .medications import split_lines


def read_text_list(data: bytes, source: str) -> list[str]:
    """One entry per line from UTF-8 bytes (a byte-order mark is allowed)."""
    try:
        return split_lines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(source, [FieldProblem("(file)", f"not UTF-8 text (byte {exc.start}); save it as UTF-8 "
                                                         "and try again")]) from None


def check_list(lines: list[str], source: str) -> list[str]:
    """The lines unchanged, or InputError when the list is longer than the tool reads (see limits)."""
    problems = limits.list_problems(lines)
    if problems:
        raise InputError(source, [FieldProblem("(list)", p) for p in problems])
    return lines


def read_list_file(path: Path) -> list[str]:
    try:
        if path.stat().st_size > limits.MAX_UPLOAD_BYTES:
            raise InputError(str(path), [FieldProblem("(file)", f"is larger than {limits.MAX_UPLOAD_BYTES // 1024} "
                                                                f"KB; at most {limits.MAX_LIST_LINES} lines are read")])
        return check_list(read_text_list(path.read_bytes(), str(path)), str(path))
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
    return check_list([str(v) for v in frame[column].tolist()], f'{source}, column "{column}"')


def guess_medication_column(frame: pd.DataFrame) -> str:
    """The column most likely to hold medication names, by its header; the first column otherwise."""
    for column in frame.columns:
        if any(word in str(column).lower() for word in ("medication", "medicine", "drug", "display", "name")):
            return str(column)
    return str(frame.columns[0])
