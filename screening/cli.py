"""Command line: the same engine as the app.

    python -m screening check CASE_FILE [--format json|markdown|html|fhir] [--date YYYY-MM-DD] [--rules DIR]
    python -m screening questionnaire [-o FILE] [--rules DIR]
    python -m screening meds FILE [--format text|csv|json] [--rules DIR]
    python -m screening record CASE_FILE -o RECORD.json [--date YYYY-MM-DD] [--rules DIR]
    python -m screening verify RECORD.json [--rules DIR]
    python -m screening fhir-case BUNDLE.json [MORE.ndjson ...] --date YYYY-MM-DD [-o CASE.yaml] [--patient ID]
    python -m screening validate [RULES_DIR]
    python -m screening schema [--check]
    python -m screening test [CASE_FILE ...] [--rules DIR]

Exit codes: 0 done; 1 the rule set is invalid; 2 the input (case file, date, answers, list) is unusable;
verify: 3 the record was changed after it was written (or its signature cannot be checked here), 4 it
was made with another rule set, 5 it is unsigned or of the old format (hash only: consistent, but
anyone could have recomputed it). An input the tool cannot read never gives exit 1 or a traceback.
test: 1 when any case does not give what its `expected:` declares (every offender is listed).

Modules a command alone needs (pandas for CSV lists, the schema exporter, FHIR models, record sealing,
Jinja2 for the HTML page) are imported inside that command or format, so screening one case file does
not pay for them at start-up.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from .answers import parse_date
from .case_file import CaseFile, check_screening_date, load_case
from .errors import FieldProblem, InputError, RuleSetError
from .loader import DEFAULT_CASES_DIR, DEFAULT_RULES_DIR, load_ruleset
from .report import med_row
from .session import Screening
from .text_safety import csv_cell, strip_bidi

EXIT_OK, EXIT_RULES, EXIT_INPUT, EXIT_TAMPERED, EXIT_OTHER_RULES, EXIT_UNSIGNED = 0, 1, 2, 3, 4, 5
SCHEMA_DIR = DEFAULT_RULES_DIR / "schema"


def _screen_case_file(args: argparse.Namespace) -> Screening:
    """The case file's screening (on --date if given); every unusable answer stops it, named by field."""
    return _case_and_screening(args)[1]


def _case_and_screening(args: argparse.Namespace) -> tuple[CaseFile, Screening]:
    ruleset = load_ruleset(args.rules, data_cache=True)
    case = load_case(args.case_file)
    screening_date = None
    if args.date is not None:
        try:
            screening_date = check_screening_date(parse_date(args.date))
        except ValueError as exc:
            raise InputError("--date", [FieldProblem("--date", str(exc))]) from None
    screening = Screening.from_case(ruleset, case, screening_date)
    if screening.problems:
        raise InputError(str(args.case_file), screening.problems)
    return case, screening


def _warn_if_not_as_expected(case: CaseFile, screening: Screening, name: str) -> None:
    """A case that declares `expected:` and screens otherwise (on its own date) is said so on stderr, the
    way `test` lists it; the output and exit code stay those of the screening."""
    if case.expected is None:
        return
    from .golden import case_offences

    for offence in case_offences(screening.ruleset, case, name, screening.result):
        print(f"note: not as the case's expected: declares: {offence.message}", file=sys.stderr)


def _cmd_check(args: argparse.Namespace) -> int:
    case, screening = _case_and_screening(args)
    if args.date is None:
        _warn_if_not_as_expected(case, screening, str(args.case_file))
    if args.format == "json":
        text = strip_bidi(json.dumps(screening.json(), indent=2, ensure_ascii=False)) + "\n"
    elif args.format == "markdown":
        text = screening.markdown()
    elif args.format == "fhir":
        text = screening.fhir_bundle()
    else:
        text = screening.html()
    sys.stdout.write(text)
    return EXIT_OK


def _cmd_questionnaire(args: argparse.Namespace) -> int:
    from .fhir_export import questionnaire_json

    text = questionnaire_json(load_ruleset(args.rules, data_cache=True))
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return EXIT_OK


def _cmd_record(args: argparse.Namespace) -> int:
    from .record import KEY_ENV, key_id, record_key   # sealing: only record and verify need it

    screening = _screen_case_file(args)
    args.output.write_text(screening.record_text(), encoding="utf-8")
    key = record_key()
    seal = f"signed (HMAC-SHA256, key id {key_id(key)})" if key else \
        f"UNSIGNED: the hash only detects accidental change, anyone can recompute it (set {KEY_ENV} to sign)"
    print(f"wrote {args.output}: {len(screening.result.findings)} findings, rule set {screening.ruleset.version}, "
          f"{seal}")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from .record import verify_record

    ruleset = load_ruleset(args.rules, data_cache=True)
    try:
        text = args.record.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(args.record), [FieldProblem("(file)", f"cannot be read as UTF-8 text ({exc})")]) from None
    check = verify_record(text, ruleset, str(args.record))
    stream = sys.stdout if check.green else sys.stderr
    for message in check.messages:
        print(f"{args.record}: {strip_bidi(message)}", file=stream)
    for c in check.differences:
        before = f"{c.before.severity}" if c.before else "none"
        after = f"{c.after.severity}" if c.after else "none"
        print(f"{args.record}: with the current rules, {strip_bidi(c.rule_id)} is {c.change} ({before} -> {after})",
              file=sys.stderr)
    if not check.trusted:
        return EXIT_TAMPERED
    if check.status != "intact":
        return EXIT_UNSIGNED
    return EXIT_OK if check.same_ruleset else EXIT_OTHER_RULES


