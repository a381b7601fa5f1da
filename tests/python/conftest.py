"""Fixtures of the Python suite.

The simulator fixtures themselves (`authcloud_sim`, `authcloud_sim_tls`) come from the package's
own pytest plugin, `nevis_authcloud.testing`, so this suite also proves that plugin works. Here we
add the client fixtures and a way to run one scenario against both clients: `api` wraps either
client so that `await api.enroll(...)` works for both, which keeps the sync and async coverage
identical without writing each scenario twice.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Awaitable, Callable, Iterator

import pytest

from nevis_authcloud.testing import Simulator

# Quick retries: the defaults (0.5 s .. 8 s) are right for production and slow for a test suite.
FAST = {"retry_backoff": (0.005, 0.02), "timeout": 5}


@pytest.fixture(params=["http", "https"])
def sim(request: pytest.FixtureRequest) -> Simulator:
    """The simulator over plain HTTP and over HTTPS with its own CA."""
    name = "authcloud_sim" if request.param == "http" else "authcloud_sim_tls"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


class Api:
    """Either client, called the same way: every method returns an awaitable."""

    def __init__(self, client: Any, mode: str) -> None:
        self.client = client
        self.mode = mode

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if inspect.isawaitable(result):
                return await result
            return result

        return call


@pytest.fixture(params=["sync", "async"])
def api_factory(request: pytest.FixtureRequest, sim: Simulator) -> Iterator[Callable[..., Api]]:
    """Builds `Api` objects over the blocking or the asyncio client."""
    made: list[Any] = []

    def make(**overrides: Any) -> Api:
        options = dict(FAST)
        options.update(overrides)
        client = sim.client(**options) if request.param == "sync" else sim.async_client(**options)
        made.append(client)
        return Api(client, request.param)

    yield make
    for client in made:
        result = client.close()
        if inspect.isawaitable(result):
            asyncio.run(result)


def run(coroutine: Awaitable[Any]) -> Any:
    """Runs one scenario on a fresh event loop (both clients work from inside one)."""

    async def main() -> Any:
        return await coroutine

    return asyncio.run(main())
