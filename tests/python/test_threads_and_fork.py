"""The blocking client under threads and fork: the GIL is released while a call waits, one client
serves many threads, and a forked child can both create clients and use the parent's."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from nevis_authcloud import Client


def test_the_gil_is_released_while_a_call_waits(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=500)
    client = authcloud_sim.client()
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.05)
        before = ticks
        client.ping()
        during = ticks - before
    finally:
        stop.set()
        counter.join()
    # With the GIL held for the 500 ms wait the counter would advance only at switch points.
    assert during > 100_000, during


def test_sixteen_threads_share_one_client(authcloud_sim):
    client = authcloud_sim.client()
    enrolment = client.enroll(username="tess", channel="push")
    authcloud_sim.accept(enrolment.transaction_id)
    before = authcloud_sim.stats()["requests"]

    def work(index):
        for call in range(200):
            if call % 2:
                assert client.get_status(enrolment.status_token).succeeded
            else:
                assert client.find_user("tess").user_id == enrolment.user_id
        return index

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sorted(pool.map(work, range(16))) == list(range(16))
    elapsed = time.monotonic() - started
    assert authcloud_sim.stats()["requests"] - before == 16 * 200
    assert elapsed < 60


def _in_child(action, timeout=20.0):
    """Runs `action` in a forked child and returns its exit code (or fails on a hang)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            code = 0 if action() else 3
        except BaseException:  # noqa: BLE001
            import traceback

            traceback.print_exc()
            code = 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads (3.12+)
def test_a_forked_child_can_create_and_use_a_client(authcloud_sim):
    parent = authcloud_sim.client()
    parent.ping()  # the runtime and a pooled connection exist before the fork

    def child():
        with authcloud_sim.client() as fresh:
            fresh.ping()
            return fresh.find_user is not None

    assert _in_child(child) == 0
    parent.ping()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_can_use_the_parents_client(authcloud_sim):
    shared = authcloud_sim.client()
    enrolment = shared.enroll(username="fiona", channel="push")

    def child():
        return shared.get_status(enrolment.status_token).pending

    assert _in_child(child) == 0
    assert _in_child(child) == 0
    # The parent's pooled connections were not disturbed by the children.
    assert shared.get_status(enrolment.status_token).pending


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_forked_child_can_use_the_async_client(authcloud_sim):
    import asyncio

    shared = authcloud_sim.async_client()
    asyncio.run(shared.ping())

    def child():
        asyncio.run(shared.ping())
        return True

    assert _in_child(child) == 0
    asyncio.run(shared.ping())


def test_blocking_call_from_inside_a_loop_thread_is_fine(authcloud_sim):
    """The blocking client may be called from a thread that runs an asyncio loop (it is not tokio)."""
    import asyncio

    client = Client(**authcloud_sim.client_options())

    async def main():
        client.ping()

    asyncio.run(main())
