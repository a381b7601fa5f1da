#!/usr/bin/env python3
"""Fails the build unless every language answered the shared fault matrix identically.

Each language's suite runs tests/faults.json against the simulator and, with
NEVIS_FAULTS_REPORT_DIR set, writes what it observed to <dir>/<language>.json. The suites already
check their own answers against the table; this script adds what no single suite can see:

* every language answered every row, in the table's order;
* all languages gave the same answer for every row, field by field (a difference fails, even
  when the table leaves the field open);
* no duplicate side effects: for every row, each kind of operation the simulator created equals
  the table (kinds a row does not list must stay at 0), and so do the totals over the matrix, so
  a binding that sent a second push or SMS anywhere fails here.

Usage: compare-fault-reports.py REPORT_DIR [--languages rust,python,node,c] [--table tests/faults.json]
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
        raise SystemExit(f"missing fault report {path}: did that language's suite run its fault matrix?")
    except json.JSONDecodeError as err:
        raise SystemExit(f"{path} is not JSON: {err}")


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
                f"{language}: rows differ from the table (missing {missing}, unexpected {extra}, "
                f"or out of order)"
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


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("--languages", default="rust,python,node,c")
    parser.add_argument("--table", type=Path, default=root / "tests" / "faults.json")
    args = parser.parse_args()

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
