"""The ceiling: what a native load generator gets out of the simulator on the benchmark endpoint.

Runs under ``bench/lib/with-bench-sim.sh`` (simulator on CPU 0, this process and the load
generator on CPU 1) and measures ``POST /api/v1/status`` with the pending statusToken at one
connection (sequential requests, the yardstick for the blocking clients) and at 64 connections
(the yardstick for 64 calls in flight), in interleaved rounds. Every binding is compared with the
row of its concurrency (bench/report.py: "each binding >= 70% of the ceiling").

The load generator is ``wrk`` (or ``oha``, see run.sh), named by BENCH_LOADGEN. It sends the same
request line, headers and body as the clients but does not decode the JSON answers: it is the
upper bound of the HTTP exchange itself on this machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from loadgen import LoadGenerator  # bench/lib: the load generator the Python benchmarks share

SMOKE = "--smoke" in sys.argv[1:]
CONCURRENCIES = (1, 64)
ROUNDS = 1 if SMOKE else 5
SECONDS = 1 if SMOKE else 3
WARMUP_SECONDS = 0 if SMOKE else 1


def main() -> int:
    out_dir = Path(os.environ.get("BENCH_OUT", "target/bench"))
    url = os.environ["NEVIS_AUTHCLOUD_BASE_URL"] + "/api/v1/status"
    body = json.dumps({"statusToken": os.environ["BENCH_STATUS_TOKEN"]}, separators=(",", ":"))
    loadgen = os.environ.get("BENCH_LOADGEN", "wrk")
    is_wrk = Path(loadgen).name == "wrk"

    with LoadGenerator(loadgen, url, body) as generator:

        def measure(connections: int, seconds: int) -> float:
            try:
                return generator.measure(connections, seconds)
            except RuntimeError as error:
                raise SystemExit(f"ceiling: {error}") from error

        if WARMUP_SECONDS:
            for connections in CONCURRENCIES:
                measure(connections, WARMUP_SECONDS)
        samples: Dict[int, List[float]] = {c: [] for c in CONCURRENCIES}
        for _ in range(ROUNDS):
            for connections in CONCURRENCIES:
                samples[connections].append(measure(connections, SECONDS))

    tool = loadgen_version(loadgen, is_wrk)
    shown = " ".join(command_text(is_wrk, loadgen, c) for c in CONCURRENCIES)
    rows = []
    for connections in CONCURRENCIES:
        values = samples[connections]
        label = "1 connection (sequential)" if connections == 1 else f"{connections} connections"
        rows.append(
            {
                "name": f"{Path(loadgen).name}, {label}",
                "concurrency": connections,
                "samples": [round(v, 1) for v in values],
                "median": round(statistics.median(values), 1),
                "min": round(min(values), 1),
                "max": round(max(values), 1),
            }
        )
    result = {
        "benchmark": "ceiling",
        "title": "Ceiling: native load generator on the same endpoint (no client-side JSON decoding)",
        "unit": "req/s",
        "higherIsBetter": True,
        "command": os.environ.get("BENCH_COMMAND", "bench/ceiling/run.sh") + "  # runs: " + shown,
        "rows": rows,
        "checks": [],
        "versions": {"loadgen": tool},
        "notes": (
            f"{tool}, one thread; {ROUNDS} rounds of {SECONDS} s per concurrency, interleaved, after a "
            f"{WARMUP_SECONDS} s warm-up each. Same request as the clients (POST /api/v1/status, JSON body with the "
            "pending statusToken, Content-Type and Accept application/json), keep-alive connections, plain HTTP on "
            f"loopback; answers are counted, not decoded. {os.environ.get('BENCH_PINNING', 'not pinned')}."
            + (" SMOKE RUN: debug simulator and 1 s runs, figures meaningless." if SMOKE else "")
        ),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ceiling.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        "ceiling: "
        + ", ".join(f"{r['name']} {r['median']:.0f} req/s" for r in rows)
        + f" -> {out_dir / 'ceiling.json'}"
    )
    return 0


def loadgen_version(loadgen: str, is_wrk: bool) -> str:
    done = subprocess.run([loadgen, "-v" if is_wrk else "--version"], capture_output=True, text=True)
    line = (done.stdout + done.stderr).strip().splitlines()
    return line[0].split(" Copyright")[0].strip() if line else Path(loadgen).name


def command_text(is_wrk: bool, loadgen: str, connections: int) -> str:
    name = Path(loadgen).name
    if is_wrk:
        return f"[{name} -t1 -c{connections} -d{SECONDS}s --timeout 10s -s status.lua $BASE/api/v1/status]"
    return f"[{name} -z {SECONDS}s -c {connections} -m POST ... --output-format json $BASE/api/v1/status]"


if __name__ == "__main__":
    sys.exit(main())
