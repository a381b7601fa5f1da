"""Soak driver for the Python binding: half its workers use the blocking ``Client`` (one thread
each), half the ``AsyncClient`` (tasks on one event loop), all against the one simulator
`make soak` starts.

Each worker loops over the weighted scenario mix of ``tests/soak/mix.json`` (the same table the
Node and C drivers read) until the time is up, and this process reports what it observed as JSON:
calls and latency per SDK method, typed errors per kind (deliberate ones apart from incidental
ones caused by other drivers' shared faults), untyped errors, contradictions between the SDK's
answers and the simulator's state, calls that outlived their bound, and how many operations it
may have created (for the orchestrator's "never a second push" check). The orchestrator
(``tests/soak/orchestrate.py``) samples this process's memory and judges the invariants.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import os
import sys
import threading
import time
import traceback
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, Union

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from soak_support import (
    ANY,
    Abort,
    ControlError,
    ControlPlane,
    Expected,
    Phone,
    Stats,
    Watchdog,
    WorkerRandom,
)

from nevis_authcloud import AsyncClient, Client, NevisError, _native

LANGUAGE = "python"
PHONE_DIGIT = "1"  # the language's digit in generated phone numbers (+4179<digit><worker><counter>)

# The core's error kinds except a caught bug (internal): anything else is untyped.
KNOWN_KINDS = frozenset(_native.error_kinds()) - {"internal"}


def client_options(settings: Dict[str, Any], base_url: str, access_key: str) -> Dict[str, Any]:
    initial, longest = settings["retryBackoffMs"]
    return {
        "base_url": base_url,
        "access_key": access_key,
        "timeout": settings["requestTimeoutMs"] / 1000,
        "connect_timeout": settings["connectTimeoutMs"] / 1000,
        "deadline": settings["deadlineMs"] / 1000,
        "max_retries": settings["maxRetries"],
        "retry_backoff": (initial / 1000, longest / 1000),
        "app_info": "soak-python/1.0",
    }


class PoolUser:
    """A user this worker enrolled and alone uses. ``burned``: a scoped fault may be left on its
    GET path, so it is never read again."""

    __slots__ = ("username", "user_id", "channel", "burned")

    def __init__(self, username: str, user_id: str, channel: str) -> None:
        self.username = username
        self.user_id = user_id
        self.channel = channel
        self.burned = False


class Worker:
    """One worker: a blocking one (``mode == "sync"``, run in its own thread on a private event
    loop whose only task it is, so blocking calls are fine) or an asyncio one (a task on the shared
    loop). The scenarios are written once; ``call`` awaits only what is awaitable."""

    def __init__(self, driver: Driver, index: int, mode: str) -> None:
        self.d = driver
        self.index = index
        self.mode = mode
        self.name = f"{mode}{index}"
        self.rng = WorkerRandom(driver.seed * 100 + index)
        self.stats = Stats()
        self.pool: List[PoolUser] = []
        self.counter = 0
        clients = driver.clients[mode]
        self.client = clients["normal"]
        self.short = clients["short"]
        self.wrong_key = clients["wrong_key"]

    # -- plumbing -------------------------------------------------------------------------------

    def next_name(self, what: str) -> str:
        self.counter += 1
        return f"soak-{LANGUAGE}-{self.name}-{what}-{self.counter}"

    async def control(self, method: str, path: str, body: Optional[Any] = None) -> Tuple[int, Any]:
        if self.mode == "async":
            return await asyncio.to_thread(self.d.control.request, method, path, body)
        return self.d.control.request(method, path, body)

    async def call(
        self,
        op: str,
        fn: Callable[[], Union[Any, Awaitable[Any]]],
        *,
        expect: Any = (),
        effects: Tuple[str, ...] = (),
        wait: bool = False,
    ) -> Any:
        """Runs one SDK call under the watchdog and books it. Returns the result, or an
        ``Expected`` for a typed error listed in ``expect`` (``ANY``: every typed error). Any other
        failure ends the scenario (``Abort``): typed ones count as incidental, others as untyped."""
        bound = self.d.wait_bound_s if wait else self.d.call_bound_s
        ticket = self.d.watchdog.enter(self.name, op, bound)
        started = time.perf_counter()
        outcome: Any
        try:
            result = fn()
            if inspect.isawaitable(result):
                result = await result
            outcome = result
        except NevisError as err:
            outcome = err
        except Exception as err:  # noqa: BLE001 - anything that is not the SDK's own error class
            outcome = err
        finally:
            self.d.watchdog.leave(ticket)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stats.book_call(op, self.mode, elapsed_ms, ok=not isinstance(outcome, BaseException))
        if not isinstance(outcome, BaseException):
            for effect in effects:
                self.stats.effect(effect, "ok")
            return outcome
        kind = getattr(outcome, "kind", None) if isinstance(outcome, NevisError) else None
        if kind not in KNOWN_KINDS:
            for effect in effects:
                self.stats.effect(effect, "maybe")
            self.stats.untyped_error(op, f"{type(outcome).__name__}: {outcome}"[:300])
            raise Abort()
        applied = getattr(outcome, "may_have_been_applied", "unknown")
        if applied != "no":
            for effect in effects:
                self.stats.effect(effect, "maybe")
        if expect is ANY or kind in expect:
            self.stats.typed_error(kind, expected=True)
            return Expected(kind, applied, outcome)
        self.stats.typed_error(kind, expected=False)
        raise Abort()

    def violation(self, scenario: str, what: str) -> None:
        self.stats.violation(f"{self.name} {scenario}: {what}")

    def add_user(self, user: PoolUser) -> None:
        self.pool.append(user)

    async def make_room(self) -> None:
        """Keeps the pool bounded (so the simulator's user table is too): deletes the oldest."""
        while len(self.pool) >= self.d.mix["poolSize"]:
            user = self.pool.pop(0)
            await self.call("delete_user", functools.partial(self.client.delete_user, user.user_id))

    def pick_user(self, channel: Optional[str] = None, readable: bool = False) -> Optional[PoolUser]:
        candidates = [u for u in self.pool if (channel is None or u.channel == channel) and not (readable and u.burned)]
        return self.rng.choice(candidates) if candidates else None

    def phone_delay(self) -> float:
        low, high = self.d.mix["phoneDelayMs"]
        return self.rng.uniform(low, high) / 1000

    async def wait_for(self, status_token: str) -> Any:
        wait = self.d.mix["wait"]
        return await self.call(
            "wait_for_status",
            lambda: self.client.wait_for_status(
                status_token,
                timeout=wait["timeoutMs"] / 1000,
                interval=wait["intervalMs"] / 1000,
                max_interval=wait["maxIntervalMs"] / 1000,
            ),
            wait=True,
        )

    async def poll(self, status_token: str) -> Any:
        """Polls by hand with get_status until the operation is decided or the wait time is up."""
        wait = self.d.mix["wait"]
        give_up = time.monotonic() + wait["timeoutMs"] / 1000
        while True:
            status = await self.call("get_status", lambda: self.client.get_status(status_token))
            if status.is_terminal or time.monotonic() >= give_up:
                return status
            await asyncio.sleep(wait["pollMs"] / 1000)

    # -- scenarios ------------------------------------------------------------------------------

    async def enroll_push(self) -> None:
        await self.make_room()
        username = self.next_name("push")
        enrolled = await self.call(
            "enroll", lambda: self.client.enroll(username=username, channel="push"), effects=("enroll",)
        )
        self.d.phone.schedule(enrolled.transaction_id, "accept", self.phone_delay())
        status = await self.wait_for(enrolled.status_token)
        if status.status != "succeeded":
            self.violation("enroll_push", f"accepted enrolment ended {status.status!r}")
            return
        self.add_user(PoolUser(username, enrolled.user_id, "push"))

    async def enroll_sms(self) -> None:
        await self.make_room()
        username = self.next_name("sms")
        phone = f"+4179{PHONE_DIGIT}{self.index}{self.counter % 100000:05d}"
        enrolled = await self.call(
            "enroll",
            lambda: self.client.enroll(username=username, channel="sms", phone=phone),
            effects=("enroll", "sms"),
        )
        status_code, sms = await self.control("GET", "/phones/" + phone.replace("+", "%2B") + "/last-sms")
        if status_code != 200:
            raise ControlError(f"last-sms answered {status_code}")
        if sms.get("transactionId") != enrolled.transaction_id:
            self.violation("enroll_sms", "the last SMS belongs to another operation")
            return
        user = PoolUser(username, enrolled.user_id, "sms")
        if self.rng.random() < self.d.mix["verifyDelayFraction"]:
            # The verification is processed, but its answer comes too late for the short client: a
            # typed timeout saying the code may have been used, which the status then confirms.
            fault = dict(
                self.d.mix["verifyDelayFault"], method="POST", path=f"/api/v1/users/{enrolled.user_id}/verification"
            )
            await self.add_fault(fault)
            outcome = await self.call(
                "verify",
                lambda: self.short.verify(
                    user_id=enrolled.user_id, code=sms["code"], status_token=enrolled.status_token
                ),
                expect=ANY,
            )
            if not isinstance(outcome, Expected) or outcome.kind != "timeout":
                self.violation("enroll_sms", f"a verification answered after the timeout gave {outcome!r}")
                return
            if outcome.applied != "unknown":
                self.violation("enroll_sms", f"timed-out verification says may_have_been_applied={outcome.applied}")
        else:
            await self.call(
                "verify",
                lambda: self.client.verify(
                    user_id=enrolled.user_id, code=sms["code"], status_token=enrolled.status_token
                ),
            )
        status = await self.call("get_status", lambda: self.client.get_status(enrolled.status_token))
        if status.status != "succeeded":
            self.violation("enroll_sms", f"verified SMS enrolment is {status.status!r}")
            return
        self.add_user(user)

    async def approve(self) -> None:
        user = self.pick_user("push")
        if user is None:
            return await self.enroll_push()
        accept = self.rng.random() < 0.6
        approval = await self.call(
            "approve",
            lambda: self.client.approve(channel="push", username=user.username, prompt=True, message="Soak login?"),
            effects=("approval",),
        )
        self.d.phone.schedule(approval.transaction_id, "accept" if accept else "decline", self.phone_delay())
        status = await (
            self.wait_for(approval.status_token) if self.rng.random() < 0.6 else self.poll(approval.status_token)
        )
        expected = "succeeded" if accept else "failed"
        if status.status != expected:
            self.violation("approve", f"{'accepted' if accept else 'declined'} approval ended {status.status!r}")
            return
        if accept and self.rng.random() < 0.5:
            token = status.token
            info = await self.call("introspect", lambda: self.client.introspect(token))
            if not info.active:
                self.violation("approve", "the transaction token of a succeeded approval is not active")

    async def lookup(self) -> None:
        user = self.pick_user()
        if user is None:
            missing = self.next_name("missing")
            outcome = await self.call("find_user", lambda: self.client.find_user(missing), expect=("not_found",))
            if not isinstance(outcome, Expected):
                self.violation("lookup", "an unknown username was found")
            return
        found = await self.call("find_user", lambda: self.client.find_user(user.username))
        if found.user_id != user.user_id:
            self.violation("lookup", "find_user returned another user")
        if user.burned:
            return
        got = await self.call("get_user", lambda: self.client.get_user(user.user_id))
        if got.username != user.username:
            self.violation("lookup", "get_user returned another user")
        elif user.channel == "push" and got.status != "active":
            self.violation("lookup", f"a user with a confirmed push authenticator is {got.status!r}")

    async def delete(self) -> None:
        if not self.pool:
            return await self.enroll_push()
        user = self.pool.pop(self.rng.randrange(len(self.pool)))
        await self.call("delete_user", lambda: self.client.delete_user(user.user_id))
        if user.burned:
            return
        outcome = await self.call("get_user", lambda: self.client.get_user(user.user_id), expect=("not_found",))
        if not isinstance(outcome, Expected):
            self.violation("delete", "a deleted user can still be read")

    async def intent(self) -> None:
        user = self.pick_user("push")
        if user is None:
            return await self.enroll_push()
        intent = await self.call(
            "create_intent",
            lambda: self.client.create_intent(operation="approve", username=user.username, channels=["push"]),
            effects=("intent",),
        )
        token = intent.token
        approval = await self.call(
            "approve",
            lambda: self.client.approve(channel="push", username=user.username, intent_token=token),
            effects=("approval",),
        )
        self.d.phone.schedule(approval.transaction_id, "decline", 0)
        again = await self.call(
            "approve",
            lambda: self.client.approve(channel="push", username=user.username, intent_token=token),
            expect=("forbidden",),
            effects=("approval",),
        )
        if not isinstance(again, Expected):
            self.violation("intent", "a used intent token was accepted again")
            self.d.phone.schedule(again.transaction_id, "decline", 0)

    async def api_error(self) -> None:
        variant = self.rng.choice(
            [
                "get_user_unknown",
                "find_user_unknown",
                "bad_phone",
                "bad_user_id",
                "wrong_key",
                "push_without_app",
                "unknown_token",
            ]
        )
        if variant == "get_user_unknown":
            user_id = str(uuid.uuid4())
            await self.expect_error(variant, "get_user", lambda: self.client.get_user(user_id), "not_found")
        elif variant == "find_user_unknown":
            missing = self.next_name("missing")
            await self.expect_error(variant, "find_user", lambda: self.client.find_user(missing), "not_found")
        elif variant == "bad_phone":
            username = self.next_name("badphone")
            await self.expect_error(
                variant,
                "enroll",
                lambda: self.client.enroll(username=username, channel="sms", phone="0791234567"),
                "invalid_request",
                effects=("enroll", "sms"),
            )
        elif variant == "bad_user_id":
            await self.expect_error(variant, "get_user", lambda: self.client.get_user("not-a-uuid"), "invalid_request")
        elif variant == "wrong_key":
            username = self.pool[0].username if self.pool else "soak-nobody"
            await self.expect_error(variant, "find_user", lambda: self.wrong_key.find_user(username), "forbidden")
        elif variant == "push_without_app":
            user = self.pick_user("sms")
            if user is None:
                return
            await self.expect_error(
                variant,
                "approve",
                lambda: self.client.approve(channel="push", username=user.username),
                "bad_request",
                effects=("approval",),
            )
        else:
            token = f"soak-unknown-token-{self.counter}"
            status = await self.call("get_status", lambda: self.client.get_status(token))
            if status.status != "unknown":
                self.violation(variant, f"a made-up status token is {status.status!r}")

    async def expect_error(
        self, variant: str, op: str, fn: Callable[[], Any], kind: str, effects: Tuple[str, ...] = ()
    ) -> None:
        outcome = await self.call(op, fn, expect=(kind,), effects=effects)
        if not isinstance(outcome, Expected):
            self.violation("api_error", f"{variant} succeeded")

    async def add_fault(self, fault: Dict[str, Any]) -> None:
        status_code, _ = await self.control("POST", "/faults", fault)
        if status_code != 201:
            raise ControlError(f"adding a fault answered {status_code}")

    async def fault_scoped(self) -> None:
        user = self.pick_user(readable=True)
        if user is None:
            return await self.enroll_push()
        entry = self.rng.weighted(self.d.mix["scopedFaults"])
        path = f"/api/v1/users/{user.user_id}"
        await self.add_fault(dict(entry["fault"], method="GET", path=path))
        client = self.short if entry["client"] == "short" else self.client
        outcome = await self.call("get_user", lambda: client.get_user(user.user_id), expect=ANY)
        want = entry["expect"]
        if want["outcome"] == "ok":
            if isinstance(outcome, Expected):
                self.violation("fault_scoped", f"{entry['name']}: failed with {outcome.kind}")
            elif outcome.user_id != user.user_id:
                self.violation("fault_scoped", f"{entry['name']}: returned another user")
        elif not isinstance(outcome, Expected):
            self.violation("fault_scoped", f"{entry['name']}: succeeded")
        elif outcome.kind != want["kind"] or outcome.applied != "no":
            self.violation(
                "fault_scoped", f"{entry['name']}: {outcome.kind} (applied {outcome.applied}), expected {want['kind']}"
            )
        # A fault the call did not use up (it gave up early) would hit this user's next read.
        status_code, left = await self.control("GET", "/faults")
        if status_code != 200:
            raise ControlError(f"listing faults answered {status_code}")
        if any(f.get("path") == path and f.get("remaining", 0) > 0 for f in left):
            user.burned = True

    async def fault_shared(self) -> None:
        entry = self.rng.weighted(self.d.mix["sharedFaults"])
        await self.add_fault(dict(entry["fault"], method=entry["method"], path=entry["path"]))
        then = entry["then"]
        if then == "get_status":
            token = f"soak-unknown-token-{self.counter}"
            await self.call("get_status", lambda: self.client.get_status(token), expect=ANY)
        elif then == "ping":
            await self.call("ping", lambda: self.client.ping(), expect=ANY)
        elif then == "find_user":
            user = self.pick_user()
            username = user.username if user else "soak-nobody"
            await self.call("find_user", lambda: self.client.find_user(username), expect=ANY)
        elif then == "approve":
            user = self.pick_user("push")
            if user is None:
                return
            outcome = await self.call(
                "approve",
                lambda: self.client.approve(channel="push", username=user.username),
                expect=ANY,
                effects=("approval",),
            )
            if not isinstance(outcome, Expected):
                self.d.phone.schedule(outcome.transaction_id, "decline", 0)

    async def ping(self) -> None:
        await self.call("ping", lambda: self.client.ping())

    # -- the loop -------------------------------------------------------------------------------

    async def run(self) -> None:
        scenarios = {name: getattr(self, name) for name in self.d.mix["weights"]}
        weighted = [{"name": name, "weight": weight} for name, weight in self.d.mix["weights"].items()]
        low, high = self.d.mix["thinkMs"]
        while time.monotonic() < self.d.end_at:
            name = self.rng.weighted(weighted)["name"]
            self.stats.scenario(name)
            try:
                await scenarios[name]()
            except Abort:
                self.stats.aborted(name)
            except ControlError as err:
                self.stats.control_error(str(err))
            except Exception:  # noqa: BLE001 - a bug in this driver, not the SDK: report it loudly
                self.stats.driver_error(traceback.format_exc(limit=3))
            await asyncio.sleep(self.rng.uniform(low, high) / 1000)


class Driver:
    def __init__(self, mix: Dict[str, Any], seconds: float, seed: int) -> None:
        self.mix = mix
        self.seed = seed
        base_url = os.environ["NEVIS_AUTHCLOUD_BASE_URL"]
        access_key = os.environ["NEVIS_AUTHCLOUD_ACCESS_KEY"]
        self.control = ControlPlane(base_url)
        self.phone = Phone(self.control)
        margin = mix["watchdogMarginMs"] / 1000
        self.call_bound_s = mix["client"]["deadlineMs"] / 1000 + margin
        self.wait_bound_s = mix["wait"]["timeoutMs"] / 1000 + mix["client"]["deadlineMs"] / 1000 + margin
        self.watchdog = Watchdog()
        self.started = time.monotonic()
        self.end_at = self.started + seconds
        self.clients: Dict[str, Dict[str, Any]] = {}
        for mode, factory in (("sync", Client), ("async", AsyncClient)):
            self.clients[mode] = {
                "normal": factory(**client_options(mix["client"], base_url, access_key)),
                "short": factory(**client_options(mix["shortClient"], base_url, access_key)),
                "wrong_key": factory(**client_options(mix["client"], base_url, "soak-wrong-key")),
            }
        total = mix["workersPerLanguage"]
        n_sync = total - total // 2
        # Indexes are unique across both kinds: they make usernames and phone numbers unique.
        self.sync_workers = [Worker(self, i, "sync") for i in range(n_sync)]
        self.async_workers = [Worker(self, n_sync + i, "async") for i in range(total // 2)]

    def run(self) -> bool:
        """Runs every worker; True when all of them came back."""
        self.phone.start()
        self.watchdog.start()
        threads = [
            threading.Thread(target=asyncio.run, args=(w.run(),), name=w.name, daemon=True) for w in self.sync_workers
        ]

        async def async_main() -> None:
            await asyncio.gather(*(w.run() for w in self.async_workers))
            for client in self.clients["async"].values():
                await client.close()

        threads.append(threading.Thread(target=asyncio.run, args=(async_main(),), name="async", daemon=True))
        for thread in threads:
            thread.start()
        grace = self.wait_bound_s * 3
        for thread in threads:
            thread.join(max(0.0, self.end_at + grace - time.monotonic()))
        finished = not any(thread.is_alive() for thread in threads)
        if finished:
            for client in self.clients["sync"].values():
                client.close()
        self.phone.stop()
        self.watchdog.stop()
        return finished

    def summary(self, finished: bool) -> Dict[str, Any]:
        total = Stats()
        for worker in self.sync_workers + self.async_workers:
            total.merge(worker.stats)
        report = total.report()
        report.update(
            language=LANGUAGE,
            seed=self.seed,
            durationS=round(time.monotonic() - self.started, 1),
            workers={"sync": len(self.sync_workers), "async": len(self.async_workers)},
            hangs=self.watchdog.hangs,
            hangSamples=self.watchdog.samples,
            unfinishedWorkers=0 if finished else 1,
            phone={"actions": self.phone.actions, "errors": self.phone.errors},
        )
        return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    args = parser.parse_args()
    with open(args.mix, encoding="utf-8") as handle:
        mix = json.load(handle)
    driver = Driver(mix, args.seconds, args.seed)
    finished = driver.run()
    report = driver.summary(finished)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    print(
        f"python driver: {report['totalCalls']} calls, {report['untyped']} untyped, {report['hangs']} hangs",
        file=sys.stderr,
    )
    sys.stderr.flush()
    if not finished:
        # A worker is stuck in a call (already counted as a hang); it cannot be joined.
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
