"""What every Python benchmark shares: the simulator set-up, rounds of interleaved contenders, RSS
readings and the JSON result file in the layout bench/report.py reads.

The benchmarks run under ``bench/python/run.sh``, which starts the simulator pinned to CPU 0 (via
``scripts/with-sim.sh``, which exports ``NEVIS_AUTHCLOUD_BASE_URL``/``NEVIS_AUTHCLOUD_ACCESS_KEY``)
and this process pinned to CPU 1. The simulator is driven here with the standard library only, so
the set-up never imports a contender before it is measured.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]


def smoke_mode() -> bool:
    """``--smoke``: tiny counts through the same code, so the scripts keep working in `make test`."""
    return "--smoke" in sys.argv[1:]


def base_url() -> str:
    return os.environ["NEVIS_AUTHCLOUD_BASE_URL"]


def access_key() -> str:
    return os.environ["NEVIS_AUTHCLOUD_ACCESS_KEY"]


def status_url() -> str:
    return base_url() + "/api/v1/status"


# --- the simulator -------------------------------------------------------------------------------


def sim_request(method: str, path: str, body: Optional[Dict[str, Any]] = None, auth: bool = False) -> Any:
    """One request to the simulator (API or `/_sim` control plane); the decoded answer or None."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url() + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Bearer " + access_key())
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def enrolled_user(username: str) -> None:
    """Enrols `username` on the Access App and confirms it, so push approvals can be sent to it."""
    enrolled = sim_request("POST", "/api/v1/users/enroll", {"username": username}, auth=True)
    transaction = enrolled["enrollment"]["transactionId"]
    sim_request("POST", f"/_sim/operations/{transaction}/accept")


def pending_approval(username: str) -> Dict[str, Any]:
    """A push approval for an enrolled user, left pending: `{"statusToken", "transactionId", ...}`."""
    return sim_request("POST", "/api/v1/approval", {"username": username, "channel": "push"}, auth=True)


def pending_status_token(username: str) -> str:
    """The statusToken every contender polls: one pending approval, created once before measuring."""
    enrolled_user(username)
    token: str = pending_approval(username)["statusToken"]
    answer = sim_request("POST", "/api/v1/status", {"statusToken": token})
    if answer.get("status") != "pending":
        raise RuntimeError(f"the benchmark approval is not pending: {answer.get('status')!r}")
    return token


def sim_stats() -> Dict[str, Any]:
    stats: Dict[str, Any] = sim_request("GET", "/_sim/stats")
    return stats


# --- measuring -----------------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident set size in MB (VmRSS, no third-party module needed)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("VmRSS not found in /proc/self/status")


@dataclass
class Row:
    name: str
    samples: List[float] = field(default_factory=list)
    # Extra keys of the shared layout, e.g. {"ceiling": True, "concurrency": 64} for a
    # load-generator row measured in the same rounds.
    extra: Dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> Dict[str, Any]:
        samples = [round(value, 3) for value in self.samples]
        return {
            **self.extra,
            "name": self.name,
            "samples": samples,
            "median": round(statistics.median(self.samples), 3) if self.samples else None,
            "min": min(samples) if samples else None,
            "max": max(samples) if samples else None,
        }


def loadgen_name() -> Optional[str]:
    """The native load generator bench/run.sh found (BENCH_LOADGEN), or None."""
    tool = os.environ.get("BENCH_LOADGEN")
    return os.path.basename(tool) if tool and os.access(tool, os.X_OK) else None


def loadgen(connections: int, seconds: float, body: Dict[str, Any]) -> float:
    """The ceiling inside the same rounds: the load generator sends the same request with
    `connections` connections for `seconds` (inheriting this process's CPU pinning while this process
    waits) and returns its requests per second. Fails loudly if it saw any failed request."""
    sys.path.insert(0, str(REPO / "bench" / "lib"))
    from loadgen import LoadGenerator

    with LoadGenerator(os.environ["BENCH_LOADGEN"], status_url(), json.dumps(body)) as generator:
        return generator.measure(connections, max(1, round(seconds)))


def core_floor_available() -> bool:
    """Whether bench/run.sh named the Rust core's floor binary (BENCH_CORE_FLOOR)."""
    floor = os.environ.get("BENCH_CORE_FLOOR")
    return bool(floor) and os.access(floor, os.X_OK)


