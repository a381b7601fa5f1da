"""What the Python soak driver needs besides the scenarios: bookkeeping with constant memory
(log-bucket latency histograms, so a long run's own data never looks like a leak), the simulator's
control plane, the simulated phone that accepts or declines operations after a delay, and the
watchdog that notices calls outliving their bound.

The histogram buckets (5 % wide from 0.05 ms) are the same in the Node and C drivers, so their
percentiles compare directly.
"""

from __future__ import annotations

import heapq
import json
import math
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

MIN_MS = 0.05
RATIO = 1.05
MAX_SAMPLES = 10


class Abort(Exception):
    """Ends a scenario after a failure that was already booked."""


class ControlError(Exception):
    """The simulator's control plane failed (not the SDK under test)."""


class _Any:
    def __repr__(self) -> str:
        return "ANY"


#: ``Worker.call(expect=ANY)``: every typed error is an acceptable outcome.
ANY = _Any()


class Expected:
    """A typed error the scenario asked for."""

    __slots__ = ("kind", "applied", "error")

    def __init__(self, kind: str, applied: str, error: BaseException) -> None:
        self.kind = kind
        self.applied = applied
        self.error = error

    def __repr__(self) -> str:
        return f"Expected({self.kind}, applied={self.applied})"


class WorkerRandom(random.Random):
    def weighted(self, entries: List[Dict[str, Any]]) -> Dict[str, Any]:
        """One entry, chosen with probability proportional to its ``weight``."""
        return self.choices(entries, weights=[entry["weight"] for entry in entries])[0]


class Histogram:
    def __init__(self) -> None:
        self.buckets: Dict[int, int] = {}
        self.count = 0
        self.max_ms = 0.0

    def add(self, ms: float) -> None:
        index = 0 if ms <= MIN_MS else int(math.log(ms / MIN_MS) / math.log(RATIO)) + 1
        self.buckets[index] = self.buckets.get(index, 0) + 1
        self.count += 1
        self.max_ms = max(self.max_ms, ms)

    def merge(self, other: Histogram) -> None:
        for index, n in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n
        self.count += other.count
        self.max_ms = max(self.max_ms, other.max_ms)

    def quantile(self, q: float) -> float:
        """The upper edge of the bucket holding the q-quantile (at most 5 % above the truth)."""
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(MIN_MS * RATIO**index, self.max_ms)
        return self.max_ms


def _bump(table: Dict[str, int], key: str, n: int = 1) -> None:
    table[key] = table.get(key, 0) + n


