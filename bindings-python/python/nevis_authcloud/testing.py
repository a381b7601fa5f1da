"""Test helpers: run the local Authentication Cloud simulator (``authcloud-sim``) from a test suite.

The simulator implements every API endpoint with state, plus a control plane that plays the user's
phone (accept, decline, read the last SMS) and injects faults. This module starts it as a child
process and drives its control plane, so an application's own tests can exercise real login flows
without a Nevis instance::

    def test_login(authcloud_sim):
        client = authcloud_sim.client()
        approval = client.approve(username="alice", channel="push")
        authcloud_sim.accept(approval.transaction_id)
        assert client.wait_for_status(approval.status_token).succeeded

Installed with the package, pytest loads this module as a plugin (entry point ``pytest11``), which
provides the fixtures ``authcloud_sim`` (plain HTTP) and ``authcloud_sim_tls`` (HTTPS with its own
CA). Both are session-scoped and reset the simulator's state before each test.

The binary comes from the ``nevis-authcloud-sim`` wheel (``pip install "nevis-authcloud[testing]"``
installs it with pytest): ``$AUTHCLOUD_SIM`` if set, else the ``authcloud-sim`` installed beside
this interpreter (a virtual environment need not be activated), else the one on ``PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sysconfig
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from types import TracebackType
from typing import Any, Dict, Iterator, List, Optional, Type, Union

from ._async_client import AsyncClient
from ._client import Client
from .models import ApprovalResult, EnrollResult

__all__ = ["Operation", "Simulator", "SimulatorError", "find_simulator"]

#: What the control plane acts on: a transaction id, or the enrolment or approval that started it.
Operation = Union[str, EnrollResult, ApprovalResult]


class SimulatorError(RuntimeError):
    """The simulator could not be started, or its control plane refused a request."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


def _transaction_id(operation: Operation) -> str:
    if isinstance(operation, str):
        return operation
    if isinstance(operation, (EnrollResult, ApprovalResult)):
        if operation.transaction_id:
            return operation.transaction_id
        raise SimulatorError(
            "operation: this result started no operation for the phone to act on (a recovery enrolment has none)"
        )
    raise SimulatorError(
        f"operation: expected a transaction id, an EnrollResult or an ApprovalResult, not {type(operation).__name__}"
    )


def _trusting(ca_path: str) -> ssl.SSLContext:
    """An SSL context trusting the simulator's CA. Python 3.13 turned on strict X.509 checks by
    default, which reject the simulator's minimal test certificates (no Authority Key Identifier);
    the SDK's own TLS stack accepts them, so only this control-plane client relaxes that flag."""
    context = ssl.create_default_context(cafile=ca_path)
    context.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
    return context


def find_simulator() -> str:
    """The path of the ``authcloud-sim`` binary: ``$AUTHCLOUD_SIM``, else the one installed beside
    this interpreter by the ``nevis-authcloud-sim`` wheel, else the one on ``PATH``."""
    configured = os.environ.get("AUTHCLOUD_SIM")
    if configured:
        if not os.path.isfile(configured):
            raise SimulatorError(f"AUTHCLOUD_SIM={configured!r} is not a file")
        return configured
    name = "authcloud-sim.exe" if os.name == "nt" else "authcloud-sim"
    beside = os.path.join(sysconfig.get_path("scripts"), name)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("authcloud-sim")
    if found is None:
        raise SimulatorError(
            "authcloud-sim not found: pip install nevis-authcloud-sim (or nevis-authcloud[testing]), "
            "or set AUTHCLOUD_SIM to the path of the binary"
        )
    return found


