"""The Python scenarios of bench/profile: the binding alone, the way bench/python/blocking.py
(`blocking`: one call after the other) and bench/python/async_throughput.py (`async`: worker
coroutines with `--concurrency` calls in flight) run their binding contender, so a profile of this
process is a profile of what those rows measure.

    drive.py blocking|async --calls N [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))

import _common as common

import nevis_authcloud


def blocking(token: str, calls: int) -> None:
    with nevis_authcloud.Client(base_url=common.base_url(), access_key=common.access_key()) as client:
        for _ in range(calls):
            if client.get_status(token).status != "pending":
                raise RuntimeError("expected the pending approval")


async def in_flight(token: str, calls: int, concurrency: int) -> None:
    client = nevis_authcloud.AsyncClient(base_url=common.base_url(), access_key=common.access_key())
    issued = 0

    async def worker() -> None:
        nonlocal issued
        while issued < calls:
            issued += 1
            if (await client.get_status(token)).status != "pending":
                raise RuntimeError("expected the pending approval")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["blocking", "async"])
    parser.add_argument("--calls", type=int, default=40000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    token = os.environ["BENCH_STATUS_TOKEN"]  # the approval bench/lib/with-bench-sim.sh created
    if args.mode == "blocking":
        blocking(token, args.calls)
    else:
        asyncio.run(in_flight(token, args.calls, args.concurrency))
    print(f'{{"calls": {args.calls}}}')


if __name__ == "__main__":
    main()
