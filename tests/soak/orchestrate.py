"""The orchestrator of `make soak`: one simulator, the Python, Node and C drivers against it at the
same time, and the verdict.

It starts ``authcloud-sim``, then the three drivers in parallel (each runs the mix of
``tests/soak/mix.json`` for the given time and writes a JSON summary), samples the resident memory
of every driver and of the simulator every ~10 s from ``/proc``, reads the simulator's
``/_sim/stats`` at the end, prints a table, writes ``summary.json`` and exits non-zero when any
invariant failed:

- no crash: every driver exits by itself with status 0 (no signal, not killed by us);
- no untyped error: every failure was the SDK's own typed error;
- no hang: no call outlived its bound (the drivers' watchdogs) and no driver outlived the run;
- steady memory: RSS grows by at most ``--rss-growth-mb`` from the first sample after warm-up to
  the last;
- the SDK's answers never contradicted the simulator's state (``violations``), and no driver
  tripped over its own bug (``driverErrors``);
- no duplicate side effects: for enrolments, approvals, SMS and intent tokens, what the simulator
  really created lies between what the drivers saw succeed and that plus the failures that said
  "may have been applied" (a second push sent by the SDK on its own would exceed it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from soak_table import render

LANGUAGES = ("python", "node", "c")
EFFECT_KINDS = ("enroll", "approval", "sms", "intent")


def rss_mb(pid: int) -> Optional[float]:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_s(pid: int) -> Optional[float]:
    """User + system CPU time of a process so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sim_get(base_url: str, path: str) -> Any:
    with urllib.request.urlopen(base_url + path, timeout=10) as response:
        return json.loads(response.read())