def core_floor(concurrency: int, seconds: float, rate_hint: float, status_token: str) -> float:
    """The floor inside the same rounds: the Rust core alone (bench/ffi `core-floor`) making the same
    call with `concurrency` in flight on the same shared runtime, pinned like this process while this
    process waits; returns its calls per second. `rate_hint` (the last rate seen) sizes the run to
    about `seconds`; it polls `status_token`, the contenders' pending approval."""
    calls = max(concurrency * 4, int(rate_hint * seconds))
    done = subprocess.run(
        [
            os.environ["BENCH_CORE_FLOOR"],
            "--concurrency",
            str(concurrency),
            "--calls",
            str(calls),
            "--warmup",
            str(max(concurrency, calls // 4)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BENCH_STATUS_TOKEN": status_token},
    )
    if done.returncode != 0:
        raise RuntimeError(f"core-floor failed: {done.stderr.strip()}")
    return float(json.loads(done.stdout)["rate"])


def median(row: Row) -> float:
    return statistics.median(row.samples)


def interleave(contenders: Sequence[str], rounds: int, measure: Callable[[str, bool], float]) -> Dict[str, Row]:
    """Runs A B C A B C ...: one warm-up round (not recorded), then `rounds` recorded rounds, so a
    noisy neighbour slows every contender alike and the ratios of the medians hold."""
    rows = {name: Row(name) for name in contenders}
    for round_number in range(rounds + 1):
        warm_up = round_number == 0
        for name in contenders:
            value = measure(name, warm_up)
            if not warm_up:
                rows[name].samples.append(value)
        if warm_up:
            print("  warm-up round done", flush=True)
        else:
            figures = ", ".join(f"{name} {rows[name].samples[-1]:,.1f}" for name in contenders)
            print(f"  round {round_number}/{rounds}: {figures}", flush=True)
    return rows


def check(name: str, value: float, target: str) -> Dict[str, Any]:
    """A named check against a target of the form '>= 2.0' or '< 50'."""
    operator, _, threshold_text = target.partition(" ")
    threshold = float(threshold_text)
    met = {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
    }[operator]
    return {"name": name, "value": round(value, 3), "target": target, "met": bool(met)}


def report_check(name: str, value: float) -> Dict[str, Any]:
    """A ratio reported for context, with no target to meet."""
    return {"name": name, "value": round(value, 3), "target": None, "met": None}


def reference_checks(
    binding: str, rate: float, tool: Optional[str], ceiling: Optional[float], floor: Optional[float], share: str
) -> List[Dict[str, Any]]:
    """The checks against the reference rows of the same run, for those that were measured: the
    binding's share of the ceiling (`tool`, target `share`), its share of the floor (the Rust core
    alone), and the floor's share of the ceiling (both >= 0.80), which split the gap into what the
    binding adds and what the transport costs (bench/README.md)."""
    checks = []
    if ceiling is not None:
        checks.append(check(f"{binding} / {tool} (share of the ceiling, same run)", rate / ceiling, share))
    if floor is not None:
        checks.append(check(f"{binding} / Rust core (share of the floor, same run)", rate / floor, ">= 0.80"))
        if ceiling is not None:
            checks.append(
                check(f"Rust core / {tool} (the transport's share of the ceiling)", floor / ceiling, ">= 0.80")
            )
    return checks


def command_line() -> str:
    """How this file was produced: the script under the pinned simulator, as run.sh runs it."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), REPO)
    args = " ".join(sys.argv[1:])
    sim = os.environ.get("AUTHCLOUD_SIM", "authcloud-sim")
    sim = os.path.relpath(sim, REPO) if os.path.isabs(sim) else sim
    return (
        f"AUTHCLOUD_SIM={sim} taskset -c 0 scripts/with-sim.sh -- "
        f"taskset -c 1 python {script}{' ' + args if args else ''}  (run by bench/python/run.sh)"
    )


def versions(*modules: str) -> str:
    """`name version` of each contender, for the notes."""
    from importlib import metadata

    parts = [f"CPython {platform.python_version()}"]
    for module in modules:
        try:
            parts.append(f"{module} {metadata.version(module)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{module} (not installed)")
    return ", ".join(parts)


def pinning_note() -> str:
    cpus = sorted(os.sched_getaffinity(0))
    return f"client pinned to CPU(s) {cpus}, simulator to CPU 0 ({os.cpu_count()} CPUs in the machine)"


def write_result(
    benchmark: str,
    title: str,
    unit: str,
    higher_is_better: bool,
    rows: Sequence[Row],
    checks: Sequence[Dict[str, Any]],
    notes: str,
    concurrency: Optional[int] = None,
) -> Path:
    """Writes `$BENCH_OUT/<benchmark>.json` in the shared layout and returns its path."""
    default = "target/bench-smoke" if smoke_mode() else "target/bench"
    out_dir = Path(os.environ.get("BENCH_OUT") or REPO / default)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": benchmark,
        "title": title,
        "unit": unit,
        "higherIsBetter": higher_is_better,
        "command": command_line(),
        "rows": [row.as_json() for row in rows],
        "checks": list(checks),
        "notes": notes,
        "smoke": smoke_mode(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if concurrency is not None:
        result["concurrency"] = concurrency
    path = out_dir / f"{benchmark}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  wrote {path}")
    for item in checks:
        verdict = "" if item["met"] is None else ("  met" if item["met"] else "  MISSED")
        target = f" (target {item['target']})" if item["target"] else ""
        print(f"  check {item['name']}: {item['value']}{target}{verdict}")
    return path
