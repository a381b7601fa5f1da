"""The secret scan: with a recognisable access key, intent tokens, status tokens, an SMS
code and recovery codes all in play, nothing the SDK shows contains any of them.

"Shows" means everything a Python application could end up writing to a log or a crash report:
every record of the ``nevis_authcloud`` logger at every level (down to TRACE, which the core's
``tracing`` bridge maps to level 5), the str/repr/attributes/traceback of every exception raised
along the way (wrong SMS and recovery codes, reused and forged intent tokens, 401/403, timeouts,
malformed and truncated answers that carried a token, cancelled waits), and the str/repr of every
client, configuration and result. The secrets are collected as they come into play; the scan runs
over the whole capture at the end, and the capture must be non-empty and demonstrably able to find
a secret (a positive control), so the test can fail.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from typing import Any, Callable, Iterator, List, Set

import pytest

from nevis_authcloud import AsyncClient, Client, errors
from nevis_authcloud.testing import Simulator

# Recognisable values: a hit in the capture cannot be a coincidence.
ACCESS_KEY = "AKEY-PY-SCAN-4e1f9c7a2b8d63051f0e-RECOGNISABLE"
WRONG_KEY = ACCESS_KEY + "-WRONG"
WRONG_RECOVERY_CODE = "WRNG-RCVR-C0DE-SCAN"
FORGED_INTENT_TOKEN = "eyJhbGciOiJIUzUxMiJ9.Zm9yZ2VkLWludGVudC10b2tlbi1weXRob24tc2Nhbg.c2lnbmF0dXJlLW5vdC12YWxpZA"
PHONE = "+41795550177"
USERNAME = "secret-scan-user"
# Any run of this many characters of a long secret counts as a leak (a token cut in half, say).
WINDOW = 20
FAST = {"retry_backoff": (0.005, 0.02), "timeout": 5}


def _windows(text: str) -> Set[str]:
    return {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A simulator over HTTPS that accepts only the recognisable key."""
    with Simulator(tls=True, extra_args=["--access-key", ACCESS_KEY]) as simulator:
        assert simulator.access_key == ACCESS_KEY
        yield simulator


class Capture(logging.Handler):
    """Keeps the full text of every log record: the message, its arguments and its extra fields."""

    def __init__(self) -> None:
        super().__init__(level=1)
        self.records: List[logging.LogRecord] = []
        self.texts: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.texts.append(f"{record.levelname} {record.name} {record.getMessage()} {record.__dict__!r}")


class Secrets:
    """The secrets in play and everything shown, with the scan over both."""

    def __init__(self) -> None:
        self.long: Set[str] = set()  # tokens and keys: any WINDOW-long run of them is a leak
        self.codes: Set[str] = set()  # recovery codes: with or without their dashes
        self.digits: Set[str] = set()  # SMS codes: six digits, a leak when they stand alone
        self.shown: List[str] = []

    def add_token(self, value: Any) -> None:
        assert isinstance(value, str) and len(value) >= WINDOW, f"not a token: {value!r}"
        self.long.add(value)

    def add_recovery_code(self, value: str) -> None:
        assert len(value) >= 12, value
        self.codes.add(value)
        self.codes.add(value.replace("-", ""))

    def add_sms_code(self, value: str) -> None:
        assert re.fullmatch(r"\d{6}", value), value
        self.digits.add(value)

    def show(self, *objects: Any) -> None:
        """Records the str and repr of each object."""
        for obj in objects:
            self.shown.append(str(obj))
            self.shown.append(repr(obj))

    def show_error(self, error: BaseException) -> None:
        """Everything an application may log about an exception, including its chain of causes."""
        self.show(error)
        self.shown.append(repr(vars(error)))
        self.shown.append("".join(traceback.format_exception(type(error), error, error.__traceback__)))
        cause = error.__cause__ or error.__context__
        while cause is not None:
            self.show(cause)
            cause = cause.__cause__ or cause.__context__

    def expect_error(self, error_type: type[BaseException], call: Callable[[], Any]) -> BaseException:
        with pytest.raises(error_type) as caught:
            call()
        self.show_error(caught.value)
        return caught.value

    def _shared_token_windows(self) -> Set[str]:
        """Runs that several JWTs have in common (the header, the issuer claim): they identify no
        particular token, so only the rest of each token (its unique claims, its signature) is sought."""
        seen: Set[str] = set()
        shared: Set[str] = set()
        for token in self.long:
            if token.startswith("eyJ"):
                mine = _windows(token)
                shared |= mine & seen
                seen |= mine
        return shared

    def attempt(self, call: Callable[[], Any]) -> Any:
        """Shows whatever comes out of ``call``: its result, or everything about its error."""
        try:
            result = call()
        except errors.NevisError as error:
            self.show_error(error)
            return error
        self.show(result)
        return result

    def leaks(self, text: str) -> List[str]:
        """Descriptions (never the secrets themselves) of what `text` contains."""
        found: List[str] = []
        windows = _windows(text)
        shared = self._shared_token_windows()
        for index, secret in enumerate(sorted(self.long)):
            if (_windows(secret) - shared) & windows:
                found.append(f"long secret #{index} ({len(secret)} chars, starts {secret[:6]!r})")
        for index, code in enumerate(sorted(self.codes)):
            if code in text:
                found.append(f"recovery code #{index}")
        for code in sorted(self.digits):
            if re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", text):
                found.append("an SMS code")
        return found


