"""Python, blocking, sequential: `Client.get_status` against what a user would write by hand with
`requests.Session` or `httpx.Client` — the same POST /api/v1/status on the same pending approval,
one call at a time, the JSON decoded on every call. Writes `$BENCH_OUT/python-blocking.json`.

Each round gives every contender the same wall-clock slice (A B C A B C ...), so a noisy machine
slows them alike and the ratio of the medians holds.
"""

from __future__ import annotations

import time
from typing import Callable, Dict

import _common as common
import httpx
import requests

import nevis_authcloud

SMOKE = common.smoke_mode()
ROUNDS = 2 if SMOKE else 7
SLICE_S = 0.15 if SMOKE else 1.5
BATCH = 20

NEVIS = "nevis_authcloud Client.get_status"
REQUESTS = "requests.Session().post().json()"
HTTPX = "httpx.Client().post().json()"


def main() -> None:
    token = common.pending_status_token("bench-blocking")
    url = common.status_url()
    body = {"statusToken": token}

    client = nevis_authcloud.Client(base_url=common.base_url(), access_key=common.access_key())
    session = requests.Session()
    hx = httpx.Client()

    def nevis_call() -> str:
        return client.get_status(token).status

    def requests_call() -> str:
        answer = session.post(url, json=body)
        answer.raise_for_status()
        return answer.json()["status"]  # type: ignore[no-any-return]

    def httpx_call() -> str:
        answer = hx.post(url, json=body)
        answer.raise_for_status()
        return answer.json()["status"]  # type: ignore[no-any-return]

    calls: Dict[str, Callable[[], str]] = {NEVIS: nevis_call, REQUESTS: requests_call, HTTPX: httpx_call}
    for name, call in calls.items():
        if call() != "pending":
            raise RuntimeError(f"{name} did not see the pending approval")

    def measure(name: str, _warm_up: bool) -> float:
        call = calls[name]
        done = 0
        start = time.perf_counter()
        deadline = start + SLICE_S
        while True:
            for _ in range(BATCH):
                call()
            done += BATCH
            now = time.perf_counter()
            if now >= deadline:
                return done / (now - start)

    # The ceiling as the last contender of every round, so the share survives a noisy machine.
    tool = common.loadgen_name()
    ceiling = f"{tool}, 1 connection (ceiling: no JSON decoding)" if tool else None

    # The Rust core alone making the same sequential calls (the floor), sized by the last rate seen.
    floor = "Rust core alone, 1 in flight on the same runtime (floor)" if common.core_floor_available() else None
    last_rate = 1000.0

    def measure_or_loadgen(name: str, warm_up: bool) -> float:
        nonlocal last_rate
        if name == ceiling:
            return common.loadgen(1, SLICE_S, body)
        if name == floor:
            return common.core_floor(1, SLICE_S, last_rate, token)
        last_rate = measure(name, warm_up)
        return last_rate

    contenders = [NEVIS, REQUESTS, HTTPX] + ([floor] if floor else []) + ([ceiling] if ceiling else [])
    print(f"python-blocking: {ROUNDS} rounds of {SLICE_S} s per contender against {url}")
    rows = common.interleave(contenders, ROUNDS, measure_or_loadgen)
    client.close()
    session.close()
    hx.close()

    nevis = common.median(rows[NEVIS])
    checks = [
        common.check("Client / requests", nevis / common.median(rows[REQUESTS]), ">= 1.3"),
        common.report_check("Client / httpx", nevis / common.median(rows[HTTPX])),
    ]
    if ceiling:
        rows[ceiling].extra = {"ceiling": True, "concurrency": 1}
    if floor:
        rows[floor].extra = {"floor": True, "concurrency": 1}
    checks += common.reference_checks(
        "Client",
        nevis,
        tool,
        common.median(rows[ceiling]) if ceiling else None,
        common.median(rows[floor]) if floor else None,
        ">= 0.80",
    )
    common.write_result(
        "python-blocking",
        "Python blocking, sequential get_status",
        "req/s",
        True,
        [rows[name] for name in contenders],
        checks,
        "One thread, one call at a time, POST /api/v1/status on one pending approval; every contender "
        "decodes the JSON answer (nevis_authcloud into a StatusResult). Each contender keeps one "
        f"connection alive. {ROUNDS} rounds of {SLICE_S} s per contender after a warm-up round, "
        f"interleaved. {common.pinning_note()}. {common.versions('nevis-authcloud', 'requests', 'httpx')}.",
        concurrency=1,
    )


if __name__ == "__main__":
    main()
