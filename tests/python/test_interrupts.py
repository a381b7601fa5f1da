"""Ctrl-C during a blocking call.

A blocking call waits in Rust with the GIL released; Python runs signal handlers only when the main
thread asks for them. The blocking client asks every 50 ms, so a real SIGINT sent to a process
that is waiting for an approval, or whose request a slow server holds, raises ``KeyboardInterrupt``
promptly, cancels what the call was doing (the status polling stops) and leaves the client usable.

Each scenario runs in a child interpreter (a real process to send a real SIGINT to). The child
measures the delay itself: a thread wakes on ``signal.set_wakeup_fd`` the moment the signal is
delivered, and the delay runs from there to the ``except KeyboardInterrupt`` block.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any, Dict

import pytest

from nevis_authcloud.testing import Simulator

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to a child process")

# The bound the issue sets is 200 ms; CI machines are shared, so the assertion leaves room while
# still failing for the old behaviour (no reaction until the call ends, 20+ seconds later).
LIMIT_S = 1.0

CHILD = r"""
import json, os, signal, sys, threading, time, urllib.request
from nevis_authcloud import Client

scenario, base_url, access_key, token = sys.argv[1:5]
# A harness that starts the suite in the background (`make test &` in a script) hands every child
# an ignored SIGINT, and Python then installs no handler for it; give this child what an
# interactive program has.
signal.signal(signal.SIGINT, signal.default_int_handler)
client = Client(base_url=base_url, access_key=access_key, timeout=30, max_retries=0)

def stats():
    with urllib.request.urlopen(base_url + "/_sim/stats", timeout=10) as answer:
        return json.loads(answer.read())["requests"]

read_end, write_end = os.pipe()
os.set_blocking(write_end, False)
signal.set_wakeup_fd(write_end)
delivered = []
def watch():
    os.read(read_end, 1)
    delivered.append(time.monotonic())
threading.Thread(target=watch, daemon=True).start()

handled = []
if scenario == "handler-returns":
    signal.signal(signal.SIGINT, lambda signum, frame: handled.append(time.monotonic()))

result = {"scenario": scenario}
print("calling", flush=True)
try:
    if scenario == "wait":
        client.wait_for_status(token, timeout=60, interval=0.05)
    else:
        client.find_user("interrupt-user")
    result["outcome"] = "returned"
except KeyboardInterrupt:
    caught = time.monotonic()
    for _ in range(100):
        if delivered:
            break
        time.sleep(0.01)
    result["outcome"] = "KeyboardInterrupt"
    result["latency_ms"] = (caught - delivered[0]) * 1000 if delivered else None
except Exception as error:
    result["outcome"] = f"{type(error).__name__}: {error}"
if handled:
    result["handler_latency_ms"] = (handled[0] - delivered[0]) * 1000 if delivered else None
# Cancelled means cancelled: no status poll leaves after the interrupt.
before = stats()
time.sleep(0.4)
result["requests_after_interrupt"] = stats() - before
# The client still works.
result["next_call"] = client.get_status(token).status
client.close()
print(json.dumps(result), flush=True)
"""


def _run(sim: Simulator, scenario: str, token: str) -> Dict[str, Any]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, scenario, sim.base_url, sim.access_key, token],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "calling"
        # Long enough for the call to be waiting inside Rust.
        time.sleep(0.5)
        os.kill(child.pid, signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    result: Dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _pending_status_token(sim: Simulator) -> str:
    sim.reset()
    with sim.client(retry_backoff=(0.005, 0.02), timeout=5) as setup:
        enrolment = setup.enroll(username="interrupt-user", channel="push")
        sim.accept(enrolment.transaction_id)
        setup.wait_for_status(enrolment.status_token, interval=0.02, timeout=10)
        return setup.approve(username="interrupt-user", channel="push").status_token


def test_ctrl_c_ends_a_blocking_wait_for_status(authcloud_sim: Simulator) -> None:
    token = _pending_status_token(authcloud_sim)
    result = _run(authcloud_sim, "wait", token)
    assert result["outcome"] == "KeyboardInterrupt", result
    print(f"KeyboardInterrupt {result['latency_ms']:.1f} ms after SIGINT (wait_for_status)")
    assert result["latency_ms"] is not None and result["latency_ms"] < LIMIT_S * 1000, result
    assert result["requests_after_interrupt"] == 0, f"the wait kept polling after Ctrl-C: {result}"
    assert result["next_call"] == "pending", result


def test_ctrl_c_ends_a_call_a_slow_server_holds(authcloud_sim: Simulator) -> None:
    token = _pending_status_token(authcloud_sim)
    authcloud_sim.add_fault(method="GET", path="/api/v1/users", count=1, fault="delay", ms=20_000)
    result = _run(authcloud_sim, "slow", token)
    assert result["outcome"] == "KeyboardInterrupt", result
    print(f"KeyboardInterrupt {result['latency_ms']:.1f} ms after SIGINT (stalled find_user)")
    assert result["latency_ms"] is not None and result["latency_ms"] < LIMIT_S * 1000, result
    assert result["next_call"] == "pending", result


def test_a_handler_that_returns_lets_the_call_finish(authcloud_sim: Simulator) -> None:
    """Only what the handler raises ends the call: a handler that returns runs promptly, and the
    call goes on to its answer."""
    token = _pending_status_token(authcloud_sim)
    authcloud_sim.add_fault(method="GET", path="/api/v1/users", count=1, fault="delay", ms=1_500)
    result = _run(authcloud_sim, "handler-returns", token)
    assert result["outcome"] == "returned", result
    assert result["handler_latency_ms"] is not None and result["handler_latency_ms"] < LIMIT_S * 1000, result
    assert result["next_call"] == "pending", result