@pytest.fixture
def capture() -> Iterator[Capture]:
    """The SDK's logger at its most verbose (TRACE is level 5 in the bridge; 1 takes everything)."""
    logger = logging.getLogger("nevis_authcloud")
    handler = Capture()
    previous = logger.level
    logger.setLevel(1)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _play_everything(sim: Simulator, secrets: Secrets) -> None:
    """Puts every kind of secret into play, through successes and failures, with the blocking client."""
    client = sim.client(**FAST)
    secrets.add_token(ACCESS_KEY)
    secrets.add_token(WRONG_KEY)
    secrets.show(client, client.config, client._native)

    # An intent token, spent on an app enrolment, then reused (refused) and forged (refused).
    intent = client.create_intent(operation="enroll", username=USERNAME)
    secrets.add_token(intent.token)
    secrets.show(intent)
    enrolment = client.enroll(username=USERNAME, channel="app", intent_token=intent.token)
    secrets.add_token(enrolment.status_token)
    secrets.show(enrolment, enrolment.enrollment)
    assert enrolment.transaction_id is not None
    sim.accept(enrolment.transaction_id)
    confirmed = client.wait_for_status(enrolment.status_token or "", interval=0.02, timeout=10)
    secrets.show(confirmed)
    if confirmed.token is not None:
        secrets.add_token(confirmed.token)
    secrets.expect_error(
        errors.ApiError, lambda: client.enroll(username=USERNAME, channel="app", intent_token=intent.token)
    )
    secrets.add_token(FORGED_INTENT_TOKEN)
    secrets.expect_error(
        errors.ApiError, lambda: client.approve(username=USERNAME, channel="push", intent_token=FORGED_INTENT_TOKEN)
    )

    # An SMS enrolment: a wrong code, the right one (from the simulated phone), then the right one again.
    sms = client.enroll(username=USERNAME, channel="sms", phone=PHONE)
    secrets.add_token(sms.status_token)
    secrets.show(sms, sms.enrollment)
    code = sim.last_sms(PHONE)["code"]
    secrets.add_sms_code(code)
    wrong_code = f"{(int(code) + 500_000) % 1_000_000:06d}"
    secrets.add_sms_code(wrong_code)
    secrets.expect_error(
        errors.BadRequestError,
        lambda: client.verify(user_id=sms.user_id, code=wrong_code, status_token=sms.status_token),
    )
    client.verify(user_id=sms.user_id, code=code, status_token=sms.status_token)
    secrets.expect_error(
        errors.BadRequestError, lambda: client.verify(user_id=sms.user_id, code=code, status_token=sms.status_token)
    )
    # The code travels in a request whose answer never comes in time.
    second_sms = client.enroll(username=USERNAME + "-2", channel="sms", phone=PHONE + "1")
    secrets.add_token(second_sms.status_token)
    second_code = sim.last_sms(PHONE + "1")["code"]
    secrets.add_sms_code(second_code)
    sim.add_fault(
        method="POST", path=f"/api/v1/users/{second_sms.user_id}/verification", count=1, fault="delay", ms=1500
    )
    with sim.client(timeout=0.3, max_retries=0) as impatient:
        secrets.expect_error(
            errors.APITimeoutError,
            lambda: impatient.verify(
                user_id=second_sms.user_id, code=second_code, status_token=second_sms.status_token
            ),
        )

    # Recovery codes: from the enrolment answer and the simulator; one used, reused, one wrong.
    recovery = client.enroll(user_id=sms.user_id, channel="recovery")
    secrets.show(recovery, recovery.recovery_codes)
    assert recovery.recovery_codes is not None and recovery.recovery_codes.codes
    for recovery_code in recovery.recovery_codes.codes:
        secrets.add_recovery_code(recovery_code)
    for recovery_code in sim.recovery_codes(sms.user_id)["codes"]:
        secrets.add_recovery_code(recovery_code)
    first = recovery.recovery_codes.codes[0]
    client.verify(user_id=sms.user_id, code=first, channel="recovery")
    secrets.expect_error(
        errors.BadRequestError, lambda: client.verify(user_id=sms.user_id, code=first, channel="recovery")
    )
    secrets.add_recovery_code(WRONG_RECOVERY_CODE)
    secrets.expect_error(
        errors.BadRequestError, lambda: client.verify(user_id=sms.user_id, code=WRONG_RECOVERY_CODE, channel="recovery")
    )
    secrets.show(client.get_user(sms.user_id))

    # Status tokens of push approvals: one accepted (its result token introspected), one left pending.
    approval = client.approve(username=USERNAME, channel="push")
    secrets.add_token(approval.status_token)
    secrets.show(approval)
    sim.accept(approval.transaction_id)
    status = client.wait_for_status(approval.status_token, interval=0.02, timeout=10)
    assert status.succeeded and status.token
    secrets.add_token(status.token)
    secrets.show(status, client.introspect(status.token), client.introspect(approval.status_token))
    pending = client.approve(username=USERNAME, channel="push")
    secrets.add_token(pending.status_token)
    waited = secrets.expect_error(
        errors.APITimeoutError, lambda: client.wait_for_status(pending.status_token, timeout=0.1, interval=0.02)
    )
    secrets.show(getattr(waited, "last_status", None))
    unknown = client.get_status(pending.status_token + "x")
    assert unknown.status == "unknown"
    secrets.show(unknown)

    # Transport trouble while tokens are in the request or in the answer.
    sim.add_fault(method="POST", path="/api/v1/status", count=1, fault="delay", ms=1500)
    with sim.client(timeout=0.3, max_retries=0) as impatient:
        secrets.expect_error(errors.APITimeoutError, lambda: impatient.get_status(pending.status_token))
    for fault in ("truncated", "malformed", "empty", "reset"):
        sim.add_fault(method="POST", path="/api/v1/intent", count=1, fault=fault)
        secrets.expect_error(errors.NevisError, lambda: client.create_intent(operation="approve", username=USERNAME))
        sim.add_fault(method="POST", path="/api/v1/approval", count=1, fault=fault)
        secrets.expect_error(errors.NevisError, lambda: client.approve(username=USERNAME, channel="push"))
    sim.add_fault(method="POST", path="/api/v1/status", count=1, fault="truncated")
    secrets.expect_error(errors.DecodeError, lambda: client.get_status(approval.status_token))
    # The simulator minted tokens into the answers that were cut or garbled: they are secrets too.
    for operation in sim.operations():
        secrets.add_token(operation["statusToken"])

    # A bad key (403) and a missing credential (401, injected), then bad arguments carrying secrets.
    with Client(**sim.client_options(access_key=WRONG_KEY, max_retries=0)) as wrong:
        secrets.show(wrong, wrong.config)
        secrets.expect_error(errors.PermissionDeniedError, lambda: wrong.find_user(USERNAME))
        secrets.expect_error(errors.PermissionDeniedError, lambda: wrong.approve(username=USERNAME, channel="push"))
    sim.add_fault(method="GET", path="/api/v1/users", count=1, fault="status", status=401)
    secrets.expect_error(errors.AuthenticationError, lambda: client.find_user(USERNAME))
    # Secrets with characters a header or URL cannot carry: refused or sent in a JSON body, never echoed.
    secrets.attempt(lambda: client.get_status(pending.status_token + "\n"))
    secrets.attempt(lambda: client.verify(user_id=sms.user_id, code=code + "\r\n", status_token=sms.status_token))
    secrets.expect_error(
        errors.NevisError,
        lambda: client.approve(username=USERNAME, channel="push", intent_token=intent.token + "\r\nX: y"),
    )
    secrets.expect_error(errors.NevisError, lambda: Client(base_url=sim.base_url + " bad", access_key=ACCESS_KEY))
    secrets.expect_error(errors.NevisError, lambda: Client(**sim.client_options(access_key=ACCESS_KEY + "\n")))
    secrets.attempt(lambda: _find_with_key(sim, ACCESS_KEY + "\u00e9"))
    client.close()
    secrets.show(client)
    secrets.expect_error(errors.ClientClosedError, lambda: client.get_status(pending.status_token))


