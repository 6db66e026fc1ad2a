"""Typed text stays text: every injection payload, in every free-text field a user controls, is inert
in the exported Markdown and HTML and in the CLI's output.

The payloads are tests/fixtures/injection-payloads.txt, one per line, taken literally. A line that
starts with `esc:` is ASCII with Python backslash escapes (`\\n`, `\\r`, `\\x00`, `\\u202e`), for
payloads a text file cannot hold on one line (line breaks, NUL, control and bidi characters).

The fields: a line of the pasted medication list (alone, and after a recognised medicine, whose
line is quoted back in the findings), a case file's medications (list entry or one text), narrative
and title, answer values that are rejected (an unknown option, a yes/no that is neither, a date
that is not one) and unknown answer keys. Each field gets every payload; a failure lists every
payload that was not inert in that field, with what it produced.

Markdown, two tests. Markup: no unescaped HTML tag, link, image, reference definition or emphasis
from the payload, no heading or setext underline the template did not write, no line break the
template did not write (a lone \r is one in CommonMark), and a medication table whose rows keep
their five cells. Autolinks and shortcodes: the same Markdown is shown in the app (GFM and
Streamlit), where a URL, www. or e-mail address becomes a link and :material/x: an icon even when
backslash-escaped, and an unescaped :emoji: becomes an emoji. HTML is inert when html.parser finds no
tag or attribute set the template never writes, no comment, no `on*` attribute, no URL attribute, no
`javascript:`, and the payload comes back as text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from screening.answers import parse_answers
from screening.case_file import parse_case
from screening.errors import InputError
from screening.limits import MAX_LINE_CHARS
from screening.engine import screen
from screening.medications import split_lines
from screening.report import md_escape, render_html, render_markdown
from screening.result_models import ScreeningResult
from screening.ruleset import RuleSet
from screening.text_safety import strip_bidi
from screening.timeline import with_changes_ahead
from screening.yaml_io import dump_yaml

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD_FILE = ROOT / "tests" / "fixtures" / "injection-payloads.txt"
SCREENING_DATE = date(2026, 11, 23)


def load_payloads(path: Path = PAYLOAD_FILE) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        if line.startswith("esc:"):
            body = line[4:]
            assert body.isascii(), f"an esc: line must be ASCII: {line!r}"
            line = body.encode("ascii").decode("unicode_escape")
        out.append(line)
    return out


PAYLOADS = load_payloads()


def short(payload: str, limit: int = 70) -> str:
    text = repr(payload)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(payload)} chars)"


# ------------------------------------------------------------------------------------------ scenarios

@dataclass(frozen=True)
class Scenario:
    raw: dict[str, Any]
    medications: list[str] | None


def pasted(text: str, **raw: Any) -> Scenario:
    """The app's medication box: the text is split into lines exactly as the app splits it."""
    return Scenario(dict(raw), split_lines(text))


def from_case(case: dict[str, Any]) -> Scenario:
    """A case file as the sidebar and the CLI read it (JSON keeps NUL and control characters exact)."""
    data = {"screening_date": SCREENING_DATE.isoformat(), **case}
    try:
        parsed = parse_case(json.dumps(data), "payload-case.json")
    except InputError as exc:   # longer than screening/limits.py allows: refused whole, so nothing is exported
        assert "characters" in exc.report(), exc.report()
        return Scenario({}, None)
    return Scenario(dict(parsed.answers), parsed.medication_lines())


