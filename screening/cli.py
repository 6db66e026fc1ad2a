"""Command line: the same engine as the app.

    python -m screening check CASE_FILE [--format json|markdown|html] [--date YYYY-MM-DD] [--rules DIR]
    python -m screening meds FILE [--format text|csv|json] [--rules DIR]
    python -m screening record CASE_FILE -o RECORD.json [--date YYYY-MM-DD] [--rules DIR]
    python -m screening verify RECORD.json [--rules DIR]
    python -m screening fhir-case BUNDLE.json [MORE.ndjson ...] --date YYYY-MM-DD [-o CASE.yaml] [--patient ID]
    python -m screening validate [RULES_DIR]
    python -m screening schema [--check]

Exit codes: 0 done; 1 the rule set is invalid; 2 the input (case file, date, answers) is unusable;
verify: 3 the record was changed after it was written, 4 it was made with another rule set.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from .answers import parse_answers, parse_date
from .case_file import load_case
from .engine import screen
from .errors import FieldProblem, InputError, RuleSetError
from .loader import DEFAULT_RULES_DIR, load_ruleset
from .medication_input import read_list_file
from .report import med_row, render_html, render_markdown, result_to_json
from .result_models import ScreeningResult
from .ruleset import RuleSet
from .record import make_record, rescreen, verify_record
from .schema_export import schema_texts, write_schemas
from .timeline import with_changes_ahead

EXIT_OK, EXIT_RULES, EXIT_INPUT, EXIT_TAMPERED, EXIT_OTHER_RULES = 0, 1, 2, 3, 4
SCHEMA_DIR = DEFAULT_RULES_DIR / "schema"


def _screen_case_file(args: argparse.Namespace) -> tuple[RuleSet, ScreeningResult, dict[str, Any], list[str] | None]:
    ruleset = load_ruleset(args.rules)
    case = load_case(args.case_file)
    screening_date = case.screening_date
    if args.date is not None:
        try:
            screening_date = parse_date(args.date)
        except ValueError as exc:
            raise InputError("--date", [FieldProblem("--date", str(exc))]) from None
    answers, problems = parse_answers(ruleset, case.answers, screening_date)
    if problems:
        raise InputError(str(args.case_file), problems)
    medications = case.medication_lines()
    result = screen(ruleset, answers, screening_date, medications=medications)
    return ruleset, result, answers, medications


def _cmd_check(args: argparse.Namespace) -> int:
    ruleset, result, answers, medications = _screen_case_file(args)
    result = with_changes_ahead(ruleset, answers, result, medications)
    if args.format == "json":
        text = json.dumps(result_to_json(result), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "markdown":
        text = render_markdown(result, ruleset)
    else:
        text = render_html(result, ruleset)
    sys.stdout.write(text)
    return EXIT_OK


def _cmd_record(args: argparse.Namespace) -> int:
    _, result, answers, medications = _screen_case_file(args)
    args.output.write_text(make_record(result, answers, medications), encoding="utf-8")
    print(f"wrote {args.output}: {len(result.findings)} findings, rule set {result.ruleset.version}")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.rules)
    try:
        text = args.record.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(args.record), [FieldProblem("(file)", f"cannot be read as UTF-8 text ({exc})")]) from None
    check = verify_record(text, ruleset, str(args.record))
    stream = sys.stdout if check.intact and check.same_ruleset else sys.stderr
    for message in check.messages:
        print(f"{args.record}: {message}", file=stream)
    if not check.intact:
        return EXIT_TAMPERED
    if not check.same_ruleset and check.record is not None:
        changes = rescreen(check.record, ruleset).changes
        for c in changes:
            before = f"{c.before.severity}" if c.before else "none"
            after = f"{c.after.severity}" if c.after else "none"
            print(f"{args.record}: with the current rules, {c.rule_id} is {c.change} ({before} -> {after})",
                  file=sys.stderr)
        return EXIT_OTHER_RULES
    return EXIT_OK


def _cmd_meds(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.rules)
    rows = ruleset.matcher.classify(read_list_file(args.file))
    if args.format == "json":
        sys.stdout.write(json.dumps([med_row(r) for r in rows], indent=2, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["number", "line", "status", "product", "ingredients", "classes", "long_acting"])
        for r in rows:
            writer.writerow([r.number, r.line, r.status, r.product or "", ";".join(r.ingredients), ";".join(r.classes),
                             "" if r.long_acting is None else str(r.long_acting).lower()])
    else:
        for r in rows:
            if r.status == "empty":
                continue
            what = f"{r.product} [{', '.join(r.classes) or 'none'}]" if r.product else "NOT RECOGNISED: review by hand"
            acting = "" if r.long_acting is None else (" long-acting" if r.long_acting else " short-acting")
            print(f"{r.number:>4}  {r.line.strip()[:60]:<60}  {what}{acting}")
        unknown = sum(r.status == "unrecognised" for r in rows)
        print(f"{sum(r.status != 'empty' for r in rows)} lines, {unknown} not recognised")
    return EXIT_OK


def _cmd_fhir_case(args: argparse.Namespace) -> int:
    """Read FHIR record files (Bundle JSON or Bulk NDJSON) into a case file with the record's provenance."""
    from .fhir_import import import_record, read_fhir_bytes, record_case_yaml
    ruleset = load_ruleset(args.rules)
    try:
        screening_date = parse_date(args.date)
    except ValueError as exc:
        raise InputError("--date", [FieldProblem("--date", str(exc))]) from None
    resources, problems = [], []
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(str(path), [FieldProblem("(file)", f"cannot be read: {exc.strerror}")]) from None
        found, bad = read_fhir_bytes(data, str(path))
        resources += found
        problems += bad
    imported = import_record(ruleset, resources, screening_date, patient_id=args.patient, validate_all=True,
                             problems=problems)
    text = record_case_yaml(imported, title=f"Imported from {', '.join(p.name for p in args.files)}")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for problem in imported.problems:
        print(f"not read: {problem}", file=sys.stderr)
    print(f"{len(imported.prefilled)} answers pre-filled from the record (to confirm), {len(imported.medications)} "
          f"medication lines, {len(imported.problems)} resources not read", file=sys.stderr)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    ruleset = load_ruleset(args.rules_dir)
    print(f"{args.rules_dir}: valid. {ruleset.meta.name} {ruleset.version}, {len(ruleset.questions)} questions, "
          f"{len(ruleset.rules)} active rules, sha256 {ruleset.sha256}")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.check:
        stale = [name for name, text in schema_texts().items()
                 if not (SCHEMA_DIR / name).is_file() or (SCHEMA_DIR / name).read_text(encoding="utf-8") != text]
        if stale:
            print(f"out of date in {SCHEMA_DIR}: {', '.join(stale)}; run: python -m screening schema", file=sys.stderr)
            return EXIT_RULES
        print("schemas are up to date")
        return EXIT_OK
    for path in write_schemas(SCHEMA_DIR):
        print(f"wrote {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m screening", description="LDN safety screening (summary for "
                                     "discussion, never a decision).")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="screen a case file")
    check.add_argument("case_file", type=Path)
    check.add_argument("--format", choices=("json", "markdown", "html"), default="json")
    check.add_argument("--date", help="screening date YYYY-MM-DD (default: the case file's)")
    check.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    check.set_defaults(run=_cmd_check)
    record = sub.add_parser("record", help="screen a case file and write a sealed screening record")
    record.add_argument("case_file", type=Path)
    record.add_argument("-o", "--output", type=Path, required=True)
    record.add_argument("--date", help="screening date YYYY-MM-DD (default: the case file's)")
    record.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    record.set_defaults(run=_cmd_record)
    verify = sub.add_parser("verify", help="check a screening record: exit 0 when intact and made with these rules")
    verify.add_argument("record", type=Path)
    verify.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    verify.set_defaults(run=_cmd_verify)
    meds = sub.add_parser("meds", help="classify a medication list (one entry per line)")
    meds.add_argument("file", type=Path)
    meds.add_argument("--format", choices=("text", "csv", "json"), default="text")
    meds.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    meds.set_defaults(run=_cmd_meds)
    fhir_case = sub.add_parser("fhir-case", help="read a FHIR R4 record (Bundle JSON or Bulk NDJSON) into a case file")
    fhir_case.add_argument("files", nargs="+", type=Path, metavar="BUNDLE.json")
    fhir_case.add_argument("--date", required=True, help="screening date YYYY-MM-DD")
    fhir_case.add_argument("-o", "--output", type=Path, help="write the case file here (default: standard output)")
    fhir_case.add_argument("--patient", help="the patient id, when the record holds several")
    fhir_case.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    fhir_case.set_defaults(run=_cmd_fhir_case)
    validate = sub.add_parser("validate", help="check the rule files; exit 0 when valid")
    validate.add_argument("rules_dir", nargs="?", type=Path, default=DEFAULT_RULES_DIR)
    validate.set_defaults(run=_cmd_validate)
    schema = sub.add_parser("schema", help="regenerate rules/schema/*.json from the models")
    schema.add_argument("--check", action="store_true", help="only report whether they are up to date")
    schema.set_defaults(run=_cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RuleSetError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_RULES
    except InputError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_INPUT