def _find_with_key(sim: Simulator, key: str) -> Any:
    with Client(**sim.client_options(access_key=key, max_retries=0)) as client:
        return client.find_user(USERNAME)


async def _play_async(sim: Simulator, secrets: Secrets) -> None:
    """The asyncio client: its repr, a token-bearing call, a refused key, a cancelled wait."""
    async with AsyncClient(**sim.client_options(**FAST)) as client:
        secrets.show(client, client.config)
        intent = await client.create_intent(operation="approve", username=USERNAME)
        secrets.add_token(intent.token)
        approval = await client.approve(username=USERNAME, channel="push", intent_token=intent.token)
        secrets.add_token(approval.status_token)
        secrets.show(intent, approval)
        try:
            await asyncio.wait_for(client.wait_for_status(approval.status_token, interval=0.02), timeout=0.1)
        except (asyncio.TimeoutError, errors.NevisError) as caught:
            secrets.show_error(caught)
        else:
            raise AssertionError("a pending approval's wait ended by itself")
        try:
            await client.wait_for_status(approval.status_token, timeout=0.1, interval=0.02)
        except errors.APITimeoutError as caught:
            secrets.show_error(caught)
    async with AsyncClient(**sim.client_options(access_key=WRONG_KEY, max_retries=0)) as wrong:
        try:
            await wrong.create_intent(operation="approve", username=USERNAME)
        except errors.PermissionDeniedError as caught:
            secrets.show_error(caught)
        else:
            raise AssertionError("the wrong key was accepted")


