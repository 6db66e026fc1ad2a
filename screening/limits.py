"""Every bound on what a user may hand the tool, in one place, so messages, tests and README agree.

Uploads come from anyone with the page open. Without bounds one file can crash the server process
(deep nesting), exhaust its memory (an alias bomb) or burn minutes of CPU on every click (100,000
list lines). Real screenings sit far below every bound here.
"""

from __future__ import annotations

from datetime import date

MAX_UPLOAD_BYTES = 512 * 1024        # a case file or record: the largest golden case is ~1.2 KB
MAX_DEPTH = 32                       # nesting of a case file or record (they use 4 levels)
MAX_TOKENS = 20_000                  # YAML tokens in a case file (500 list lines need ~1,100)
MAX_LIST_LINES = 500                 # medication list lines read
MAX_LINE_CHARS = 300                 # characters in one medication line
MAX_TEXT_CHARS = 20_000              # a title or narrative
MAX_ANSWER_CHARS = 300               # one answer given as text
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))   # screening dates the tool accepts (the app's date picker)


def list_problems(lines: list[str]) -> list[str]:
    """Why a medication list is too long to read, in words that say how to fix it; [] when it is fine."""
    problems = []
    count = sum(1 for line in lines if line.strip())
    if count > MAX_LIST_LINES:
        problems.append(f"the list has {count} lines; at most {MAX_LIST_LINES} are read. Split it, or keep the "
                        "current medicines only")
    long_lines = [n for n, line in enumerate(lines, start=1) if len(line) > MAX_LINE_CHARS]
    if long_lines:
        shown = ", ".join(str(n) for n in long_lines[:5]) + (" ..." if len(long_lines) > 5 else "")
        problems.append(f"line{'s' if len(long_lines) > 1 else ''} {shown} {'are' if len(long_lines) > 1 else 'is'} "
                        f"longer than {MAX_LINE_CHARS} characters; put one medicine per line")
    return problems
