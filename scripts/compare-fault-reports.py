#!/usr/bin/env python3
"""Fails the build unless every language answered the shared fault matrix identically, and (with
--bad-input) every language refused the shared table of bad arguments as that table says.

Each language's suite runs tests/faults.json against the simulator and, with
NEVIS_FAULTS_REPORT_DIR set, writes what it observed to <dir>/<language>.json. The suites already
check their own answers against the table; this script adds what no single suite can see:

* every language answered every row, in the table's order;
* all languages gave the same answer for every row, field by field (a difference fails, even
  when the table leaves the field open);
* no duplicate side effects: for every row, each kind of operation the simulator created equals
  the table (kinds a row does not list must stay at 0), and so do the totals over the matrix, so
  a binding that sent a second push or SMS anywhere fails here.

The bad-input table (tests/bad_input.json) names for each row the error kind and field every
language must report, in that language's naming (user_id in Python, userId in Node), or why a
language cannot express the row. Each suite writes what it observed to
REPORT_DIR/bad-input/<language>.json; this script checks every row of every language against the
table: the same rows in the same order, the expected kind and field, a skip only where the table
gives that language a reason (the same reason), and no problem the suite found with the message
(a forbidden word, an echoed secret).

Usage: compare-fault-reports.py REPORT_DIR [--languages rust,python,node,c] [--table tests/faults.json]
                                [--bad-input tests/bad_input.json --bad-input-languages python,node,c]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FIELDS = ("outcome", "kind", "status", "mayHaveBeenApplied", "retryAfterS", "requestsSeen", "created")
CREATED_KINDS = ("enroll", "approval", "sms", "intent")


def load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"missing fault report {path}: did that language's suite run its fault matrix?") from None
    except json.JSONDecodeError as err:
        raise SystemExit(f"{path} is not JSON: {err}") from err


def expected_created(scenario: dict) -> dict[str, int]:
    listed = scenario["expect"].get("created", {})
    unknown = set(listed) - set(CREATED_KINDS)
    if unknown:
        raise SystemExit(f"tests/faults.json row {scenario['name']!r} counts unknown kinds {sorted(unknown)}")
    return {kind: int(listed.get(kind, 0)) for kind in CREATED_KINDS}


def table_totals(table: dict) -> dict[str, int]:
    """Operations of each kind the whole matrix may create."""
    totals = dict.fromkeys(CREATED_KINDS, 0)
    for scenario in table["scenarios"]:
        for kind, count in expected_created(scenario).items():
            totals[kind] += count
    return totals


def compare(table: dict, reports: dict[str, dict]) -> list[str]:
    problems: list[str] = []
    names = [scenario["name"] for scenario in table["scenarios"]]
    for language, report in reports.items():
        got = [row.get("name") for row in report.get("rows", [])]
        if got != names:
            missing = [n for n in names if n not in got]
            extra = [n for n in got if n not in names]
            problems.append(
                f"{language}: rows differ from the table (missing {missing}, unexpected {extra}, or out of order)"
            )
    if problems:
        return problems

    totals = {language: dict.fromkeys(CREATED_KINDS, 0) for language in reports}
    for index, scenario in enumerate(table["scenarios"]):
        name = scenario["name"]
        rows = {language: report["rows"][index] for language, report in reports.items()}
        for field in FIELDS:
            answers = {language: json.dumps(row.get(field), sort_keys=True) for language, row in rows.items()}
            if len(set(answers.values())) > 1:
                listed = ", ".join(f"{language}={answer}" for language, answer in answers.items())
                problems.append(f"{name!r}: languages disagree on {field}: {listed}")
        want = expected_created(scenario)
        for language, row in rows.items():
            created = row.get("created") or {}
            observed = {kind: int(created.get(kind, 0)) for kind in CREATED_KINDS}
            for kind in CREATED_KINDS:
                totals[language][kind] += observed[kind]
            if observed != want:
                problems.append(f"{name!r}: {language} created {observed}, the table allows {want}")
            for field, value in scenario["expect"].items():
                if field in ("created", "minElapsedMs"):
                    continue
                if row.get(field) != value:
                    problems.append(f"{name!r}: {language} {field}={row.get(field)!r}, the table says {value!r}")

    want_totals = table_totals(table)
    for language, total in totals.items():
        if total != want_totals:
            problems.append(f"{language}: created {total} over the matrix, the table says {want_totals}")
    return problems


def per_language(value: object, language: str) -> object:
    """A table value that is either the same for every language or a {language: value} map."""
    return value.get(language) if isinstance(value, dict) else value


def compare_bad_input(table: dict, reports: dict[str, dict]) -> tuple[list[str], int, int]:
    """Problems, answers checked and rows skipped with the table's reason."""
    problems: list[str] = []
    names = [row["name"] for row in table["rows"]]
    if len(set(names)) != len(names):
        problems.append("tests/bad_input.json names a row twice")
    for language, report in reports.items():
        got = [row.get("name") for row in report.get("rows", [])]
        if got != names:
            missing = [n for n in names if n not in got]
            extra = [n for n in got if n not in names]
            problems.append(
                f"{language}: bad-input rows differ from the table (missing {missing}, unexpected {extra}, or out of order)"
            )
    if problems:
        return problems, 0, 0
    checked = skipped = 0
    for index, row in enumerate(table["rows"]):
        name = row["name"]
        for language, report in reports.items():
            seen = report["rows"][index]
            reason = row.get("skip", {}).get(language)
            if reason is not None:
                if seen.get("skipped") != reason:
                    problems.append(
                        f"{name!r}: {language} ran a row the table skips for it ({reason!r}), or gave another reason"
                    )
                skipped += 1
                continue
            if seen.get("skipped"):
                problems.append(
                    f"{name!r}: {language} skipped it ({seen['skipped']!r}) but the table gives it no reason"
                )
                continue
            want_kind = per_language(row["expect"]["kind"], language)
            want_field = per_language(row["expect"]["field"], language)
            if want_kind is None or want_field is None:
                problems.append(f"{name!r}: the table gives {language} no kind or field and no reason to skip")
                continue
            if (seen.get("kind"), seen.get("field")) != (want_kind, want_field):
                problems.append(
                    f"{name!r}: {language} reported kind={seen.get('kind')!r} field={seen.get('field')!r}, "
                    f"the table says kind={want_kind!r} field={want_field!r}"
                )
            for problem in seen.get("problems") or []:
                problems.append(f"{name!r}: {language}: {problem}")
            checked += 1
    return problems, checked, skipped


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("--languages", default="rust,python,node,c")
    parser.add_argument("--table", type=Path, default=root / "tests" / "faults.json")
    parser.add_argument("--bad-input", type=Path, help="the bad-input table (tests/bad_input.json)")
    parser.add_argument("--bad-input-languages", default="python,node,c")
    args = parser.parse_args()

    failed = False
    if args.bad_input is not None:
        bad_table = load(args.bad_input)
        bad_languages = [language for language in args.bad_input_languages.split(",") if language]
        bad_reports = {language: load(args.report_dir / "bad-input" / f"{language}.json") for language in bad_languages}
        bad_problems, checked, skipped = compare_bad_input(bad_table, bad_reports)
        rows = len(bad_table["rows"])
        if bad_problems:
            print(
                f"bad-input table: the languages do not answer as the table says ({len(bad_problems)} problems):",
                file=sys.stderr,
            )
            for problem in bad_problems:
                print(f"  - {problem}", file=sys.stderr)
            failed = True
        else:
            print(
                f"bad-input table: {', '.join(bad_languages)} refused all {rows} rows as the table says "
                f"({checked} answers checked, {skipped} rows skipped with the table's reason)"
            )

    table = load(args.table)
    languages = [language for language in args.languages.split(",") if language]
    reports = {language: load(args.report_dir / f"{language}.json") for language in languages}
    problems = compare(table, reports)
    rows = len(table["scenarios"])
    if problems:
        print(f"fault matrix: the languages do not agree ({len(problems)} problems):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    created = ", ".join(f"{count} {kind}" for kind, count in table_totals(table).items() if count)
    print(
        f"fault matrix: {', '.join(languages)} gave identical answers on all {rows} rows; "
        f"operations created over the matrix in each language: {created} (as the table says)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
