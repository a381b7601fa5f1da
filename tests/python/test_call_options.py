"""``with_options``: a view of a client's connection pool with other limits (no second pool), and
``close()``: calls in flight end with ``ClientClosedError`` in the blocking and the asyncio client,
as in every language. A cancelled asyncio task still cancels its call, on a view too."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import List

import pytest
from conftest import FAST

from nevis_authcloud import AsyncClient, Client
from nevis_authcloud.errors import (
    APITimeoutError,
    ClientClosedError,
    ConfigurationError,
    ConfigurationTypeError,
    NevisError,
)


def test_a_per_call_timeout_shorter_than_the_clients_fires(authcloud_sim):
    client = authcloud_sim.client(timeout=10)
    login = client.with_options(timeout=0.3, max_retries=0)
    assert isinstance(login, Client) and login.config.timeout == 0.3 and client.config.timeout == 10
    authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=3000)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        login.ping()
    assert time.monotonic() - started < 2.5
    client.ping()
    client.close()


def test_an_async_view_has_its_own_timeout(authcloud_sim):
    async def main() -> None:
        async with authcloud_sim.async_client(timeout=10) as client:
            login = client.with_options(timeout=0.3, max_retries=0)
            assert isinstance(login, AsyncClient)
            authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=3000)
            with pytest.raises(APITimeoutError):
                await login.ping()
            await client.ping()

    asyncio.run(main())


def test_a_view_queues_for_the_pools_only_connection(authcloud_sim):
    client = authcloud_sim.client(max_connections=1)
    view = client.with_options(max_retries=0)
    authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=800)
    started = time.monotonic()
    first = threading.Thread(target=client.ping)
    first.start()
    time.sleep(0.2)
    view.ping()
    # With a pool of its own the view's ping would not have waited for the delayed one.
    assert time.monotonic() - started >= 0.75
    first.join()
    client.close()


def test_close_ends_a_blocking_call_in_flight(authcloud_sim):
    client = authcloud_sim.client(max_retries=0)
    authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=5000)
    failures: List[BaseException] = []

    def ping() -> None:
        try:
            client.ping()
        except NevisError as err:
            failures.append(err)

    started = time.monotonic()
    caller = threading.Thread(target=ping)
    caller.start()
    time.sleep(0.3)
    client.close()
    caller.join(5)
    assert time.monotonic() - started < 3, "the call in flight went on after close()"
    assert len(failures) == 1 and isinstance(failures[0], ClientClosedError), failures
    assert failures[0].kind == "closed" and failures[0].may_have_been_applied == "no"


def test_closing_the_async_client_ends_its_wait_and_a_views_call(authcloud_sim):
    client = authcloud_sim.client(**FAST)
    enrolment = client.enroll(username="closing-wait", channel="push")
    authcloud_sim.accept(enrolment.transaction_id)
    approval = client.approve(username="closing-wait", channel="push")
    client.close()

    async def main() -> None:
        native = authcloud_sim.async_client()
        view = native.with_options(timeout=20)
        authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=5000)
        waiting = asyncio.ensure_future(native.wait_for_status(approval.status_token, timeout=20, interval=0.05))
        pinging = asyncio.ensure_future(view.ping())
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await native.close()
        for call in (waiting, pinging):
            with pytest.raises(ClientClosedError):
                await asyncio.wait_for(call, 3)
        assert time.monotonic() - started < 3
        assert view.closed

    asyncio.run(main())


def test_a_cancelled_task_on_a_view_leaves_the_pool_usable(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=5000)

    async def main() -> None:
        async with authcloud_sim.async_client() as client:
            task = asyncio.ensure_future(client.with_options(max_retries=0).ping())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await client.ping()

    asyncio.run(main())


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_bad_values_name_the_keyword(cls):
    client = cls(base_url="http://127.0.0.1:1", access_key="k")
    for keywords, field in [
        ({"timeout": 0}, "timeout"),
        ({"deadline": -1}, "deadline"),
        ({"max_retries": 11}, "max_retries"),
        ({"max_retry_after": float("nan")}, "max_retry_after"),
    ]:
        with pytest.raises(ConfigurationError) as caught:
            client.with_options(**keywords)
        assert caught.value.field == field and field in str(caught.value)
    with pytest.raises(ConfigurationTypeError) as wrong_type:
        client.with_options(retry_non_idempotent="yes")  # type: ignore[arg-type]
    assert wrong_type.value.field == "retry_non_idempotent"
    with pytest.raises(ConfigurationTypeError):
        client.with_options(max_retries=1.5)  # type: ignore[arg-type]