# Each field: payload -> scenario. The answers around the payload make the field reach the export
# (for example, "opioid_current: no" with an opioid on the list quotes the list line in a finding).
FIELDS: dict[str, Callable[[str], Scenario]] = {
    "medication line, not recognised (pasted)":
        lambda p: pasted(f"gabapentin 300 mg tid\n{p}", opioid_current="no"),
    "medication line after an opioid (pasted)":
        lambda p: pasted(f"Norco 10/325 1 tab q6h prn {p}", opioid_current="no"),
    "medication line after thyroid hormone (pasted)":
        lambda p: pasted(f"levothyroxine 75 mcg daily {p}", thyroid_hormone="no"),
    "case file medications: list entry":
        lambda p: from_case({"medications": ["gabapentin 300 mg tid", p], "answers": {"opioid_current": "no"}}),
    "case file medications: list entry after an opioid":
        lambda p: from_case({"medications": [f"Norco 10/325 {p}"], "answers": {"opioid_current": "no"}}),
    "case file medications: one text":
        lambda p: from_case({"medications": f"Norco 10/325\n{p}", "answers": {"opioid_current": "no"}}),
    "case file narrative and title":
        lambda p: from_case({"title": p, "narrative": p, "medications": ["Norco 10/325"],
                             "answers": {"opioid_current": "no"}}),
    "answer: unknown option (opioid_agent)":
        lambda p: from_case({"answers": {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": p}}),
    "answer: neither yes nor no (opioid_current)":
        lambda p: from_case({"answers": {"opioid_current": p}}),
    "answer: not a date (opioid_last_dose)":
        lambda p: from_case({"answers": {"opioid_current": "no", "opioid_past_30_days": "yes",
                                         "opioid_last_dose": p}}),
    "answer: unknown question key":
        lambda p: from_case({"answers": {p: "yes", "opioid_current": "no"}}),
}

BENIGN = "plain text 123"
LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Export:
    result: ScreeningResult
    markdown: str
    html: str


def export(ruleset: RuleSet, scenario: Scenario) -> Export:
    """What the app's download buttons produce (with the 'with time' changes), for one scenario."""
    answers, problems = parse_answers(ruleset, scenario.raw, SCREENING_DATE)
    result = screen(ruleset, answers, SCREENING_DATE, problems, scenario.medications)
    result = with_changes_ahead(ruleset, answers, result, scenario.medications)
    return Export(result, render_markdown(result, ruleset), render_html(result, ruleset))


# ------------------------------------------------------------------------------------ Markdown checks

COMMONMARK_LINE = re.compile(r"\r\n|\r|\n")     # CommonMark's line endings: a lone \r ends a line too
MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")      # a backslash escape, as CommonMark resolves it
TABLE_HEADER = "| # | As written | Recognised as | Classes | Long-acting opioid |"
# The template's own bold: "- **Why it matters:** ...", "**not recognised**" and a finding's bold summary line.
TEMPLATE_EMPHASIS = re.compile(r"^- \*\*[A-Z][\w ]{1,40}:\*\*|\*\*not recognised\*\*|^\*\*[^*]*\*\*$"
                               r"|^- \*\*[A-Z][\w ']{1,40}: [A-Z][\w ',()-]{1,80}\.\*\* ")   # patient view: label: title.


def unescaped(text: str, pattern: str | re.Pattern[str]) -> list[re.Match[str]]:
    """Matches not preceded by an odd number of backslashes (so not Markdown-escaped)."""
    out = []
    for m in re.finditer(pattern, text):
        i, n = m.start(), 0
        while i > 0 and text[i - 1] == "\\":
            n, i = n + 1, i - 1
        if n % 2 == 0:
            out.append(m)
    return out


def allowed_headings(ruleset: RuleSet) -> list[re.Pattern[str]]:
    labels = "|".join(re.escape(s.label.upper()) for s in ruleset.meta.severities.values())
    titles = "|".join(re.escape(cr.rule.title) for cr in ruleset.rules)
    return [re.compile(p) for p in (
        r"# LDN safety screening: summary for discussion",
        r"## (Clinician view|Patient discussion view|Sources)",
        r"### Findings \(\d+ [a-z ]+, \d+ [a-z ]+, \d+ [a-z ]+\)",
        rf"#### \[({labels})\] ({titles})",
        r"### Medication list \(\d+ lines?: \d+ recognised, \d+ not recognised\)",
        r"### Not assessed \(\d+\)",
        r"### (Answers that could not be used|General points for the discussion|What we found|What happens next"
        r"|About LDN)",
    )]


@dataclass(frozen=True)
class Template:
    """What the template writes whatever the input: from payload-free renders that use all of it."""

    headings: list[re.Pattern[str]]
    lines: frozenset[str]               # Markdown lines
    cites: tuple[str, ...]              # source citations (they hold the rule set's own <URL> autolinks)
    tags: frozenset[tuple[str, tuple[str, ...]]]    # HTML tags with their attribute names


MARKUP, AUTOLINK = "markup", "autolink or Streamlit shortcode"


def markdown_problems(md: str, template: Template, med_rows: int, twin_lines: int | None) -> list[tuple[str, str]]:
    """Everything in `md` that is markup a payload made, as (kind, example), one example per kind and line.

    MARKUP: HTML, links, images, headings, line breaks, a broken table. AUTOLINK: text that GFM or
    Streamlit turns into a link, an icon or an emoji although it is Markdown-escaped.
    """
    problems: list[tuple[str, str]] = []
    lines = COMMONMARK_LINE.split(md)
    if "\r" in md:
        problems.append((MARKUP, "a carriage return (a CommonMark line break) reached the file"))
    if twin_lines is not None and len(lines) != twin_lines:
        problems.append((MARKUP, f"{len(lines) - twin_lines:+d} line(s) compared with the same text without "
                                 "line breaks"))
    for line in lines:
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) <= 3 and re.match(r"#{1,6}(\s|$)", stripped) \
                and not any(h.fullmatch(line.rstrip()) for h in template.headings):
            problems.append((MARKUP, f"injected heading: {line[:80]!r}"))
        if re.fullmatch(r" {0,3}(=+|-+)[ \t]*", line):
            problems.append((MARKUP, f"setext heading underline: {line[:80]!r}"))
        if line in template.lines:
            continue            # a line the template writes whatever the input: no payload in it
        for cite in template.cites:
            line = line.replace(cite, "")       # source citations are the rule set's, with their <URL>s
        line = TEMPLATE_EMPHASIS.sub("", line)
        for what, pattern in (
            ("raw HTML tag", r"<[A-Za-z/!?]"),
            ("emphasis or strikethrough", r"\*|(?<![\w\\])_|_(?!\w)|~~"),
            ("link or image", r"\]\("),
            ("reference-link definition", r"^ {0,3}\[[^\]]*\]:"),
        ):
            found = unescaped(line, pattern)
            if found:
                m = found[0]
                problems.append((MARKUP, f"{what}: {line[max(0, m.start() - 25):m.end() + 45]!r}"))
        # GFM's autolink literals (remark-gfm) and Streamlit's :material/...: icons work on the text once
        # backslash escapes are resolved, so escaping cannot stop them: look at the resolved text. (Seen
        # in Chromium with Streamlit 1.67: "http\://a\.b" is a link and "\:material/x\:" an icon, while
        # an escaped "\:skull\:" stays text.)
        text = MD_ESCAPE.sub(r"\1", line)
        for what, pattern in (
            ("bare URL", r"(?i)\b(?:https?|ftp)://[^\s<]+"),
            ("www autolink", r"(?i)\bwww\.[\w-]+\.[^\s<]*"),
            ("email autolink", r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]*\w"),
            ("Streamlit icon shortcode", r":material/[a-z0-9_]+:"),
        ):
            m = re.search(pattern, text)
            if m:
                example = text[max(0, m.start() - 25):m.end() + 25]
                problems.append((AUTOLINK, f"{what} (escapes resolved): {example!r}"))
        found = unescaped(line, r"(?<![\w:]):[a-z][a-z0-9_+-]*(?<!\\):(?![\w/])")    # emoji: escaping does work
        if found:
            m = found[0]
            problems.append((AUTOLINK, f"emoji shortcode: {line[max(0, m.start() - 25):m.end() + 25]!r}"))
    if med_rows:
        try:
            start = lines.index(TABLE_HEADER)
        except ValueError:
            problems.append((MARKUP, "the medication table header is missing"))
        else:
            rows = []
            for line in lines[start + 2:]:
                if not line.strip():
                    break
                rows.append(line)
            if len(rows) != med_rows:
                problems.append((MARKUP, f"the medication table has {len(rows)} rows for {med_rows} medication "
                                         "lines"))
            for row in rows:
                pipes = len(unescaped(row, r"\|"))
                if pipes != 6 or not re.match(r"\| \d+ \| ", row):
                    problems.append((MARKUP, f"medication table row broken ({pipes} unescaped pipes): {row[:100]!r}"))
    return problems


# ---------------------------------------------------------------------------------------- HTML checks

class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.other: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(sorted(a for a, _ in attrs))))
        self.attrs.extend((tag, a, v or "") for a, v in attrs)

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment <!--{data[:60]}-->")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"processing instruction {data[:60]!r}")

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html":
            self.other.append(f"declaration {decl[:60]!r}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"declaration {data[:60]!r}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    c.close()
    return c


def html_problems(html: str, allowed: set[tuple[str, tuple[str, ...]]], expect_text: list[str]) -> list[str]:
    c = parse_html(html)
    problems = [f"tag the template never writes: <{t} {' '.join(a)}>" for t, a in dict.fromkeys(c.tags)
                if (t, a) not in allowed]
    problems += c.other
    for tag, name, value in c.attrs:
        if name.startswith("on"):
            problems.append(f"event handler attribute {name} on <{tag}>")
        if name in ("href", "src", "action", "formaction", "xlink:href", "srcdoc", "data"):
            problems.append(f"{name}= on <{tag}>: {value[:60]!r}")
        if re.search(r"(?i)javascript\s*:", value):
            problems.append(f"javascript: in {name}= on <{tag}>")
    text = "".join(c.text)
    for expected in expect_text:
        if expected not in text:
            problems.append(f"the payload does not come back as text: {short(expected)}")
    return problems


def expected_html_text(result: ScreeningResult) -> list[str]:
    """What the payload must read as once the HTML is parsed: the table cells and problem messages."""
    out = [m.line for m in result.medications or [] if m.status != "empty"]
    out += [f"{p.field}: {p.message}" for p in result.input_problems]
    return [strip_bidi(t) for t in out]     # bidi controls are removed from every export (text_safety)


# ------------------------------------------------------------------------------------------ fixtures

RICH = Scenario({"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": "tramadol",
                 "opioid_formulation": "immediate_release", "opioid_last_dose": "2026-11-14", "bogus": "x"},
                ["Norco 10/325", "OxyContin 20 mg q12h", "tacrolimus 1 mg", "levothyroxine 75 mcg", "wibble"])


@pytest.fixture(scope="module")
def template(ruleset: RuleSet) -> Template:
    renders = [export(ruleset, make(BENIGN)) for make in FIELDS.values()] + [export(ruleset, RICH)]
    tags = frozenset(t for r in renders for t in parse_html(r.html).tags)
    assert ("table", ("class",)) in tags and ("article", ("class",)) in tags, "the baseline must use the whole template"
    cites = sorted({s.cite for s in ruleset.source_refs.values()}, key=len, reverse=True)
    return Template(allowed_headings(ruleset), frozenset(line for r in renders
                                                         for line in COMMONMARK_LINE.split(r.markdown)),
                    tuple(cites), tags)


def test_the_corpus_covers_every_kind_of_payload() -> None:
    assert len(PAYLOADS) >= 40 and len(set(PAYLOADS)) == len(PAYLOADS)
    text = "\n".join(PAYLOADS)
    for needle in ("<script", "onerror", "<svg", "javascript:", "&#", "%3C", "](javascript:", "![", "# ", "|---",
                   "$", ":red[", ":material/", "\x00", "\x1b", "\u202e", "\r", "{{", "{%", "${", "!!python"):
        assert needle in text, needle
    assert max(map(len, PAYLOADS)) >= 4000


_EXPORTS: dict[tuple[str, str], tuple[Export, int | None]] = {}


def export_with_twin(ruleset: RuleSet, field: str, payload: str) -> tuple[Export, int | None]:
    """The export for a payload in a field, and the Markdown line count of the same text with its line
    breaks made spaces (None when that changes the medication lines, so the counts are not comparable)."""
    key = (field, payload)
    if key not in _EXPORTS:
        make = FIELDS[field]
        scenario = make(payload)
        twin_payload = LINE_BREAKS.sub(" ", payload)
        twin_lines = None
        if twin_payload != payload:
            twin = make(twin_payload)
            if len(twin.medications or []) == len(scenario.medications or []):
                twin_lines = len(COMMONMARK_LINE.split(export(ruleset, twin).markdown))
        _EXPORTS[key] = (export(ruleset, scenario), twin_lines)
    return _EXPORTS[key]


def _markdown_failures(ruleset: RuleSet, template: Template, field: str, kind: str) -> list[str]:
    failures = []
    for payload in PAYLOADS:
        out, twin_lines = export_with_twin(ruleset, field, payload)
        med_rows = sum(m.status != "empty" for m in out.result.medications or [])
        problems = [msg for k, msg in markdown_problems(out.markdown, template, med_rows, twin_lines) if k == kind]
        if problems:
            failures.append(f"{short(payload)}:\n      " + "\n      ".join(dict.fromkeys(problems)))
    return failures


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_payload_is_inert_in_the_exported_markdown(ruleset: RuleSet, template: Template, field: str) -> None:
    """No HTML, link, image, heading, line break or broken table row from the payload."""
    failures = _markdown_failures(ruleset, template, field, MARKUP)
    if failures:
        pytest.fail(f"{len(failures)} of {len(PAYLOADS)} payloads are not inert in the Markdown ({field}):\n  "
                    + "\n  ".join(failures), pytrace=False)


@pytest.mark.parametrize("field", list(FIELDS))
def test_no_payload_becomes_an_autolink_icon_or_emoji_in_the_markdown(ruleset: RuleSet, template: Template,
                                                                      field: str) -> None:
    """The same Markdown is shown in the app's summary tab (GFM + Streamlit): URLs, www., e-mail
    addresses, :material/...: and :emoji: shortcodes there become links, icons and emoji, and
    backslash escapes do not prevent it (they are resolved first)."""
    failures = _markdown_failures(ruleset, template, field, AUTOLINK)
    if failures:
        pytest.fail(f"{len(failures)} of {len(PAYLOADS)} payloads become links, icons or emoji ({field}):\n  "
                    + "\n  ".join(failures), pytrace=False)


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_payload_is_inert_in_the_exported_html(ruleset: RuleSet, template: Template, field: str) -> None:
    failures = []
    for payload in PAYLOADS:
        out, _ = export_with_twin(ruleset, field, payload)
        problems = html_problems(out.html, template.tags, expected_html_text(out.result))
        if problems:
            failures.append(f"{short(payload)}:\n      " + "\n      ".join(dict.fromkeys(problems)))
    if failures:
        pytest.fail(f"{len(failures)} of {len(PAYLOADS)} payloads are not inert in the HTML ({field}):\n  "
                    + "\n  ".join(failures), pytrace=False)


def test_the_checks_catch_what_they_look_for(ruleset: RuleSet, template: Template) -> None:
    """The checkers themselves: markup that is live must be reported, or a pass would mean nothing."""
    clean = export(ruleset, FIELDS["medication line, not recognised (pasted)"](BENIGN))
    assert not markdown_problems(clean.markdown, template, 2, None)
    for live in ("<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "![t](http://198.51.100.7/t.png)",
                 "http://198.51.100.7/x", ":material/dangerous:", "\n# Injected", "\nx\n===", "a\rb"):
        assert markdown_problems(clean.markdown + f"\nsee {live}\n", template, 2, None), live
    assert markdown_problems(clean.markdown.replace("gabapentin", "gaba | pentin"), template, 2, None)
    assert markdown_problems(clean.markdown, template, 3, None)
    escaped = md_escape("<img src=x onerror=alert(1)> [x](javascript:alert(1)) # x")
    assert not markdown_problems(clean.markdown + f"\nsee {escaped}\n", template, 2, None), "escaped is inert"
    kinds = {k for k, _ in markdown_problems(clean.markdown + f"\nsee {md_escape('http://198.51.100.7/x')}\n",
                                             template, 2, None)}
    assert kinds == set(), "md_escape breaks the autolink itself (word joiner), not only the markup"
    assert not html_problems(clean.html, template.tags, [BENIGN])
    assert html_problems(clean.html, template.tags, ["not in the page"])
    assert html_problems(clean.html.replace(BENIGN, "<img src=x onerror=alert(1)>"), template.tags, [])
    assert html_problems(clean.html.replace("<td>", '<td onclick="x">', 1), template.tags, [])


# ------------------------------------------------------------------------------------------------ CLI

@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str


def _run_cli(path: Path, fmt: str) -> CliRun:
    """Bytes decoded by hand: text mode would turn a payload's lone \\r into \\n."""
    proc = subprocess.run([sys.executable, "-m", "screening", "check", str(path), "--format", fmt],
                          cwd=ROOT, capture_output=True, timeout=120)
    return CliRun(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def payload_case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case file with every payload in its title, narrative and medications. JSON, not YAML: PyYAML's
    writer turns U+0085 into a space, and the file must carry every payload exactly."""
    data = {"title": PAYLOADS[0], "narrative": "\n".join(PAYLOADS), "screening_date": SCREENING_DATE.isoformat(),
            "answers": {"opioid_current": "no", "thyroid_hormone": "no"},
            "medications": [*(p for p in PAYLOADS if len(p) <= MAX_LINE_CHARS),     # longer lines are refused
                            *(f"Norco 10/325 {p}" for p in PAYLOADS[:12]), "levothyroxine 75 mcg daily"]}
    path = tmp_path_factory.mktemp("cli") / "payloads.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_cli_html_from_a_payload_case_file_is_inert(ruleset: RuleSet, payload_case_file: Path,
                                                    template: Template) -> None:
    proc = _run_cli(payload_case_file, "html")
    assert proc.returncode in (0, 2), proc.stderr
    assert proc.returncode == 0, f"valid answers with payloads in free text should screen: {proc.stderr}"
    medications = json.loads(payload_case_file.read_text(encoding="utf-8"))["medications"]
    lines = [strip_bidi(m.line) for m in ruleset.matcher.classify(medications) if m.status != "empty"]
    problems = html_problems(proc.stdout, template.tags, lines)
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_cli_markdown_from_a_payload_case_file_has_no_unescaped_tag(payload_case_file: Path,
                                                                    template: Template) -> None:
    proc = _run_cli(payload_case_file, "markdown")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    for cite in template.cites:
        text = text.replace(cite, "")       # the rule set's own <URL> autolinks
    tags = [text[max(0, m.start() - 40):m.end() + 40] for m in unescaped(text, r"<[A-Za-z/!?]")]
    assert not tags, f"{len(tags)} unescaped tag(s) in `check --format markdown`, e.g.:\n" + "\n".join(
        repr(t) for t in tags[:5])


def test_cli_json_from_a_payload_case_file_is_valid_json(payload_case_file: Path) -> None:
    proc = _run_cli(payload_case_file, "json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["medications"]) >= len([p for p in PAYLOADS if len(p) <= MAX_LINE_CHARS])


def test_cli_refuses_payload_answers_with_exit_2_and_prints_no_html(tmp_path: Path) -> None:
    payload = "<img src=x onerror=alert(1)>[x](javascript:alert(1))"
    answers = {"opioid_current": "no", "opioid_past_30_days": "yes", "opioid_agent": payload,
               "opioid_last_dose": payload, payload: "yes"}
    path = tmp_path / "answers.yaml"
    path.write_text(dump_yaml({"screening_date": SCREENING_DATE.isoformat(), "answers": answers}), encoding="utf-8")
    proc = _run_cli(path, "html")
    assert proc.returncode == 2, (proc.returncode, proc.stdout[:300], proc.stderr)
    assert proc.stdout == "", "nothing may be written to stdout when the input is refused"
    for field in ("answers.opioid_agent", "answers.opioid_last_dose", f"answers.{payload}"):
        assert field in proc.stderr, f"the refused field {field} is named"