def test_no_secret_in_logs_errors_or_reprs(sim: Simulator, capture: Capture) -> None:
    sim.reset()
    secrets = Secrets()
    _play_everything(sim, secrets)
    asyncio.run(_play_async(sim, secrets))

    # The capture is real: requests were logged at DEBUG, retries/failures too, errors were shown.
    messages = [record.getMessage() for record in capture.records]
    assert any(message.startswith("request completed") for message in messages), messages[:5]
    assert any(message.startswith("request failed") for message in messages), messages[:5]
    assert min(record.levelno for record in capture.records) <= logging.DEBUG
    assert len(secrets.shown) > 100 and len(secrets.long) > 10 and secrets.digits and secrets.codes

    # Positive control: the scan finds secrets where they are meant to be (in the wire JSON).
    assert secrets.leaks(str(sim.last_sms(PHONE))) == ["an SMS code"]
    assert secrets.leaks(f"token={ACCESS_KEY[5:30]}…")
    assert secrets.leaks(" ".join(sorted(secrets.codes)))

    everything = {"log records": capture.texts, "errors, reprs and strs": secrets.shown}
    problems = []
    for source, texts in everything.items():
        for text in texts:
            for leak in secrets.leaks(text):
                # Name the leak and where it was (the secrets are throwaway values of this run).
                problems.append(f"{leak} in {source}: {text[:80]!r}…")
    assert not problems, "secrets shown:\n" + "\n".join(problems[:20])