def _cmd_meds(args: argparse.Namespace) -> int:
    from .medication_input import read_list_file   # pandas: only lists need it

    ruleset = load_ruleset(args.rules, data_cache=True)
    rows = ruleset.matcher.classify(read_list_file(args.file))
    if args.format == "json":
        sys.stdout.write(strip_bidi(json.dumps([med_row(r) for r in rows], indent=2, ensure_ascii=False)) + "\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["number", "line", "status", "product", "ingredients", "classes", "long_acting", "leftover",
                         "stopped", "stopped_date"])
        for r in rows:
            writer.writerow([csv_cell(v) for v in (
                r.number, r.line, r.status, r.product or "", ";".join(r.ingredients), ";".join(r.classes),
                "" if r.long_acting is None else str(r.long_acting).lower(), " ".join(r.leftover),
                str(r.stopped).lower(), r.stopped_date.isoformat() if r.stopped_date else "")])
    else:
        for r in rows:
            if r.status == "empty":
                continue
            what = f"{r.product} [{', '.join(r.classes) or 'none'}]" if r.product else "NOT RECOGNISED: review by hand"
            acting = "" if r.long_acting is None else (" long-acting" if r.long_acting else " short-acting")
            partly = f"  PARTLY READ (not read: {', '.join(r.leftover) or 'mixed alphabets'})" \
                if r.status == "partly_read" else ""
            stopped = "  stopped" + (f" {r.stopped_date.isoformat()}" if r.stopped_date else "") if r.stopped else ""
            print(f"{r.number:>4}  {strip_bidi(r.line.strip())[:60]:<60}  {what}{acting}{stopped}{partly}")
        unknown = sum(r.status == "unrecognised" for r in rows)
        partly_read = sum(r.status == "partly_read" for r in rows)
        print(f"{sum(r.status != 'empty' for r in rows)} lines, {unknown} not recognised, {partly_read} partly read")
    return EXIT_OK


def _cmd_fhir_case(args: argparse.Namespace) -> int:
    """Read FHIR record files (Bundle JSON or Bulk NDJSON) into a case file with the record's provenance."""
    from .fhir_import import import_record, read_fhir_bytes, record_case_yaml
    ruleset = load_ruleset(args.rules, data_cache=True)
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
    ruleset = load_ruleset(args.rules_dir, data_cache=True)
    print(f"{args.rules_dir}: valid. {ruleset.meta.name} {ruleset.version}, {len(ruleset.questions)} questions, "
          f"{len(ruleset.rules)} active rules, sha256 {ruleset.sha256}")
    return EXIT_OK


def _cmd_test(args: argparse.Namespace) -> int:
    from .golden import check_case_files

    ruleset = load_ruleset(args.rules, data_cache=True)
    paths = [p for given in args.cases for p in (sorted(given.glob("*.yaml")) + sorted(given.glob("*.json"))
                                                  if given.is_dir() else [given])]
    checked, offences = check_case_files(ruleset, paths)
    for offence in offences:
        print(offence, file=sys.stderr)
    failed = len({o.case for o in offences})
    print(f"{checked} cases with expected results checked, {failed} with offences",
          file=sys.stderr if failed else sys.stdout)
    if checked == 0 and not offences:
        print("no case declares `expected:`; nothing was checked", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_RULES if offences else EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema_export import schema_texts, write_schemas

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
    check.add_argument("--format", choices=("json", "markdown", "html", "fhir"), default="json",
                       help="fhir: an R4 Bundle (QuestionnaireResponse, DetectedIssues, MedicationStatements)")
    check.add_argument("--date", help="screening date YYYY-MM-DD (default: the case file's)")
    check.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    check.set_defaults(run=_cmd_check)
    questionnaire = sub.add_parser("questionnaire", help="write the checklist as a FHIR R4 Questionnaire")
    questionnaire.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    questionnaire.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    questionnaire.set_defaults(run=_cmd_questionnaire)
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
    test = sub.add_parser("test", help="screen case files with `expected:` and list every case that differs "
                          "(exit 1 if any)")
    test.add_argument("cases", nargs="*", type=Path, default=[DEFAULT_CASES_DIR],
                      help="case files or folders (default: cases/)")
    test.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, help="rules folder")
    test.set_defaults(run=_cmd_test)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RuleSetError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_RULES
    except InputError as exc:
        print(strip_bidi(exc.report()), file=sys.stderr)
        return EXIT_INPUT
    except (RecursionError, OverflowError, MemoryError) as exc:   # bounded inputs should never get here
        print(f"the input could not be processed ({type(exc).__name__}); nothing was screened", file=sys.stderr)
        return EXIT_INPUT