class Simulator:
    """A running simulator process and a client of its control plane (``/_sim``)."""

    base_url: str
    access_key: str
    ca_path: Optional[str]

    def __init__(
        self, *, tls: bool = False, binary: Optional[str] = None, extra_args: Optional[List[str]] = None
    ) -> None:
        self._workdir = tempfile.mkdtemp(prefix="authcloud-sim-")
        args = [binary or find_simulator(), "--listen", "127.0.0.1:0", "--exit-on-stdin-eof"]
        if tls:
            args += ["--tls", "--ca-out", os.path.join(self._workdir, "ca.pem")]
        args += extra_args or []
        self._process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            raise SimulatorError(f"authcloud-sim exited ({code}) before printing its address")
        ready = json.loads(line)
        self.base_url = ready["baseUrl"]
        self.access_key = ready["accessKey"]
        self.ca_path = ready.get("caPath")
        self._ssl = _trusting(self.ca_path) if self.ca_path else None

    # -- clients --------------------------------------------------------------------------------

    def client_options(self, **overrides: Any) -> Dict[str, Any]:
        """The keywords for ``Client``/``AsyncClient`` pointing at this simulator."""
        options: Dict[str, Any] = {"base_url": self.base_url, "access_key": self.access_key}
        if self.ca_path:
            options["ca_certs"] = self.ca_path
        options.update(overrides)
        return options

    def client(self, **overrides: Any) -> Client:
        return Client(**self.client_options(**overrides))

    def async_client(self, **overrides: Any) -> AsyncClient:
        return AsyncClient(**self.client_options(**overrides))

    # -- control plane --------------------------------------------------------------------------

    def control(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        """Calls ``{base_url}/_sim{path}`` and returns its JSON answer (``None`` for 204)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + "/_sim" + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10, context=self._ssl) as response:
                text = response.read()
        except urllib.error.HTTPError as err:
            raise SimulatorError(f"{method} /_sim{path}: HTTP {err.code}: {err.read()[:500]!r}", err.code) from None
        return json.loads(text) if text else None

    def accept(self, operation: Operation, /, **body: Any) -> Any:
        """The user's phone accepts the operation (confirms an app enrolment, accepts a push): a
        transaction id, or the ``EnrollResult`` / ``ApprovalResult`` that started it."""
        return self.control("POST", f"/operations/{_transaction_id(operation)}/accept", body or {})

    def decline(self, operation: Operation, /) -> Any:
        return self.control("POST", f"/operations/{_transaction_id(operation)}/decline", {})

    def expire(self, operation: Operation, /) -> Any:
        return self.control("POST", f"/operations/{_transaction_id(operation)}/expire", {})

    def operations(self, **filters: str) -> Any:
        query = ("?" + urllib.parse.urlencode(filters)) if filters else ""
        return self.control("GET", "/operations" + query)

    def last_sms(self, phone: str) -> Any:
        """The last SMS sent to ``phone``: ``{"text", "code", "transactionId", ...}``."""
        return self.control("GET", "/phones/" + urllib.parse.quote(phone, safe="") + "/last-sms")

    def recovery_codes(self, user_id: str) -> Any:
        return self.control("GET", f"/users/{user_id}/recovery-codes")

    def block_user(self, user_id: str, *channels: str) -> Any:
        """Blocks the user as the SMS and/or push rate limit would (``block_user(uid, "push")``)
        until :meth:`unblock_user` or :meth:`reset`; answers ``{"userId", "exceededRateLimits"}``."""
        return self.control("POST", f"/users/{user_id}/rate-limits", {"channels": list(channels)})

    def unblock_user(self, user_id: str) -> Any:
        """Lifts every rate-limit block of the user (and forgets the sends the limits counted)."""
        return self.control("DELETE", f"/users/{user_id}/rate-limits")

    def advance_clock(self, seconds: float) -> Any:
        return self.control("POST", "/clock/advance", {"seconds": seconds})

    def add_fault(self, **fault: Any) -> Any:
        """Injects a fault, e.g. ``add_fault(method="GET", path="/ping", fault="status", status=503)``."""
        return self.control("POST", "/faults", fault)

    def clear_faults(self) -> None:
        self.control("DELETE", "/faults")

    def stats(self) -> Any:
        """``{"requests": N, "created": {...}}``: what the simulator saw and really created."""
        return self.control("GET", "/stats")

    def reset(self) -> None:
        """Forgets all users, operations, tokens, faults and counters."""
        self.control("POST", "/reset")

    # -- lifetime -------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stops the simulator (it exits when its stdin closes)."""
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Simulator:
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Simulator(base_url={self.base_url!r})"


try:
    import pytest
except ImportError:  # pragma: no cover - the fixtures exist only where pytest does
    pass
else:

    @pytest.fixture(scope="session")
    def _authcloud_sim_session() -> Iterator[Simulator]:
        with Simulator() as simulator:
            yield simulator

    @pytest.fixture(scope="session")
    def _authcloud_sim_tls_session() -> Iterator[Simulator]:
        with Simulator(tls=True) as simulator:
            yield simulator

    @pytest.fixture
    def authcloud_sim(_authcloud_sim_session: Simulator) -> Simulator:
        """A running simulator over plain HTTP, reset for this test."""
        _authcloud_sim_session.reset()
        return _authcloud_sim_session

    @pytest.fixture
    def authcloud_sim_tls(_authcloud_sim_tls_session: Simulator) -> Simulator:
        """A running simulator over HTTPS (its CA in ``ca_path``), reset for this test."""
        _authcloud_sim_tls_session.reset()
        return _authcloud_sim_tls_session