# -- a server that echoes what it received -------------------------------------------------------

ECHO_INTENT_TOKEN = "eyJhbGciOiJIUzUxMiJ9.cHktZWNoby1pbnRlbnQtdG9rZW4.c2lnbmF0dXJlLWVjaG8"
ECHO_STATUS_TOKEN = "eyJhbGciOiJIUzUxMiJ9.cHktZWNoby1zdGF0dXMtdG9rZW4.c2lnbmF0dXJlLWVjaG8"
ECHO_USER_ID = "00000000-0000-4000-8000-0000000000ec"
# Computed, so a traceback's source lines cannot contain it.
ECHO_SMS_CODE = str(400_000 + 92_817)


def _everything_about(error: BaseException) -> List[str]:
    """Every text an application could log about ``error``: str, repr, vars, the traceback."""
    shown = [str(error), repr(error), repr(vars(error))]
    shown.append("".join(traceback.format_exception(type(error), error, error.__traceback__)))
    return shown


def test_an_echoing_server_gets_its_echo_redacted(sim: Simulator, capture: Capture) -> None:
    """A 401 repeating the key, a 400 quoting the body, a proxy's 500 passing on the bearer token:
    the secrets are ``[redacted]`` in every text of the exception and in the log records, and only
    ``raw_body()`` returns them."""
    sim.reset()
    client = sim.client(max_retries=0, **FAST)
    verification = f"/api/v1/users/{ECHO_USER_ID}/verification"
    cases = [
        (
            {"method": "GET", "path": "/api/v1/users", "status": 401, "message": "bad credential: {authorization}"},
            errors.AuthenticationError,
            lambda: client.find_user(USERNAME),
            [ACCESS_KEY],
        ),
        (
            {"method": "POST", "path": verification, "status": 400, "message": "cannot parse {body}"},
            errors.BadRequestError,
            lambda: client.verify(
                user_id=ECHO_USER_ID, code=ECHO_SMS_CODE, status_token=ECHO_STATUS_TOKEN, intent_token=ECHO_INTENT_TOKEN
            ),
            [ECHO_STATUS_TOKEN, ECHO_SMS_CODE],
        ),
        (
            {
                "method": "POST",
                "path": "/api/v1/approval",
                "status": 500,
                "message": "upstream said {authorization}",
                "format": "text",
            },
            errors.ServerError,
            lambda: client.approve(username=USERNAME, channel="push", intent_token=ECHO_INTENT_TOKEN),
            [ECHO_INTENT_TOKEN],
        ),
    ]
    with client:
        for fault, error_type, call, secrets in cases:
            sim.add_fault(fault="echo", count=1, **fault)
            with pytest.raises(error_type) as caught:
                call()
            error = caught.value
            assert isinstance(error, errors.ApiError)
            shown = [*_everything_about(error), error.body, str(error.message), str(error.error), str(error.path)]
            assert any("[redacted]" in text for text in shown), shown[0]
            for secret in secrets:
                leaked = [text[:120] for text in shown if secret in text]
                assert not leaked, f"a secret ({len(secret)} chars) is shown: {leaked}"
                assert secret.encode() in error.raw_body(), "raw_body() keeps the answer as it arrived"
    records = capture.texts
    assert any("error answer" in text and "[redacted]" in text for text in records), records[-3:]
    for secret in (ACCESS_KEY, ECHO_INTENT_TOKEN, ECHO_STATUS_TOKEN, ECHO_SMS_CODE):
        assert not [text for text in records if secret in text], f"a secret ({len(secret)} chars) is logged"


def test_raw_body_survives_pickling_but_never_shows() -> None:
    """An ApiError sent to another process (Celery, multiprocessing) keeps raw_body() and still
    shows nothing of it in repr or vars."""
    import pickle

    error = errors.AuthenticationError(
        "unauthorized: 401",
        status=401,
        body='{"message":"[redacted]"}',
        raw_body=b'{"message":"Bearer ' + ACCESS_KEY.encode() + b'"}',
    )
    copy = pickle.loads(pickle.dumps(error))
    assert copy.raw_body() == error.raw_body()
    for text in _everything_about(copy):
        assert ACCESS_KEY not in text
