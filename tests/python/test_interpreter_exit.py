"""Exiting the interpreter while the Rust runtime still works must never crash.

The shared tokio runtime outlives every event loop, and its threads may finish a request at any
moment of interpreter shutdown. These scripts are run many times in fresh interpreters; each must
exit with status 0 and print its marker (a crash shows as a signal or an abort)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

RUNS = int(os.environ.get("NEVIS_EXIT_RUNS", "20"))

SEVERAL_ASYNCIO_RUNS = """
import asyncio, sys
from nevis_authcloud import AsyncClient

client = AsyncClient(base_url=sys.argv[1], access_key=sys.argv[2])

async def burst():
    await asyncio.gather(*(client.ping() for _ in range(10)))
    await client.find_aadb2c_user("00000000-0000-4000-8000-000000000000")

for _ in range(3):
    asyncio.run(burst())
print("done")
"""

EXIT_IN_FLIGHT = """
import asyncio, sys, threading
from nevis_authcloud import AsyncClient, Client

client = AsyncClient(base_url=sys.argv[1], access_key=sys.argv[2])
blocking = Client(base_url=sys.argv[1], access_key=sys.argv[2])

async def main():
    # Left running when asyncio.run returns: the loop closes with these still in Rust.
    pending = [asyncio.ensure_future(client.ping()) for _ in range(20)]
    await asyncio.sleep(0.05)
    return pending

asyncio.run(main())

# A second loop, abandoned with requests in flight, and a daemon thread blocked in a call.
loop = asyncio.new_event_loop()
for _ in range(10):
    loop.create_task(client.ping())
loop.run_until_complete(asyncio.sleep(0.01))
threading.Thread(target=blocking.ping, daemon=True).start()
print("done")
"""


def _run_many(script, sim, slow_ms):
    sim.add_fault(method="GET", path="/ping", count=100_000, fault="delay", ms=slow_ms)
    code = textwrap.dedent(script)

    def once(_):
        return subprocess.run(
            [sys.executable, "-c", code, sim.base_url, sim.access_key],
            capture_output=True,
            text=True,
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(once, range(RUNS)))
    failures = [r for r in results if r.returncode != 0 or r.stdout.strip() != "done"]
    assert not failures, (
        f"{len(failures)}/{RUNS} runs failed; first: rc={failures[0].returncode} {failures[0].stderr[-2000:]}"
    )


@pytest.mark.parametrize("slow_ms", [0, 20])
def test_several_asyncio_runs_then_exit(authcloud_sim, slow_ms):
    _run_many(SEVERAL_ASYNCIO_RUNS, authcloud_sim, slow_ms)


@pytest.mark.parametrize("slow_ms", [30, 300])
def test_exit_with_requests_still_in_flight(authcloud_sim, slow_ms):
    _run_many(EXIT_IN_FLIGHT, authcloud_sim, slow_ms)
