"""Python memory: the RSS that 10,000 concurrent `AsyncClient.wait_for_status` calls add, and whether
100,000 sequential `Client.get_status` calls grow the RSS at all. Writes `$BENCH_OUT/python-memory.json`.

Each measurement runs in a fresh child process (this file with `waits` or `sequential`), so one does
not reuse memory the other freed, and the set-up traffic (creating 10,000 approvals, accepting
them) runs in further child processes, so its allocations never count.

- waits: baseline RSS after a warm-up (runtime started, connection pool filled, the 10,000 status
  tokens in memory); then 10,000 `wait_for_status` tasks start at once and poll every few seconds.
  RSS is sampled until every wait has polled at least once and a little longer; the peak minus the
  baseline is the growth. Then the simulator accepts every approval (control plane), all waits must
  return `succeeded`, and the RSS after they finished is reported too.
- sequential: RSS sampled every 10,000 calls after a warm-up; the rule is explained in the notes.
"""

from __future__ import annotations

import asyncio
import gc
import http.client
import json
import subprocess
import sys
import time
import urllib.parse
from typing import Any, Dict, List

import _common as common

SMOKE = common.smoke_mode()
WAITS = 200 if SMOKE else 10_000
WAIT_INTERVAL_S = 0.5 if SMOKE else 4.0
HOLD_S = 0.2 if SMOKE else 1.0
SEQUENTIAL_CALLS = 2_000 if SMOKE else 100_000
SAMPLE_EVERY = SEQUENTIAL_CALLS // 10
WARM_UP_CALLS = SAMPLE_EVERY // 5
# Growth is measured from the sample after the second tenth of the calls to the last sample.
GROWTH_FROM_CALL = 2 * SAMPLE_EVERY
GROWTH_LIMIT_MB = 2.0
WAITS_LIMIT_MB = 50.0


def child(mode: str) -> Dict[str, Any]:
    """Runs this file in `mode` in a fresh interpreter and returns the JSON it prints last."""
    args = [sys.executable, __file__, mode] + (["--smoke"] if SMOKE else [])
    output = subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- set-up helpers (own processes) --------------------------------------------------------------


def create_approvals() -> None:
    """Prints the status tokens of WAITS fresh pending push approvals as one JSON list."""
    import nevis_authcloud

    username = "bench-memory"
    common.enrolled_user(username)

    async def create() -> List[str]:
        async with nevis_authcloud.AsyncClient(base_url=common.base_url(), access_key=common.access_key()) as client:
            gate = asyncio.Semaphore(64)

            async def one() -> str:
                async with gate:
                    return (await client.approve(username=username, channel="push")).status_token

            return list(await asyncio.gather(*(one() for _ in range(WAITS))))

    print(json.dumps(asyncio.run(create())))


def accept_all() -> None:
    """Accepts every pending operation through the control plane, on one kept-alive connection."""
    url = urllib.parse.urlsplit(common.base_url())
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)

    def call(method: str, path: str) -> Any:
        connection.request(method, path, body=b"" if method == "POST" else None)
        answer = connection.getresponse()
        text = answer.read()
        if answer.status >= 300:
            raise RuntimeError(f"{method} {path}: {answer.status}")
        return json.loads(text)

    pending = call("GET", "/_sim/operations?state=pending")
    for operation in pending:
        call("POST", f"/_sim/operations/{operation['transactionId']}/accept")
    print(json.dumps({"accepted": len(pending)}))


# --- measured children ---------------------------------------------------------------------------


