#!/usr/bin/env python3
"""Fails when a tracked file points outside the repository.

Users and contributors get this repository and nothing else: a comment that cites a ticket number,
a note on a developer's machine or an absolute path of the machine a report was written on is a
dead end for them. The API reference the code follows lives in docs/api/; benchmark reports name
the cargo target folder as `$CARGO_TARGET_DIR`.

Each finding is printed as `file:line: text` with the rule it breaks.

Usage: check-standalone.py   (from anywhere inside the checkout)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

RULES = [
    (re.compile(r"(?<![\w.])/(work|home|Users|root)/[\w.-]+"), "an absolute path of a machine"),
    (re.compile(r"\bshared/(notes|api)\b"), "a folder outside the repository (the API reference is docs/api/)"),
    (re.compile(r"\b[Ii]ssues? #?\d+\b"), "a ticket number (say what the code does and why instead)"),
]

# Lock files are written by tools and hold no prose; this script names the rules it enforces.
SKIPPED = {"Cargo.lock", "package-lock.json", "scripts/check-standalone.py"}


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    names = [name for name in listed.stdout.decode().split("\0") if name]
    return [REPO / name for name in names if Path(name).name not in SKIPPED and name not in SKIPPED]


def findings(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []  # binary or unreadable: nothing a reader follows
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, rule in RULES:
            if pattern.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {rule}: {line.strip()[:160]}")
    return found


def main() -> int:
    problems = [problem for path in tracked_files() if path.is_file() for problem in findings(path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-standalone: {len(problems)} line(s) point outside the repository", file=sys.stderr)
        return 1
    print("check-standalone: every tracked file stands on its own")
    return 0


if __name__ == "__main__":
    sys.exit(main())
