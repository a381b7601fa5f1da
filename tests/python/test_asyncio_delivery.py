"""How asyncio answers get back to the loop: each loop has its own mailbox (woken through a socket
the loop watches), loops that cannot watch sockets fall back to call_soon_threadsafe, and the
logging threshold a call records at its start decides what reaches Python logging."""

from __future__ import annotations

import asyncio
import logging
import selectors
import threading

from conftest import FAST


def _pending_approvals(sim, count):
    """{status token: transaction id} of `count` pending push approvals."""
    client = sim.client(**FAST)
    enrolment = client.enroll(username="delivery", channel="push")
    sim.accept(enrolment.transaction_id)
    approvals = [client.approve(username="delivery", channel="push") for _ in range(count)]
    return {approval.status_token: approval.transaction_id for approval in approvals}


def test_each_loop_gets_exactly_its_own_answers(authcloud_sim):
    """Two threads, each with its own loop and many calls in flight on one shared client: every
    future resolves on its own loop with the answer to its own request."""
    transaction_of = _pending_approvals(authcloud_sim, 4)
    tokens = list(transaction_of)
    client = authcloud_sim.async_client(**FAST)
    mismatches: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        async def main() -> int:
            asked = [tokens[i % len(tokens)] for i in range(200)]
            results = await asyncio.gather(*(client.get_status(token) for token in asked))
            return sum(result.transaction_id != transaction_of[token] for token, result in zip(asked, results))

        try:
            mismatches[name] = asyncio.run(main())
        except BaseException as err:  # noqa: BLE001 - every failure is reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(f"loop-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert mismatches == {"loop-0": 0, "loop-1": 0}


class _NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors (like Windows' proactor loop)."""

    def add_reader(self, fd, callback, *args):  # type: ignore[no-untyped-def]
        raise NotImplementedError


def test_loops_without_add_reader_still_get_answers(authcloud_sim):
    client = authcloud_sim.async_client(**FAST)
    loop = _NoReaderLoop(selectors.DefaultSelector())

    async def main() -> None:
        await asyncio.gather(*(client.ping() for _ in range(50)))
        # A cancelled call on that path still cancels cleanly, and the next call works.
        task = asyncio.ensure_future(client.ping())
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.ping()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def test_many_loops_one_after_the_other(authcloud_sim):
    client = authcloud_sim.async_client(**FAST)
    for _ in range(20):
        asyncio.run(client.ping())


def test_debug_logging_enabled_on_an_ancestor_logger_is_honoured(authcloud_sim, caplog):
    """The threshold is the logger's effective level: a level set only on the root logger counts."""
    client = authcloud_sim.client(**FAST)
    ours = logging.getLogger("nevis_authcloud")
    assert ours.level == logging.NOTSET
    with caplog.at_level(logging.DEBUG):  # the root logger
        client.ping()
    assert any(r.name == "nevis_authcloud" and r.getMessage().startswith("request completed") for r in caplog.records)


def test_a_level_change_applies_from_the_next_call(authcloud_sim, caplog):
    client = authcloud_sim.client(**FAST)
    with caplog.at_level(logging.WARNING, logger="nevis_authcloud"):
        client.ping()
    assert not [r for r in caplog.records if r.name == "nevis_authcloud"]
    with caplog.at_level(logging.DEBUG, logger="nevis_authcloud"):
        client.ping()
    assert [r for r in caplog.records if r.name == "nevis_authcloud"]