def waits() -> None:
    tokens: List[str] = json.loads(
        subprocess.run(
            [sys.executable, __file__, "create-approvals"] + (["--smoke"] if SMOKE else []),
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    import nevis_authcloud

    async def measure() -> Dict[str, Any]:
        client = nevis_authcloud.AsyncClient(base_url=common.base_url(), access_key=common.access_key())
        # Warm-up: the runtime, the pool and the code paths of the waits are all in use once.
        await asyncio.gather(*(client.get_status(token) for token in tokens[:64]))
        await asyncio.gather(
            *(client.wait_for_status(token, timeout=0.05, interval=0.01) for token in tokens[:64]),
            return_exceptions=True,
        )
        gc.collect()
        requests_before = common.sim_stats()["requests"]
        baseline = common.rss_mb()

        started = time.perf_counter()
        tasks = [
            asyncio.ensure_future(
                client.wait_for_status(token, timeout=300, interval=WAIT_INTERVAL_S, max_interval=WAIT_INTERVAL_S)
            )
            for token in tokens
        ]
        peak = common.rss_mb()
        all_polled_at = None
        while True:
            await asyncio.sleep(0.05)
            peak = max(peak, common.rss_mb())
            now = time.perf_counter()
            if all_polled_at is None and common.sim_stats()["requests"] - requests_before >= len(tokens):
                all_polled_at = now
            if all_polled_at is not None and now - all_polled_at >= HOLD_S:
                break
            if now - started > 120:
                raise RuntimeError("the waits did not all poll within 120 s")
            if any(task.done() for task in tasks):
                raise RuntimeError("a wait ended before the approvals were accepted")
        in_flight = common.rss_mb()
        all_polled_s = (all_polled_at or started) - started

        # In a thread: the event loop keeps delivering the waits' answers while the phone accepts.
        accepted = json.loads(
            (
                await asyncio.to_thread(
                    subprocess.run,
                    [sys.executable, __file__, "accept-all"],
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            ).stdout
        )["accepted"]
        results = await asyncio.gather(*tasks)
        finished_s = time.perf_counter() - started
        if accepted < len(tokens) or not all(result.succeeded for result in results):
            raise RuntimeError(f"not every wait succeeded ({accepted} accepted)")
        del results, tasks
        gc.collect()
        after = common.rss_mb()
        await client.close()
        return {
            "baseline": baseline,
            "peak": peak,
            "in_flight": in_flight,
            "after": after,
            "all_polled_s": all_polled_s,
            "finished_s": finished_s,
        }

    print(json.dumps(asyncio.run(measure())))


def sequential() -> None:
    import nevis_authcloud

    token = common.pending_status_token("bench-sequential")
    client = nevis_authcloud.Client(base_url=common.base_url(), access_key=common.access_key())
    for _ in range(WARM_UP_CALLS):
        client.get_status(token)
    gc.collect()
    samples = [common.rss_mb()]
    started = time.perf_counter()
    for _ in range(SEQUENTIAL_CALLS // SAMPLE_EVERY):
        for _ in range(SAMPLE_EVERY):
            if client.get_status(token).status != "pending":
                raise RuntimeError("the status changed under the benchmark")
        samples.append(common.rss_mb())
    elapsed = time.perf_counter() - started
    client.close()
    print(json.dumps({"samples": samples, "seconds": elapsed}))


def main() -> None:
    print(f"python-memory: {WAITS:,} concurrent waits, then {SEQUENTIAL_CALLS:,} sequential calls")
    w = child("waits")
    print(
        f"  waits: baseline {w['baseline']:.1f} MB, peak {w['peak']:.1f} MB, after {w['after']:.1f} MB; "
        f"all polled after {w['all_polled_s']:.1f} s, all done after {w['finished_s']:.1f} s",
        flush=True,
    )
    s = child("sequential")
    series = s["samples"]
    print(
        "  sequential RSS (MB) every {:,} calls: {}".format(
            SAMPLE_EVERY, ", ".join(f"{value:.1f}" for value in series)
        ),
        flush=True,
    )

    growth_index = GROWTH_FROM_CALL // SAMPLE_EVERY
    sequential_growth = series[-1] - series[growth_index]
    rows = [
        common.Row(f"{WAITS:,} concurrent AsyncClient.wait_for_status: peak RSS growth", [w["peak"] - w["baseline"]]),
        common.Row(f"{WAITS:,} concurrent waits: RSS growth once all finished", [w["after"] - w["baseline"]]),
        common.Row(
            f"{SEQUENTIAL_CALLS:,} sequential Client.get_status: RSS growth from call "
            f"{GROWTH_FROM_CALL:,} to {SEQUENTIAL_CALLS:,}",
            [sequential_growth],
        ),
        common.Row(
            f"{SEQUENTIAL_CALLS:,} sequential Client.get_status: RSS every {SAMPLE_EVERY:,} calls (absolute)", series
        ),
    ]
    checks = [
        common.check(f"{WAITS:,} concurrent waits, RSS growth (MB)", w["peak"] - w["baseline"], f"< {WAITS_LIMIT_MB}"),
        common.check(
            f"RSS growth over calls {GROWTH_FROM_CALL:,}-{SEQUENTIAL_CALLS:,} (MB)",
            sequential_growth,
            f"< {GROWTH_LIMIT_MB}",
        ),
    ]
    common.write_result(
        "python-memory",
        "Python memory: concurrent waits and sequential calls",
        "MB",
        False,
        rows,
        checks,
        f"Waits: each measured in a fresh process; baseline RSS {w['baseline']:.1f} MB after a warm-up "
        f"(runtime, pool, 64 calls and 64 short waits) with the {WAITS:,} status tokens already in memory; "
        f"{WAITS:,} asyncio tasks then call wait_for_status(interval={WAIT_INTERVAL_S:g} s) at once, RSS "
        f"sampled every 50 ms until the simulator has seen a poll for each ({w['all_polled_s']:.1f} s) and "
        f"{HOLD_S:g} s more; the peak minus the baseline is the growth. Then the simulator accepts every "
        f"approval, all waits return succeeded ({w['finished_s']:.1f} s after the start) and RSS after gc is "
        f"reported. Sequential: one blocking Client, {WARM_UP_CALLS:,} warm-up calls, then RSS every "
        f"{SAMPLE_EVERY:,} calls ({s['seconds']:.1f} s in all). No-growth rule: the last sample minus the "
        f"sample at call {GROWTH_FROM_CALL:,} must stay under {GROWTH_LIMIT_MB:g} MB, i.e. under "
        f"{GROWTH_LIMIT_MB * 1024 * 1024 / (SEQUENTIAL_CALLS - GROWTH_FROM_CALL):.0f} bytes per call, which "
        "one leaked Python object or response buffer per call would exceed; the first tenths are left out "
        "because allocator pools and caches settle there. RSS is VmRSS from /proc. "
        f"{common.pinning_note()}. {common.versions('nevis-authcloud')}.",
    )


if __name__ == "__main__":
    modes = {"waits": waits, "sequential": sequential, "create-approvals": create_approvals, "accept-all": accept_all}
    mode = next((arg for arg in sys.argv[1:] if arg in modes), None)
    (modes[mode] if mode else main)()
