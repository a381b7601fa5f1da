"""The human-readable report of `make soak`: turns the orchestrator's summary (the same data as
``summary.json``) into plain-text tables, one per question a reader asks: did every driver hold
its invariants, how much traffic and how fast per SDK method, which typed errors, how much memory.
"""

from __future__ import annotations

from typing import Any, Dict, List


def _table(header: List[str], rows: List[List[Any]]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _errors(report: Dict[str, Any], which: str) -> Dict[str, int]:
    return report.get("errors", {}).get(which, {})


def render(summary: Dict[str, Any]) -> str:
    drivers: Dict[str, Any] = summary["drivers"]
    langs = list(drivers)
    seconds = summary["wallSeconds"] or 1
    out: List[str] = [
        f"\n== soak {summary['date']}: {summary['seconds']:.0f} s, {', '.join(langs)} against one simulator =="
    ]

    rows = []
    for lang, r in drivers.items():
        mem = r.get("memory", {})
        expected = sum(_errors(r, "expected").values())
        incidental = sum(_errors(r, "incidental").values())
        rows.append(
            [
                lang,
                r.get("totalCalls", 0),
                f"{r.get('totalCalls', 0) / seconds:.1f}",
                r.get("cpuS", "?"),
                f"{expected}/{incidental}",
                r.get("untyped", "?"),
                r.get("hangs", "?"),
                r.get("violations", "?"),
                f"{mem.get('firstAfterWarmupMb')} -> {mem.get('lastMb')} ({mem.get('maxMb')})",
                r.get("exit", "?"),
            ]
        )
    out.append(
        _table(
            [
                "driver",
                "calls",
                "calls/s",
                "CPU s",
                "typed err exp/inc",
                "untyped",
                "hangs",
                "violations",
                "RSS MB warm->last (max)",
                "exit",
            ],
            rows,
        )
    )

    ops = sorted({op for r in drivers.values() for op in r.get("calls", {})})
    rows = []
    for op in ops:
        row: List[Any] = [op]
        for lang in langs:
            entry = drivers[lang].get("calls", {}).get(op)
            row.append(
                f"{entry['ok'] + entry['error']} ({entry['error']} err) {entry['p50Ms']:.1f}/{entry['p99Ms']:.0f}"
                if entry
                else "-"
            )
        rows.append(row)
    out.append("\ncalls per SDK method: count (errors) p50/p99 ms")
    out.append(_table(["method", *langs], rows))

    kinds = sorted({k for r in drivers.values() for which in ("expected", "incidental") for k in _errors(r, which)})
    rows = [
        [kind]
        + [
            f"{_errors(drivers[lang], 'expected').get(kind, 0)}/{_errors(drivers[lang], 'incidental').get(kind, 0)}"
            for lang in langs
        ]
        for kind in kinds
    ]
    out.append(
        "\ntyped errors by kind: deliberate/incidental (incidental: another driver's shared fault, or a flow step hit by one)"
    )
    out.append(_table(["kind", *langs], rows))

    sim = summary["simulator"]
    stats = sim.get("stats", {})
    mem = sim.get("memory", {})
    out.append(
        f"\nsimulator: {stats.get('requests')} API requests, created {stats.get('created')}, {sim.get('cpuS')} CPU s; "
        f"RSS {mem.get('firstAfterWarmupMb')} -> {mem.get('lastMb')} MB (max {mem.get('maxMb')}, not judged: it keeps every operation)"
    )

    out.append("\nchecks:")
    for c in summary["checks"]:
        out.append(f"  {'ok  ' if c['met'] else 'FAIL'} {c['name']}: {c['detail']}")
    for lang, r in drivers.items():
        for key in ("untypedSamples", "violationSamples", "hangSamples", "driverSamples", "controlSamples"):
            for sample in r.get(key, [])[:5]:
                out.append(f"  {lang} {key[:-7]}: {sample.strip()}")
    out.append(f"\nsoak: {'PASSED' if summary['ok'] else 'FAILED'} (details in summary.json)")
    return "\n".join(out)