class Stats:
    """What one worker observed; workers' stats are merged at the end."""

    def __init__(self) -> None:
        self.calls: Dict[str, Dict[str, Any]] = {}
        self.by_client: Dict[str, int] = {}
        self.scenarios: Dict[str, int] = {}
        self.aborts: Dict[str, int] = {}
        self.expected: Dict[str, int] = {}
        self.incidental: Dict[str, int] = {}
        self.untyped = 0
        self.untyped_samples: List[str] = []
        self.violations = 0
        self.violation_samples: List[str] = []
        self.control_errors = 0
        self.control_samples: List[str] = []
        self.driver_errors = 0
        self.driver_samples: List[str] = []
        self.effects: Dict[str, Dict[str, int]] = {
            kind: {"ok": 0, "maybe": 0} for kind in ("enroll", "approval", "sms", "intent")
        }

    def book_call(self, op: str, client: str, ms: float, ok: bool) -> None:
        entry = self.calls.setdefault(op, {"ok": 0, "error": 0, "hist": Histogram()})
        entry["ok" if ok else "error"] += 1
        entry["hist"].add(ms)
        _bump(self.by_client, client)

    def scenario(self, name: str) -> None:
        _bump(self.scenarios, name)

    def aborted(self, name: str) -> None:
        _bump(self.aborts, name)

    def typed_error(self, kind: str, expected: bool) -> None:
        _bump(self.expected if expected else self.incidental, kind)

    def effect(self, kind: str, how: str) -> None:
        self.effects[kind][how] += 1

    def untyped_error(self, op: str, text: str) -> None:
        self.untyped += 1
        if len(self.untyped_samples) < MAX_SAMPLES:
            self.untyped_samples.append(f"{op}: {text}")

    def violation(self, text: str) -> None:
        self.violations += 1
        if len(self.violation_samples) < MAX_SAMPLES:
            self.violation_samples.append(text)

    def control_error(self, text: str) -> None:
        self.control_errors += 1
        if len(self.control_samples) < MAX_SAMPLES:
            self.control_samples.append(text)

    def driver_error(self, text: str) -> None:
        self.driver_errors += 1
        if len(self.driver_samples) < MAX_SAMPLES:
            self.driver_samples.append(text)

    def merge(self, other: Stats) -> None:
        for op, entry in other.calls.items():
            mine = self.calls.setdefault(op, {"ok": 0, "error": 0, "hist": Histogram()})
            mine["ok"] += entry["ok"]
            mine["error"] += entry["error"]
            mine["hist"].merge(entry["hist"])
        for name in ("by_client", "scenarios", "aborts", "expected", "incidental"):
            for key, n in getattr(other, name).items():
                _bump(getattr(self, name), key, n)
        for name in ("untyped", "violations", "control_errors", "driver_errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("untyped_samples", "violation_samples", "control_samples", "driver_samples"):
            getattr(self, name).extend(getattr(other, name)[: MAX_SAMPLES - len(getattr(self, name))])
        for kind, counts in other.effects.items():
            for how, n in counts.items():
                self.effects[kind][how] += n

    def report(self) -> Dict[str, Any]:
        calls = {
            op: {
                "ok": entry["ok"],
                "error": entry["error"],
                "p50Ms": round(entry["hist"].quantile(0.5), 2),
                "p99Ms": round(entry["hist"].quantile(0.99), 2),
                "maxMs": round(entry["hist"].max_ms, 2),
            }
            for op, entry in sorted(self.calls.items())
        }
        return {
            "calls": calls,
            "totalCalls": sum(entry["ok"] + entry["error"] for entry in self.calls.values()),
            "callsByClient": self.by_client,
            "scenarios": dict(sorted(self.scenarios.items())),
            "scenariosAborted": dict(sorted(self.aborts.items())),
            "errors": {
                "expected": dict(sorted(self.expected.items())),
                "incidental": dict(sorted(self.incidental.items())),
            },
            "untyped": self.untyped,
            "untypedSamples": self.untyped_samples,
            "violations": self.violations,
            "violationSamples": self.violation_samples,
            "controlErrors": self.control_errors,
            "controlSamples": self.control_samples,
            "driverErrors": self.driver_errors,
            "driverSamples": self.driver_samples,
            "sideEffects": self.effects,
        }


class ControlPlane:
    """The simulator's ``/_sim`` API (plain HTTP, no credential)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def request(self, method: str, path: str, body: Optional[Any] = None) -> Tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + "/_sim" + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read()
        except (OSError, ValueError) as err:
            raise ControlError(f"{method} /_sim{path}: {err}") from None
        try:
            return status, (json.loads(text) if text else None)
        except ValueError:
            raise ControlError(f"{method} /_sim{path}: answer is not JSON") from None


class Phone:
    """Plays the users' phones: accepts or declines an operation after a delay, from one thread,
    so that waits really poll a pending operation for a while."""

    def __init__(self, control: ControlPlane) -> None:
        self.control = control
        self.queue: List[Tuple[float, int, str, str]] = []
        self.cond = threading.Condition()
        self.seq = 0
        self.stopping = False
        self.actions = 0
        self.errors = 0
        self.thread = threading.Thread(target=self._run, name="phone", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def schedule(self, transaction_id: str, action: str, delay_s: float) -> None:
        with self.cond:
            self.seq += 1
            heapq.heappush(self.queue, (time.monotonic() + delay_s, self.seq, transaction_id, action))
            self.cond.notify()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify()
        self.thread.join(15)

    def _run(self) -> None:
        while True:
            with self.cond:
                while True:
                    if self.queue and self.queue[0][0] <= time.monotonic():
                        _, _, transaction_id, action = heapq.heappop(self.queue)
                        break
                    if self.stopping:
                        return
                    timeout = self.queue[0][0] - time.monotonic() if self.queue else None
                    self.cond.wait(timeout)
            try:
                status, _ = self.control.request("POST", f"/operations/{transaction_id}/{action}", {})
                ok = status == 200
            except ControlError:
                ok = False
            with self.cond:
                self.actions += 1
                self.errors += 0 if ok else 1


class Watchdog:
    """Notes every call in flight with its bound; a call still running past it is a hang (counted
    once, with the operation's name). Calls are not interrupted: the report says what hung."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inflight: Dict[int, Tuple[str, str, float, float]] = {}
        self.flagged: set = set()
        self.ticket = 0
        self.hangs = 0
        self.samples: List[str] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="watchdog", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self._scan()

    def enter(self, worker: str, op: str, bound_s: float) -> int:
        with self.lock:
            self.ticket += 1
            self.inflight[self.ticket] = (worker, op, time.monotonic(), bound_s)
            return self.ticket

    def leave(self, ticket: int) -> None:
        with self.lock:
            self.inflight.pop(ticket, None)
            self.flagged.discard(ticket)

    def _scan(self) -> None:
        now = time.monotonic()
        with self.lock:
            for ticket, (worker, op, started, bound) in self.inflight.items():
                if now - started > bound and ticket not in self.flagged:
                    self.flagged.add(ticket)
                    self.hangs += 1
                    if len(self.samples) < MAX_SAMPLES:
                        self.samples.append(f"{worker} {op}: still running after {bound:.1f} s")

    def _run(self) -> None:
        while not self.stopping.wait(0.5):
            self._scan()