class Process:
    def __init__(self, name: str, argv: List[str], log_path: str, env: Dict[str, str]) -> None:
        self.name = name
        self.argv = argv
        # The child keeps its own copy of the log's descriptor; this process needs none.
        with open(log_path, "w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.rss: List[List[float]] = []
        self.cpu: Optional[float] = None
        self.killed = False

    def sample(self, elapsed: float) -> None:
        if self.proc.poll() is None:
            value = rss_mb(self.proc.pid)
            if value is not None:
                self.rss.append([round(elapsed, 1), round(value, 1)])


def start_sim(binary: str, log_path: str) -> tuple:
    # The simulator keeps its own copy of the log's descriptor; this process needs none.
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--exit-on-stdin-eof", "--log", "warn"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"authcloud-sim exited ({proc.wait()}) before printing its address; see {log_path}")
    return proc, json.loads(line)


def memory_verdict(series: List[List[float]], warmup_s: float, limit_mb: float) -> Dict[str, Any]:
    if not series:
        return {"firstMb": None, "lastMb": None, "maxMb": None, "growthMb": None, "ok": False, "note": "no samples"}
    after = [s for s in series if s[0] >= warmup_s] or series[-1:]
    first, last = after[0][1], series[-1][1]
    growth = round(last - first, 1)
    return {
        "firstAfterWarmupMb": first,
        "firstAtS": after[0][0],
        "lastMb": last,
        "maxMb": max(s[1] for s in series),
        "growthMb": growth,
        "ok": growth <= limit_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="make soak: three bindings against one simulator")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--sim", required=True, help="the authcloud-sim binary")
    parser.add_argument("--mix", required=True)
    parser.add_argument("--python", required=True, help="the Python interpreter with nevis_authcloud installed")
    parser.add_argument("--node", default="node")
    parser.add_argument("--c-driver", required=True, help="the built C driver")
    parser.add_argument("--only", default=",".join(LANGUAGES), help="comma-separated subset (development)")
    parser.add_argument("--seed", type=int, help="seed of the drivers' random choices (default: from the clock)")
    parser.add_argument("--sample-s", type=float, default=10)
    parser.add_argument("--rss-growth-mb", type=float, default=20)
    parser.add_argument("--grace-s", type=float, default=90, help="how long past the run a driver may take to exit")
    args = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(args.out_dir, exist_ok=True)
    languages = [lang for lang in args.only.split(",") if lang]
    warmup_s = min(60.0, args.seconds * 0.25)
    started_at = datetime.datetime.now(datetime.timezone.utc)

    sim_proc, ready = start_sim(args.sim, os.path.join(args.out_dir, "sim.log"))
    base_url = ready["baseUrl"]
    env = dict(os.environ, NEVIS_AUTHCLOUD_BASE_URL=base_url, NEVIS_AUTHCLOUD_ACCESS_KEY=ready["accessKey"])
    env.pop("NEVIS_AUTHCLOUD_INSTANCE", None)
    env.pop("NEVIS_AUTHCLOUD_CA_FILE", None)
    common = ["--mix", args.mix, "--seconds", str(args.seconds)]
    if args.seed is not None:
        common += ["--seed", str(args.seed)]
    out = {lang: os.path.join(args.out_dir, f"{lang}.json") for lang in languages}
    argv = {
        "python": [args.python, os.path.join(here, "python", "driver.py")],
        "node": [args.node, os.path.join(here, "node", "driver.mjs")],
        "c": [args.c_driver],
    }
    print(f"soak: {args.seconds:.0f} s of mixed traffic from {', '.join(languages)} against {base_url}", flush=True)
    drivers: Dict[str, Process] = {}
    for lang in languages:
        if os.path.exists(out[lang]):
            os.remove(out[lang])
        drivers[lang] = Process(
            lang, argv[lang] + common + ["--out", out[lang]], os.path.join(args.out_dir, f"{lang}.log"), env
        )
    sim_rss: List[List[float]] = []

    t0 = time.monotonic()
    next_sample = 0.0
    next_progress = 60.0
    hard_stop = args.seconds + args.grace_s
    try:
        while any(d.proc.poll() is None for d in drivers.values()):
            elapsed = time.monotonic() - t0
            if elapsed >= next_sample:
                for d in drivers.values():
                    d.sample(elapsed)
                value = rss_mb(sim_proc.pid)
                if value is not None:
                    sim_rss.append([round(elapsed, 1), round(value, 1)])
                next_sample += args.sample_s
            if elapsed >= next_progress:
                try:
                    requests = sim_get(base_url, "/_sim/stats")["requests"]
                except (OSError, ValueError):
                    requests = "?"
                rss = ", ".join(f"{d.name} {d.rss[-1][1] if d.rss else '?'} MB" for d in drivers.values())
                print(f"soak: {elapsed:.0f} s, simulator saw {requests} API requests; RSS {rss}", flush=True)
                next_progress += 60
            for d in drivers.values():
                if d.proc.poll() is None:
                    d.cpu = cpu_s(d.proc.pid) or d.cpu
            if elapsed > hard_stop:
                for d in drivers.values():
                    if d.proc.poll() is None:
                        print(
                            f"soak: {d.name} driver still running {args.grace_s:.0f} s after the end: killed",
                            flush=True,
                        )
                        d.killed = True
                        d.proc.kill()
            time.sleep(0.2)
        sim_stats = sim_get(base_url, "/_sim/stats")
        sim_final_rss = rss_mb(sim_proc.pid)
        sim_cpu = cpu_s(sim_proc.pid)
    finally:
        for d in drivers.values():
            if d.proc.poll() is None:
                d.proc.kill()
            d.proc.wait()
        assert sim_proc.stdin is not None
        sim_proc.stdin.close()
        try:
            sim_proc.wait(10)
        except subprocess.TimeoutExpired:
            sim_proc.kill()
            sim_proc.wait()
    wall_s = time.monotonic() - t0

    checks: List[Dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"name": name, "met": bool(ok), "detail": detail})

    reports: Dict[str, Any] = {}
    for lang, d in drivers.items():
        code = d.proc.returncode
        report: Dict[str, Any] = {}
        if os.path.exists(out[lang]):
            with open(out[lang], encoding="utf-8") as handle:
                report = json.load(handle)
        exit_text = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        if d.killed:
            exit_text += " (killed: did not finish)"
        report["exit"] = exit_text
        report["rss"] = d.rss
        report["cpuS"] = round(d.cpu, 1) if d.cpu is not None else None
        report["memory"] = memory_verdict(d.rss, warmup_s, args.rss_growth_mb)
        reports[lang] = report
        check(f"{lang}: no crash", code == 0 and not d.killed and bool(report.get("calls")), exit_text)
        check(f"{lang}: no untyped error", report.get("untyped", 1) == 0, f"{report.get('untyped')} untyped")
        hangs = report.get("hangs", 0) + report.get("unfinishedWorkers", 0) + (1 if d.killed else 0)
        check(f"{lang}: no hang", bool(report) and hangs == 0, f"{hangs} calls or workers past their bound")
        mem = report["memory"]
        check(
            f"{lang}: steady memory",
            mem["ok"],
            f"RSS {mem.get('firstAfterWarmupMb')} MB after warm-up -> {mem.get('lastMb')} MB "
            f"(max {mem.get('maxMb')}; limit +{args.rss_growth_mb:.0f} MB)",
        )
        check(
            f"{lang}: answers agree with the simulator",
            report.get("violations", 1) == 0,
            f"{report.get('violations')} violations",
        )
        check(
            f"{lang}: driver ran cleanly",
            report.get("driverErrors", 1) == 0,
            f"{report.get('driverErrors')} driver errors",
        )

    created = sim_stats.get("created", {})
    missing = [lang for lang, r in reports.items() if "sideEffects" not in r]
    for kind in EFFECT_KINDS:
        ok = sum(r.get("sideEffects", {}).get(kind, {}).get("ok", 0) for r in reports.values())
        maybe = sum(r.get("sideEffects", {}).get(kind, {}).get("maybe", 0) for r in reports.values())
        real = created.get(kind, 0)
        check(
            f"side effects: {kind}",
            ok <= real <= ok + maybe,
            f"simulator created {real}; drivers saw {ok} succeed and {maybe} fail with may_have_been_applied yes/unknown"
            + (f" (no report from {', '.join(missing)})" if missing else ""),
        )

    summary = {
        "date": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": args.seconds,
        "wallSeconds": round(wall_s, 1),
        "mix": os.path.relpath(args.mix),
        "warmupS": warmup_s,
        "rssGrowthLimitMb": args.rss_growth_mb,
        "drivers": reports,
        "simulator": {
            "stats": sim_stats,
            "rss": sim_rss,
            "finalRssMb": round(sim_final_rss, 1) if sim_final_rss else None,
            "cpuS": round(sim_cpu, 1) if sim_cpu is not None else None,
            "memory": memory_verdict(sim_rss, warmup_s, float("inf")),
        },
        "checks": checks,
        "ok": all(c["met"] for c in checks),
    }
    with open(os.path.join(args.out_dir, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=1)
    print(render(summary), flush=True)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
