"""``max_connections=``: the cap on requests in flight per client reaches the core (it shows in the
configuration and changes what a second concurrent call does), and a value that cannot be a cap is
a configuration error naming the setting."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, List

import pytest

from nevis_authcloud import AsyncClient, Client
from nevis_authcloud.errors import ConfigurationError
from nevis_authcloud.testing import Simulator

DELAY_MS = 300


@pytest.mark.parametrize("cls", [Client, AsyncClient])
def test_the_cap_shows_in_config_and_repr(cls):
    default = cls(base_url="http://127.0.0.1:1", access_key="k")
    capped = cls(base_url="http://127.0.0.1:1", access_key="k", max_connections=7)
    assert default.config.max_connections == 100
    assert capped.config.max_connections == 7
    assert "max_connections=7" in repr(capped) and "max_connections=7" in repr(capped.config)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("bad", [0, -1, 1.5, "4", True, 2**64])
def test_a_value_that_is_no_cap_names_the_setting(cls, bad):
    with pytest.raises(ConfigurationError) as caught:
        cls(base_url="http://127.0.0.1:1", access_key="k", max_connections=bad)
    assert caught.value.field == "max_connections" and caught.value.kind == "config"
    assert "max_connections" in str(caught.value)


async def _finish_order(
    sim: Simulator, first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]], *, capped: bool
) -> List[str]:
    """Starts ``first`` (its answer delayed by the simulator), and ``second`` once ``first`` has
    reached the server; returns the names in the order the calls finished."""
    sim.add_fault(method="GET", path="/ping", count=1, fault="delay", ms=DELAY_MS)
    before = sim.stats()["requests"]
    finished: List[str] = []

    async def track(name: str, call: Callable[[], Awaitable[Any]]) -> None:
        await call()
        finished.append(name)

    slow = asyncio.ensure_future(track("first", first))
    give_up = time.monotonic() + 5
    while sim.stats()["requests"] == before:
        assert time.monotonic() < give_up, "the first call never reached the simulator"
        await asyncio.sleep(0.005)
    quick = asyncio.ensure_future(track("second", second))
    if capped:
        # While the first call holds the only slot, the second one is not even sent.
        await asyncio.sleep(0.1)
        assert not slow.done(), "the delay fault did not hold the first call"
        assert sim.stats()["requests"] == before + 1
    await asyncio.wait_for(asyncio.gather(slow, quick), 10)
    return finished


@pytest.mark.parametrize(("max_connections", "expected"), [(1, ["first", "second"]), (None, ["second", "first"])])
def test_with_one_connection_a_second_async_call_waits_for_the_first(authcloud_sim, max_connections, expected):
    async def main() -> List[str]:
        async with authcloud_sim.async_client(max_connections=max_connections) as client:
            return await _finish_order(authcloud_sim, client.ping, client.ping, capped=max_connections == 1)

    assert asyncio.run(main()) == expected


def test_with_one_connection_a_second_blocking_call_waits_for_the_first(authcloud_sim):
    second_took: List[float] = []

    def timed_ping(client: Client) -> None:
        started = time.monotonic()
        client.ping()
        second_took.append(time.monotonic() - started)

    with authcloud_sim.client(max_connections=1) as client:

        async def main() -> List[str]:
            return await _finish_order(
                authcloud_sim,
                lambda: asyncio.to_thread(client.ping),
                lambda: asyncio.to_thread(timed_ping, client),
                capped=True,
            )

        asyncio.run(main())
    # The second call could only be sent once the first one's delayed answer freed the connection,
    # so it took most of that delay. (Which thread's return Python runs first is up to the
    # scheduler, so the order in which the two calls hand back their answers proves nothing.)
    assert second_took and second_took[0] >= DELAY_MS / 2 / 1000, second_took
