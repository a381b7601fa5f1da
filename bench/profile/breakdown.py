"""Turns the perf output of bench/profile/run.sh into a per-call cost breakdown.

For each scenario it reads `perf stat` (CPU time, context switches, syscalls of the client process,
divided by the calls made), the samples of `perf record -g` (`perf script`: each sample's stack) and
`perf report` (self time per function, for the list of the heaviest), sorts every sample into one
stage of a call by the rules below, and multiplies each stage's share of the samples by the CPU time
per call; it also splits the samples by thread (the runtime's workers, the caller's own). Writes one
JSON file that bench/report.py renders.

A sample is sorted by its innermost frame that a rule names. Kernel stacks are complete, so a
sample in a kernel helper (a spin lock released while waking a thread) is sorted by the kernel
function that called it (`try_to_wake_up`: waking; `tcp_sendmsg`: the network stack), up to the
first user-space frame (the syscall's libc wrapper). User-space stacks are not walked further than the sampled function: release builds
have no frame pointers, so what perf finds above it is not reliable.

The stages are the ones a binding's call goes through: the caller's language runtime running the
call (JavaScript or Python code, the interpreter), converting the arguments and the answer (JSON
text in both directions, and building the result object), crossing into and out of the shared
runtime (N-API / pyo3 glue, the GIL, handing the call to tokio), waking the caller and scheduling
(futexes, epoll, the scheduler in user space and in the kernel), the HTTP exchange (HTTP/1.1 in user
space, sockets and the network stack in the kernel), and allocation. A function is counted in the
first stage whose rule matches "dso symbol"; the rules are names, so the sort is approximate where a
function serves two stages (a `memcpy` of a request body counts as "other"), and exact enough to say
which stage dominates.

Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Dict, List, Tuple

# (stage, pattern) in order: the first match wins. Kernel functions that are not scheduling or
# waking fall through to the HTTP exchange's kernel half (sockets, TCP on loopback, syscalls).
STAGES: List[Tuple[str, str]] = [
    (
        "waking the caller and scheduling",
        (
            r"futex|\bschedule|__schedule|ttwu|try_to_wake|wake_up|enqueue_|dequeue_|pick_next|finish_task_switch"
            r"|__switch_to|switch_mm|epoll|ep_poll|tokio::runtime::(scheduler|park|task|time)|tokio::sync|parking_lot"
            r"|std::thread::park|mio::|uv__io_poll|uv__async|uv_async|eventfd|pthread_cond|sem_(wait|post)|do_idle"
        ),
    ),
    (
        "crossing into and out of the runtime",
        (
            r"napi|node::|uv_|ThreadsafeFunction|pyo3|PyGILState|take_gil|drop_gil|PyEval_RestoreThread"
            r"|PyEval_SaveThread|_PyThreadState|nevis_authcloud_node|nevis_authcloud_python|asyncio_bridge"
            r"|call_soon_threadsafe|tokio::runtime::(handle|context|blocking)|tokio::task|nevis_authcloud::runtime"
        ),
    ),
    (
        "converting arguments and results (JSON, result objects)",
        (
            r"serde_json|serde::|JsonParser|JsonStringif|JSON|[Jj]son|request_from_json|PyDict_|PyUnicode_(From|Decode)"
            r"|_PyDict_|PyObject_SetAttr|models\.py"
        ),
    ),
    (
        "HTTP exchange: HTTP/1.1 in user space",
        (
            r"hyper|httparse|\bhttp::|bytes::|nevis_authcloud::(transport|connector|response|client|retry|secret)"
            r"|tokio::net|tokio::io|__libc_(send|recv)|\b(sendto|recvfrom|writev|readv)\b"
        ),
    ),
    (
        "allocation",
        (
            r"malloc|\bfree\b|cfree|realloc|calloc|_int_|tcache|\bmi_|\bje_|alloc::|__rust_(alloc|dealloc|realloc)"
            r"|operator new|operator delete|\bmmap|munmap|madvise|brk"
        ),
    ),
]
KERNEL_FALLBACK = "HTTP exchange: sockets and the kernel's network stack"
# Kernel functions of the network stack: a sample under one of them is the HTTP exchange's kernel
# half, whatever user-space frame made the syscall.
KERNEL_NETWORK = re.compile(
    r"tcp_|udp_|skb|sock|inet|\bip_|ip6_|netif|net_rx|__dev_|loopback|sendmsg|recvmsg|\bsk_|softirq|\bnet_"
)
LANGUAGE = "the caller's language runtime (V8 / CPython) and its code"
LANGUAGE_DSOS = re.compile(r"libnode|^node$|^python|libpython|perf-\d+\.map|\[JIT\]")
OTHER = "other"
ORDER = [LANGUAGE] + [stage for stage, _ in STAGES[:3]] + [STAGES[3][0], KERNEL_FALLBACK, STAGES[4][0], OTHER]
LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$")
STACK_LINE = re.compile(r"^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")
COMPILED = [(stage, re.compile(pattern)) for stage, pattern in STAGES]
# Where a call's CPU time is spent, by thread: the runtime's worker threads do the HTTP exchange for
# every binding; the caller's threads run the language, the crossings and the conversions. Set side
# by side with the core alone (whose caller thread only waits), the runtime row shows what the same
# core work costs when it shares the CPU with the caller.
RUNTIME_THREADS = "on the runtime's worker threads"
CALLER_THREADS = "on the caller's threads"
THREAD_KINDS = [CALLER_THREADS, RUNTIME_THREADS]


def read_stacks(path: Path) -> Tuple[Dict[str, float], Dict[str, float]]:
    """Stage -> share, and thread kind -> share, of the samples of `perf script -F comm,tid,ip,sym,dso`
    output (each sample: a `comm tid` line, then its frames)."""
    counts: Dict[str, float] = dict.fromkeys(ORDER, 0.0)
    threads: Dict[str, float] = dict.fromkeys(THREAD_KINDS, 0.0)
    for block in path.read_text(errors="replace").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        frames = [STACK_LINE.match(line) for line in lines]
        frames_found = [(m[1], Path(m[2]).name) for m in frames if m]
        if frames_found:
            counts[stage_of_stack(frames_found)] += 1
            threads[thread_kind(lines[0])] += 1
    total = sum(counts.values()) or 1.0
    return (
        {stage: count / total for stage, count in counts.items()},
        {kind: count / total for kind, count in threads.items()},
    )


def thread_kind(header: str) -> str:
    """Which thread a sample's `comm tid` line names: one of the SDK runtime's workers (named
    `nevis-authcloud` by core/src/runtime.rs) or the caller's own (the JavaScript or Python thread,
    and the threads of the interpreter itself)."""
    return RUNTIME_THREADS if header.split()[0].startswith("nevis-authcloud") else CALLER_THREADS


def stage_of_stack(frames: List[Tuple[str, str]]) -> str:
    """The innermost rule match over the sampled function and, for a kernel sample, the kernel
    frames above it up to the first user-space frame."""
    for symbol, dso in frames:
        in_kernel = dso.startswith("[kernel")
        if in_kernel and KERNEL_NETWORK.search(symbol):
            return KERNEL_FALLBACK
        for stage, pattern in COMPILED:
            if pattern.search(f"{dso} {symbol}"):
                return stage
        if not in_kernel:
            break
    symbol, dso = frames[0]
    return stage_of(dso, "k" if dso.startswith("[kernel") else ".", symbol)


def stage_of(dso: str, kind: str, symbol: str) -> str:
    text = f"{dso} {symbol}"
    for stage, pattern in COMPILED:
        if pattern.search(text):
            return stage
    if kind == "k" or dso.startswith("[kernel"):
        return KERNEL_FALLBACK
    if LANGUAGE_DSOS.search(dso):
        return LANGUAGE
    return OTHER


def read_report(path: Path) -> Tuple[Dict[str, float], List[Tuple[float, str, str]]]:
    """Stage -> share of samples (0..1), and the heaviest functions."""
    shares: Dict[str, float] = dict.fromkeys(ORDER, 0.0)
    functions: List[Tuple[float, str, str]] = []
    for line in path.read_text(errors="replace").splitlines():
        match = LINE.match(line)
        if not match:
            continue
        percent, dso, kind, symbol = float(match[1]), match[2], match[3], match[4]
        stage = stage_of(dso, kind, symbol)
        shares[stage] += percent / 100
        functions.append((percent, f"{symbol} ({dso})", stage))
    total = sum(shares.values()) or 1.0
    return {stage: share / total for stage, share in shares.items()}, sorted(functions, reverse=True)[:12]


def read_stat(path: Path) -> Dict[str, float]:
    """perf stat -x, output: value,unit,event,... per line."""
    figures: Dict[str, float] = {}
    for line in path.read_text().splitlines():
        fields = line.split(",")
        if len(fields) < 3 or line.startswith("#"):
            continue
        try:
            figures[fields[2]] = float(fields[0])
        except ValueError:
            continue
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    scenarios = []
    for line in (args.dir / "scenarios.tsv").read_text().splitlines():
        name, calls_text, in_flight, command = line.split("\t", 3)
        calls = int(calls_text)
        stat = read_stat(args.dir / f"{name}.stat")
        cpu_us = stat.get("task-clock", 0.0) * 1000 / calls  # task-clock is in milliseconds
        shares, top = read_report(args.dir / f"{name}.txt")
        threads: Dict[str, float] = {}
        stacks = args.dir / f"{name}.stacks"
        if stacks.exists():
            shares, threads = read_stacks(stacks)
        scenarios.append(
            {
                "name": name,
                "calls": calls,
                "inFlight": int(in_flight),
                "command": command,
                "cpuUsPerCall": round(cpu_us, 2),
                "contextSwitchesPerCall": round(stat.get("context-switches", 0.0) / calls, 2),
                "syscallsPerCall": round(stat.get("raw_syscalls:sys_enter", 0.0) / calls, 2),
                "stages": [
                    {"stage": stage, "share": round(shares[stage], 4), "usPerCall": round(shares[stage] * cpu_us, 2)}
                    for stage in ORDER
                ],
                "threads": [
                    {"threads": kind, "share": round(share, 4), "usPerCall": round(share * cpu_us, 2)}
                    for kind, share in threads.items()
                ],
                "topFunctions": [
                    {"percent": percent, "function": function, "stage": stage} for percent, function, stage in top
                ],
            }
        )
        print(
            f"{name}: {cpu_us:.1f} us CPU per call, "
            + ", ".join(
                f"{s['stage'].split(':')[0].split('(')[0].strip()} {s['usPerCall']}" for s in scenarios[-1]["stages"]
            )
        )
    taken = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    args.out.write_text(json.dumps({"takenAt": taken, "scenarios": scenarios}, indent=2) + "\n")
    print(f"bench-profile: {len(scenarios)} scenarios -> {args.out}")


if __name__ == "__main__":
    main()
