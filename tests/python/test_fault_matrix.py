"""The shared fault matrix (tests/faults.json) run through the Python ``Client``.

Every language's suite runs the same table against the simulator's fault injection and must give the
same answer for every row: the outcome, the error kind, the HTTP status, whether the server may have
acted, the ``Retry-After`` it asked for, how many requests reached the simulator and how many
operations it really created (one push, never two). Each row is its own test case, so a failure names
the row. With ``NEVIS_FAULTS_REPORT_DIR`` set, what was observed (not what was expected) is also
written to ``$NEVIS_FAULTS_REPORT_DIR/python.json`` for the cross-language comparison.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional

import pytest

from nevis_authcloud import Client, NevisError
from nevis_authcloud.testing import Simulator

MATRIX_PATH = Path(__file__).resolve().parents[1] / "faults.json"
MATRIX: Dict[str, Any] = json.loads(MATRIX_PATH.read_text(encoding="utf-8"))
SCENARIOS = MATRIX["scenarios"]
CREATED_KINDS = ("enroll", "approval", "sms", "intent")
PREPARED_USER = "matrix-user"


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.contextmanager
def _silent_tls_peer() -> Iterator[str]:
    """An https:// address whose peer takes TCP connections (the kernel completes them from the
    listen queue) and never answers the TLS handshake."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"


def _client_settings(scenario: Dict[str, Any]) -> Dict[str, Any]:
    """The table's "client" block, with the row's own over it, in the Python client's terms (seconds)."""
    settings = {**MATRIX["client"], **scenario.get("client", {})}
    first, longest = settings["retryBackoffMs"]
    options = {
        "timeout": settings["requestTimeoutMs"] / 1000,
        "max_retries": settings["maxRetries"],
        "retry_backoff": (first / 1000, longest / 1000),
    }
    if "connectTimeoutMs" in settings:
        options["connect_timeout"] = settings["connectTimeoutMs"] / 1000
    return options


@pytest.fixture(scope="module")
def report() -> Iterator[Dict[str, Dict[str, Any]]]:
    """Collects the observed rows; at the end of the module writes them in table order."""
    rows: Dict[str, Dict[str, Any]] = {}
    yield rows
    directory = os.environ.get("NEVIS_FAULTS_REPORT_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    ordered = [rows[scenario["name"]] for scenario in SCENARIOS if scenario["name"] in rows]
    target = Path(directory) / "python.json"
    partial = target.with_suffix(".json.tmp")
    partial.write_text(json.dumps({"language": "python", "rows": ordered}, indent=2) + "\n", encoding="utf-8")
    partial.replace(target)


def _prepare(sim: Simulator) -> str:
    """Resets the simulator, makes an active push user and returns a pending approval's token."""
    sim.reset()
    with sim.client(retry_backoff=(0.005, 0.02), timeout=5) as setup:
        enrolment = setup.enroll(username=PREPARED_USER, channel="push")
        sim.accept(enrolment.transaction_id)
        status = setup.wait_for_status(enrolment.status_token, interval=0.02, timeout=10)
        assert status.status == "succeeded", f"the prepared user's enrolment ended as {status.status}"
        return setup.approve(username=PREPARED_USER, channel="push").status_token


def _operation(client: Client, name: str, pending_status_token: str) -> Callable[[], Any]:
    operations: Dict[str, Callable[[], Any]] = {
        "find_user": lambda: client.find_user(PREPARED_USER),
        "get_status": lambda: client.get_status(pending_status_token),
        "approve_push": lambda: client.approve(username=PREPARED_USER, channel="push"),
        "enroll_sms": lambda: client.enroll(username="matrix-sms-user", channel="sms", phone="+41795551234"),
    }
    if name not in operations:
        raise AssertionError(f"tests/faults.json names an unknown operation {name!r}")
    return operations[name]


def _observed(error: Optional[NevisError], before: Dict[str, Any], after: Dict[str, Any]) -> Dict[str, Any]:
    """One row of the report, in the shared format."""
    row: Dict[str, Any] = {
        "outcome": "ok" if error is None else "error",
        "kind": None,
        "status": None,
        "mayHaveBeenApplied": None,
        "retryAfterS": None,
        "requestsSeen": after["requests"] - before["requests"],
        "created": {kind: after["created"][kind] - before["created"][kind] for kind in CREATED_KINDS},
    }
    if error is not None:
        row["kind"] = error.kind
        row["status"] = getattr(error, "status", None)
        row["mayHaveBeenApplied"] = error.may_have_been_applied
        # Whole seconds, as the Rust reference reports Duration::as_secs.
        row["retryAfterS"] = int(error.retry_after) if error.retry_after is not None else None
    return row


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario["name"] for scenario in SCENARIOS])
def test_fault_matrix_row(
    scenario: Dict[str, Any],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    report: Dict[str, Dict[str, Any]],
    authcloud_sim: Simulator,
) -> None:
    target = scenario.get("target")
    # The simulator that receives the call, whose counters are read.
    sim: Simulator = request.getfixturevalue("authcloud_sim_tls") if target == "untrusted-tls" else authcloud_sim
    pending_status_token = _prepare(sim)

    options = sim.client_options(**_client_settings(scenario))
    peer = contextlib.ExitStack()
    if target == "silent-tls":
        # The simulator's CA is offered, but the handshake never gets as far as a certificate.
        options["base_url"] = peer.enter_context(_silent_tls_peer())
    elif target == "closed-port":
        options["base_url"] = f"http://127.0.0.1:{_closed_port()}"
    elif target == "untrusted-tls":
        # Only the system trust store, which does not know the simulator's generated CA.
        options.pop("ca_certs", None)
        monkeypatch.delenv("NEVIS_AUTHCLOUD_CA_FILE", raising=False)
    elif target is not None:
        raise AssertionError(f"tests/faults.json names an unknown target {target!r}")

    with peer, Client(**options) as client:
        call = _operation(client, scenario["operation"], pending_status_token)
        for fault in scenario["faults"]:
            sim.add_fault(**fault)
        before = sim.stats()
        error: Optional[NevisError] = None
        started = time.monotonic()
        try:
            call()
        except NevisError as caught:
            error = caught
        elapsed_ms = (time.monotonic() - started) * 1000
        after = sim.stats()

    observed = _observed(error, before, after)
    report[scenario["name"]] = {"name": scenario["name"], **observed}

    expect = scenario["expect"]
    unknown = set(expect) - {
        "outcome",
        "kind",
        "status",
        "mayHaveBeenApplied",
        "retryAfterS",
        "requestsSeen",
        "created",
        "minElapsedMs",
    }
    assert not unknown, f"tests/faults.json expects keys this runner does not check: {sorted(unknown)}"
    answer = f"(answer: {error!s})" if error is not None else "(answer: ok)"
    assert observed["outcome"] == expect["outcome"], answer
    for key in ("kind", "status", "mayHaveBeenApplied", "retryAfterS", "requestsSeen"):
        if key in expect:
            assert observed[key] == expect[key], f"{key}: expected {expect[key]!r}, got {observed[key]!r} {answer}"
    # Kinds a row does not list must stay at 0: no stray push, SMS or enrolment anywhere.
    allowed = {kind: expect.get("created", {}).get(kind, 0) for kind in CREATED_KINDS}
    assert observed["created"] == allowed, f"created: the table allows {allowed}, got {observed['created']}"
    if "minElapsedMs" in expect:
        assert elapsed_ms >= expect["minElapsedMs"], f"returned after {elapsed_ms:.0f} ms"
