#!/usr/bin/env python3
"""Renders the benchmark results (the JSON result files the benchmarks write) as Markdown.

    bench/report.py --results target/bench --out bench/RESULTS.md [--smoke]

For every result file: a table of medians, min-max spreads and ratios to the first row (the SDK's
binding by convention), its checks with targets and met/missed, its notes and exact command. On
top: a summary of every check, the "each binding >= 70% of the ceiling's requests/s at the same
concurrency" checks for files that did not measure the ceiling in their own rounds (a row marked
"ceiling"): computed here from ceiling.json, a separate run, so noisier (the binding is the first
row of a req/s file, or what a file lists under "throughput"), the
machine, the date, the tool versions and the wall time of the run (from steps.tsv and started-at,
written by bench/run.sh).

Only the standard library: it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
CEILING_SHARE = 0.70
# The concurrency of each throughput benchmark, for files that do not state it themselves.
CONCURRENCY = {"python-blocking": 1, "python-async": 64, "node-throughput": 64}
# Sections in reading order; anything else follows alphabetically.
ORDER = [
    "python-blocking",
    "python-async",
    "node-throughput",
    "node-lag",
    "c-ffi",
    "ceiling",
    "python-memory",
    "python-startup",
    "node-startup",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, required=True, help="folder with the *.json results")
    parser.add_argument("--out", type=Path, required=True, help="Markdown file to write")
    parser.add_argument("--smoke", action="store_true", help="the results come from a smoke run")
    args = parser.parse_args()

    results = load(args.results)
    if not results:
        raise SystemExit(f"report: no result files in {args.results}")
    ceiling_checks = ceiling_shares(results)
    text = render(results, ceiling_checks, args.results, args.smoke)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    checks = [c for r in results for c in r.get("checks", [])] + [c for _, c in ceiling_checks]
    judged = [c for c in checks if c.get("met") is not None]
    missed = [c for c in judged if not c["met"]]
    print(f"report: {len(results)} benchmarks, {len(judged) - len(missed)}/{len(judged)} targets met -> {args.out}")
    for check in missed:
        print(f"report: missed: {check['name']}: {fmt(check.get('value'))} (target {check.get('target')})")
    return 0


def load(folder: Path) -> List[Dict[str, Any]]:
    results = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise SystemExit(f"report: {path} is not valid JSON: {err}") from err
        for field in ("benchmark", "title", "unit", "rows"):
            if field not in data:
                raise SystemExit(f"report: {path} lacks the field {field!r} of the shared layout")
        results.append(data)
    rank = {name: i for i, name in enumerate(ORDER)}
    results.sort(key=lambda r: (rank.get(r["benchmark"], len(ORDER)), r["benchmark"]))
    return results


def ceiling_shares(results: List[Dict[str, Any]]) -> List[Tuple[str, Dict[str, Any]]]:
    """Binding (first row) median / ceiling median at the same concurrency, per throughput file."""
    ceiling = next((r for r in results if r["benchmark"] == "ceiling"), None)
    if ceiling is None:
        return []
    by_concurrency = {row.get("concurrency"): row for row in ceiling["rows"]}
    checks = []
    for result in results:
        if result["benchmark"] == "ceiling" or not result["rows"]:
            continue
        if any(row.get("ceiling") for row in result["rows"]):
            # The file measured the ceiling in its own rounds and checks the share itself.
            continue
        # (name, req/s, concurrency) of the binding: the first row of a req/s file, or what a file
        # in another unit states under "throughput" (c-ffi: sequential calls as req/s).
        measured = [(t["name"], t.get("reqPerSec"), t.get("concurrency")) for t in result.get("throughput", [])]
        if result.get("unit") == "req/s":
            concurrency = result.get("concurrency", CONCURRENCY.get(result["benchmark"]))
            measured.append((result["rows"][0]["name"], result["rows"][0].get("median"), concurrency))
        for name, rate, concurrency in measured:
            top = by_concurrency.get(concurrency)
            if top is None or not top.get("median") or not rate:
                continue
            share = rate / top["median"]
            checks.append(
                (
                    result["benchmark"],
                    {
                        "name": f"{name} / {top['name']} (share of the ceiling; ceiling.json, a separate run)",
                        "value": round(share, 3),
                        "target": f">= {CEILING_SHARE:.2f}",
                        "met": share >= CEILING_SHARE,
                    },
                )
            )
    return checks


def render(
    results: List[Dict[str, Any]], ceiling_checks: List[Tuple[str, Dict[str, Any]]], folder: Path, smoke: bool
) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out: List[str] = ["# Benchmark results", ""]
    if smoke:
        out += [
            (
                "> **Smoke run**: debug builds and tiny counts, to keep the scripts working. The figures below "
                "mean nothing; run `make bench` for real ones."
            ),
            "",
        ]
    out += [
        (
            f"Written by `bench/report.py` on {now} from the results in `{display_path(folder)}`. "
            "Every comparison ran in one process with its contenders interleaved in rounds, so the ratios hold "
            "on a noisy machine even when the absolute figures move. Loopback, plain HTTP, the release-built "
            "simulator pinned to CPU 0 and every client or load generator pinned to CPU 1 (see each section's "
            "notes)."
        ),
        "",
    ]

    out += ["## Targets", "", "| benchmark | check | value | target | |", "|---|---|---:|---|---|"]
    for result in results:
        for check in result.get("checks", []):
            out.append(check_line(result["benchmark"], check))
        for name, check in ceiling_checks:
            if name == result["benchmark"]:
                out.append(check_line(name, check))
    out.append("")

    out += machine_section()
    out += wall_time_section(folder)

    for result in results:
        out += section(result, [c for n, c in ceiling_checks if n == result["benchmark"]])

    out += profile_section(folder / "profile" / "breakdown.json")

    out += [
        "## Commands",
        "",
        (
            "Everything above comes from one `make bench` (the smoke variant: `make bench-smoke`), which builds the "
            "release artefacts and runs `bench/run.sh`; each section quotes the exact command of its script."
        ),
        "",
        "```",
        "make bench",
        "```",
        "",
    ]
    return "\n".join(out)


def profile_section(path: Path) -> List[str]:
    """The per-call cost breakdown of `make bench-profile` (bench/profile), when one was taken."""
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    scenarios = data["scenarios"]
    intro = (
        f"From `make bench-profile` ({data['takenAt']}): each scenario runs the binding (or the Rust core) "
        "alone under the throughput benchmark's conditions, once under `perf stat` and once under `perf record`; "
        "bench/profile/breakdown.py sorts every sampled function into a stage of the call and scales the "
        "stages' shares by the CPU time per call (the whole client process, all threads). Microseconds of CPU "
        "per call:"
    )
    out = ["## Where the time per call goes", "", intro, ""]
    out.append("| stage | " + " | ".join(s["name"] for s in scenarios) + " |")
    out.append("|---|" + "---:|" * len(scenarios))
    out.append("| **CPU per call** | " + " | ".join(f"**{fmt(s['cpuUsPerCall'])}**" for s in scenarios) + " |")
    for index, stage in enumerate(scenarios[0]["stages"]):
        cells = [fmt(s["stages"][index]["usPerCall"]) for s in scenarios]
        out.append(f"| {esc(stage['stage'])} | " + " | ".join(cells) + " |")
    for index, threads in enumerate(scenarios[0].get("threads", [])):
        cells = [fmt(s["threads"][index]["usPerCall"]) if s.get("threads") else "—" for s in scenarios]
        out.append(f"| *all stages {esc(threads['threads'])}* | " + " | ".join(cells) + " |")
    out.append(
        "| context switches per call | " + " | ".join(fmt(s["contextSwitchesPerCall"]) for s in scenarios) + " |"
    )
    out.append("| syscalls per call | " + " | ".join(fmt(s["syscallsPerCall"]) for s in scenarios) + " |")
    out += ["", "The heaviest functions (self time, share of the scenario's samples):", ""]
    for scenario in scenarios:
        tops = "; ".join(f"{fmt(f['percent'])}% {esc(f['function'])}" for f in scenario["topFunctions"][:6])
        out.append(f"- **{scenario['name']}**: {tops}")
    return [*out, ""]


def check_cells(check: Dict[str, Any]) -> str:
    """`check | value | target | verdict` cells; a check without a target is information only."""
    met = check.get("met")
    verdict = "met" if met is True else ("**missed**" if met is False else "info")
    target = check.get("target") or "—"
    return f"{esc(check['name'])} | {fmt(check.get('value'))} | {esc(str(target))} | {verdict} |"


def check_line(benchmark: str, check: Dict[str, Any]) -> str:
    return f"| {benchmark} | {check_cells(check)}"


def section(result: Dict[str, Any], extra_checks: List[Dict[str, Any]]) -> List[str]:
    unit = result["unit"]
    better = "higher is better" if result.get("higherIsBetter") else "lower is better"
    out = [f"## {esc(result['title'])}", "", f"`{result['benchmark']}.json` — {unit}, {better}.", ""]
    rows = result["rows"]
    first = rows[0]["median"] if rows and rows[0].get("median") else None
    out += ["| | median | min – max | vs. first row | samples |", "|---|---:|---:|---:|---|"]
    for row in rows:
        ratio = "—"
        if first and row is not rows[0] and row.get("median") is not None and same_kind(rows[0], row):
            ratio = f"{row['median'] / first:.2f}×"
        samples = row.get("samples", [])
        shown = ", ".join(fmt(s) for s in samples[:12]) + (" …" if len(samples) > 12 else "")
        out.append(
            f"| {esc(row['name'])} | {fmt(row.get('median'))} | {fmt(row.get('min'))} – {fmt(row.get('max'))} "
            f"| {ratio} | {shown} |"
        )
    checks = list(result.get("checks", [])) + extra_checks
    if checks:
        out += ["", "| check | value | target | |", "|---|---:|---|---|"]
        for check in checks:
            out.append(f"| {check_cells(check)}")
    if result.get("notes"):
        out += ["", esc(result["notes"])]
    versions = result.get("versions")
    if versions:
        out += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + "."]
    out += ["", "```", portable_command(result.get("command", "(no command recorded)")), "```", ""]
    return out


def same_kind(first: Dict[str, Any], row: Dict[str, Any]) -> bool:
    """Ratios only between rows measuring the same thing (not between a p50 and a max, say): a row's
    "kind" when the file gives one, else a one-word suffix after ": " in its name ("...: p99")."""

    def kind(row: Dict[str, Any]) -> str:
        if "kind" in row:
            return str(row["kind"])
        match = re.search(r": (\w+)$", row["name"])
        return match.group(1) if match else ""

    return kind(first) == kind(row)


def machine_section() -> List[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    tools = [
        ("rustc", command(["rustc", "--version"])),
        ("python3", command(["python3", "--version"])),
        ("node", command(["node", "--version"])),
        ("wrk", command(["wrk", "-v"]).split(" Copyright")[0]),
    ]
    out = [
        "## Machine and tools",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {os.cpu_count()} cores, {esc(cpu)} |",
        f"| kernel | {esc(platform.system())} {esc(platform.release())} |",
        f"| RAM | {ram} |",
        f"| load average when the report was written | {load} |",
    ]
    for name, version in tools:
        out.append(f"| {name} | {esc(version) or 'not installed'} |")
    out += [
        "",
        (
            "Competitor versions are in each section (pinned in `bench/node/package-lock.json` and "
            "`bench/python/requirements.txt`)."
        ),
        "",
    ]
    return out


def wall_time_section(folder: Path) -> List[str]:
    steps_file = folder / "steps.tsv"
    if not steps_file.exists():
        return []
    out = ["## Wall time", ""]
    started = read_int(folder / "started-at")
    measuring = read_int(folder / "measuring-from")
    now = int(dt.datetime.now().timestamp())
    if started and measuring:
        out.append(
            f"Whole run: **{minutes(now - started)}** (release builds {minutes(measuring - started)}, "
            f"benchmarks {minutes(now - measuring)}), on {os.cpu_count()} cores."
        )
        out.append("")
    out += ["| step | seconds | exit | command |", "|---|---:|---|---|"]
    for line in steps_file.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            name, seconds, status, cmd = parts
            out.append(f"| {name} | {seconds} | {status} | `{esc(portable_command(cmd))}` |")
    out.append("")
    return out


def read_int(path: Path) -> Optional[int]:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60:02d} s"


def command(argv: List[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def portable_command(cmd: str) -> str:
    """A recorded command as anyone can rerun it from a checkout: the cargo target folder as
    `$CARGO_TARGET_DIR` and the checkout itself as relative paths, so the report holds no path of
    the machine that ran it."""
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO / "target")
    cmd = cmd.replace(str(Path(target).resolve()) + "/", "$CARGO_TARGET_DIR/")
    return cmd.replace(str(REPO) + "/", "")


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.1f}"
        if magnitude >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return esc(str(value))


def esc(text: str) -> str:
    """Table-safe text: pipes escaped, newlines flattened."""
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    raise SystemExit(main())
