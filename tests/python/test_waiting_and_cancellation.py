"""Timeouts, waits and cancellation: a wait ends on the caller's terms, and a cancelled asyncio task
stops the work in Rust (no more requests reach the server)."""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest import FAST

from nevis_authcloud.errors import APITimeoutError


def _pending_approval(sim):
    client = sim.client(**FAST)
    enrolment = client.enroll(username="wendy", channel="push")
    sim.accept(enrolment.transaction_id)
    return client.approve(username="wendy", channel="push")


def test_wait_for_status_times_out_with_the_last_status(authcloud_sim):
    approval = _pending_approval(authcloud_sim)
    client = authcloud_sim.client()
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        client.wait_for_status(approval.status_token, timeout=0.3, interval=0.05)
    assert 0.25 < time.monotonic() - started < 3
    assert caught.value.last_status is not None and caught.value.last_status.pending


def test_async_wait_for_status_times_out_too(authcloud_sim):
    approval = _pending_approval(authcloud_sim)

    async def main():
        client = authcloud_sim.async_client()
        with pytest.raises(APITimeoutError) as caught:
            await client.wait_for_status(approval.status_token, timeout=0.3, interval=0.05)
        assert caught.value.last_status.status == "pending"

    asyncio.run(main())


def test_wait_returns_as_soon_as_the_user_acts(authcloud_sim):
    approval = _pending_approval(authcloud_sim)

    async def main():
        client = authcloud_sim.async_client()
        waiting = asyncio.ensure_future(client.wait_for_status(approval.status_token, timeout=10, interval=0.05))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await asyncio.get_running_loop().run_in_executor(None, authcloud_sim.accept, approval.transaction_id)
        status = await asyncio.wait_for(waiting, 5)
        assert status.succeeded

    asyncio.run(main())


def test_cancelling_the_task_stops_polling_in_rust(authcloud_sim):
    approval = _pending_approval(authcloud_sim)

    async def main():
        client = authcloud_sim.async_client()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.wait_for_status(approval.status_token, interval=0.02), 0.3)

    asyncio.run(main())
    time.sleep(0.1)  # a poll already on the wire may still land
    seen = authcloud_sim.stats()["requests"]
    time.sleep(0.4)
    assert authcloud_sim.stats()["requests"] == seen, "polling went on after the task was cancelled"


def test_cancelling_a_slow_request_frees_the_caller_at_once(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="stall", ms=5000)

    async def main():
        client = authcloud_sim.async_client(max_retries=0)
        task = asyncio.ensure_future(client.ping())
        await asyncio.sleep(0.2)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.5
        # The client is still usable after a cancelled call.
        await client.ping()

    asyncio.run(main())


def test_request_timeout_and_deadline(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=10, fault="delay", ms=1000)
    client = authcloud_sim.client(timeout=5, deadline=0.3, max_retries=2)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        client.ping()
    assert time.monotonic() - started < 0.9


def test_async_calls_run_concurrently_on_one_loop(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=20, fault="delay", ms=300)

    async def main():
        client = authcloud_sim.async_client()
        started = time.monotonic()
        await asyncio.gather(*(client.ping() for _ in range(20)))
        return time.monotonic() - started

    assert asyncio.run(main()) < 2.0, "20 delayed pings should overlap, not queue"
