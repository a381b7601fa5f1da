"""Python asyncio, 64 calls in flight: `AsyncClient.get_status` against `httpx.AsyncClient` and
`aiohttp.ClientSession` making the same POST /api/v1/status on the same pending approval, the JSON
decoded on every call, with the native load generator (the ceiling) and the Rust core alone (the
floor, bench/ffi `core-floor`) in the same rounds. Writes `$BENCH_OUT/python-async.json`.

Every contender runs 64 worker coroutines on one event loop, each awaiting one call after the other,
so 64 requests are in flight all the time; the pools allow 64 connections. Contenders take turns in
rounds of equal wall-clock slices (A B C A B C ...).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Dict

import _common as common
import aiohttp
import httpx

import nevis_authcloud

SMOKE = common.smoke_mode()
ROUNDS = 2 if SMOKE else 7
SLICE_S = 0.2 if SMOKE else 2.0
IN_FLIGHT = 64

NEVIS = "nevis_authcloud AsyncClient.get_status"
HTTPX = "httpx.AsyncClient"
AIOHTTP = "aiohttp.ClientSession"


async def throughput(call: Callable[[], Awaitable[Any]], seconds: float) -> float:
    """Completed calls per second with IN_FLIGHT workers calling back to back for `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return done / (time.perf_counter() - start)


FLOOR = f"Rust core alone, {IN_FLIGHT} in flight on the same runtime (floor)"


def ceiling_name(tool: str) -> str:
    return f"{tool}, {IN_FLIGHT} connections (ceiling: no JSON decoding)"


async def run(token: str) -> Dict[str, common.Row]:
    url = common.status_url()
    body = {"statusToken": token}
    client = nevis_authcloud.AsyncClient(base_url=common.base_url(), access_key=common.access_key())
    hx = httpx.AsyncClient(limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT))
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT))

    async def nevis_call() -> str:
        return (await client.get_status(token)).status

    async def httpx_call() -> str:
        answer = await hx.post(url, json=body)
        answer.raise_for_status()
        return answer.json()["status"]  # type: ignore[no-any-return]

    async def aiohttp_call() -> str:
        async with session.post(url, json=body) as answer:
            answer.raise_for_status()
            return (await answer.json())["status"]  # type: ignore[no-any-return]

    calls: Dict[str, Callable[[], Awaitable[str]]] = {NEVIS: nevis_call, HTTPX: httpx_call, AIOHTTP: aiohttp_call}
    for name, call in calls.items():
        if await call() != "pending":
            raise RuntimeError(f"{name} did not see the pending approval")

    # The same warm-up + interleaved rounds as common.interleave, on this one event loop; the
    # load generator (the ceiling) is the last contender of each round while this loop waits.
    tool = common.loadgen_name()
    rows = {name: common.Row(name) for name in calls}
    if tool:
        rows[ceiling_name(tool)] = common.Row(ceiling_name(tool), extra={"ceiling": True, "concurrency": IN_FLIGHT})
    floor = common.core_floor_available()
    if floor:
        rows[FLOOR] = common.Row(FLOOR, extra={"floor": True, "concurrency": IN_FLIGHT})
    for round_number in range(ROUNDS + 1):
        for name, call in calls.items():
            rate = await throughput(call, SLICE_S)
            if round_number:
                rows[name].samples.append(rate)
        if floor:
            rate = common.core_floor(IN_FLIGHT, SLICE_S, rate, token)
            if round_number:
                rows[FLOOR].samples.append(rate)
        if tool:
            rate = common.loadgen(IN_FLIGHT, SLICE_S, body)
            if round_number:
                rows[ceiling_name(tool)].samples.append(rate)
        if round_number:
            figures = ", ".join(f"{name} {row.samples[-1]:,.1f}" for name, row in rows.items())
            print(f"  round {round_number}/{ROUNDS}: {figures}", flush=True)
        else:
            print("  warm-up round done", flush=True)

    await client.close()
    await hx.aclose()
    await session.close()
    return rows


def main() -> None:
    token = common.pending_status_token("bench-async")
    print(f"python-async: {ROUNDS} rounds of {SLICE_S} s per contender, {IN_FLIGHT} in flight")
    rows = asyncio.run(run(token))
    nevis = common.median(rows[NEVIS])
    checks = [
        common.check("AsyncClient / httpx", nevis / common.median(rows[HTTPX]), ">= 2.0"),
        common.check("AsyncClient / aiohttp", nevis / common.median(rows[AIOHTTP]), ">= 5.0"),
    ]
    tool = common.loadgen_name()
    checks += common.reference_checks(
        "AsyncClient",
        nevis,
        tool,
        common.median(rows[ceiling_name(tool)]) if tool else None,
        common.median(rows[FLOOR]) if FLOOR in rows else None,
        ">= 0.50",
    )
    common.write_result(
        "python-async",
        f"Python asyncio, {IN_FLIGHT} in flight, get_status",
        "req/s",
        True,
        list(rows.values()),
        checks,
        f"One event loop (the default asyncio loop), {IN_FLIGHT} worker coroutines per contender each awaiting "
        "POST /api/v1/status on one pending approval back to back; httpx limits and the aiohttp "
        f"connector allow {IN_FLIGHT} connections; every contender decodes the JSON answer (nevis_authcloud "
        f"into a StatusResult). {ROUNDS} rounds of {SLICE_S} s per contender after a warm-up round, "
        f"interleaved. The binding's Rust runtime threads share the client's CPU. httpx's asyncio pool is "
        "known to fall far behind aiohttp with many connections in flight (encode/httpx#3215); its figure is "
        f"what its users get, aiohttp is the stronger hand-written baseline. {common.pinning_note()}. "
        f"{common.versions('nevis-authcloud', 'httpx', 'aiohttp')}.",
        concurrency=IN_FLIGHT,
    )


if __name__ == "__main__":
    main()
