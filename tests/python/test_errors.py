"""Every exception class, raised through a real HTTP round trip where the API can produce it.

Server-side errors come from the simulator itself (unknown user, wrong key, duplicate phone, wrong
method) or from its fault injection; transport errors from a closed port, a stalled answer and an
untrusted certificate; client-side errors from the core's validation and configuration checks.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import socket
import uuid

import pytest
from conftest import FAST

from nevis_authcloud import Client, _native, errors
from nevis_authcloud.errors import (
    APIConnectionError,
    ApiError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConfigurationTypeError,
    ConflictError,
    DecodeError,
    InvalidRequestError,
    InvalidRequestTypeError,
    MethodNotAllowedError,
    NevisError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    TlsError,
    UnsupportedMediaTypeError,
)


def test_every_core_kind_maps_to_its_own_class():
    kinds = _native.error_kinds()
    assert "closed" in kinds and "internal" in kinds
    mapping = dict(_native.error_classes())
    assert sorted(mapping) == sorted(kinds), "the native table covers exactly the core's kinds"
    missing = [kind for kind in kinds if not hasattr(errors, mapping[kind])]
    assert missing == [], "kinds without a class in errors.py"
    classes = [getattr(errors, mapping[kind]) for kind in kinds]
    assert len(set(classes)) == len(classes)
    retryable = set(_native.retryable_kinds())
    for kind, cls in zip(kinds, classes):
        assert issubclass(cls, NevisError)
        assert cls not in (NevisError, ApiError), kind
        assert cls.__name__ in errors.__all__, kind
        assert cls("x").kind == kind, "a hand-made error gets the kind of its class"
        assert cls("x").retryable == (kind in retryable), "and the core's retry policy"


def test_builtin_bases_let_generic_handlers_catch_them():
    assert issubclass(APITimeoutError, TimeoutError)
    assert issubclass(InvalidRequestError, ValueError)
    assert issubclass(ConfigurationError, ValueError)
    assert issubclass(TlsError, APIConnectionError)
    assert issubclass(RateLimitError, ApiError)


def test_unknown_user_is_not_found_with_the_error_body(authcloud_sim):
    client = authcloud_sim.client(**FAST)
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError) as caught:
        client.get_user(missing)
    err = caught.value
    assert err.kind == "not_found" and err.status == 404 and err.error == "Not Found"
    assert missing in err.message and err.path == f"/api/v1/users/{missing}"
    assert isinstance(err.timestamp, str) and err.body.startswith("{")
    assert err.may_have_been_applied == "no" and err.attempts == 1
    assert (err.request_method, err.request_path) == ("GET", f"/api/v1/users/{missing}")
    assert isinstance(err.__cause__, errors.NativeCause) and "404" in str(err.__cause__)
    assert not err.retryable


def test_wrong_access_key_is_permission_denied_with_epoch_timestamp(authcloud_sim):
    client = Client(base_url=authcloud_sim.base_url, access_key="not-the-key")
    with pytest.raises(PermissionDeniedError) as caught:
        client.find_user("nobody")
    assert caught.value.status == 403 and isinstance(caught.value.timestamp, int)
    assert caught.value.message is None


def test_invalid_code_is_a_bad_request(authcloud_sim):
    client = authcloud_sim.client(**FAST)
    enrolment = client.enroll(username="ines", channel="sms", phone="+41790000001")
    with pytest.raises(BadRequestError) as caught:
        client.verify(user_id=enrolment.user_id, code="000000", status_token=enrolment.status_token)
    assert caught.value.status == 400


def test_duplicate_phone_is_a_conflict(authcloud_sim):
    client = authcloud_sim.client(**FAST)
    client.enroll(username="jack", channel="sms", phone="+41790000002")
    with pytest.raises(ConflictError) as caught:
        client.enroll(username="jack", channel="sms", phone="+41790000002")
    assert caught.value.status == 409


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (405, MethodNotAllowedError),
        (412, PreconditionFailedError),
        (413, PayloadTooLargeError),
        (415, UnsupportedMediaTypeError),
        (500, ServerError),
    ],
)
def test_fault_statuses_become_their_classes(authcloud_sim, status, cls):
    authcloud_sim.add_fault(method="GET", path="/api/v1/users", count=5, fault="status", status=status)
    client = authcloud_sim.client(max_retries=0, **FAST)
    with pytest.raises(cls) as caught:
        client.find_user("anyone")
    assert caught.value.status == status
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is cls and copy.status == status and str(copy) == str(caught.value)


def test_rate_limit_carries_retry_after(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/api/v1/users", count=1, fault="status", status=429, retryAfter="3600")
    client = authcloud_sim.client(**FAST)
    with pytest.raises(RateLimitError) as caught:
        client.find_user("anyone")
    assert caught.value.retry_after == 3600.0 and caught.value.retryable
    assert pickle.loads(pickle.dumps(caught.value)).retry_after == 3600.0


def test_server_error_on_an_approval_may_have_been_applied(authcloud_sim):
    client = authcloud_sim.client(**FAST)
    enrolment = client.enroll(username="kim", channel="push")
    authcloud_sim.accept(enrolment.transaction_id)
    authcloud_sim.add_fault(method="POST", path="/api/v1/approval", count=1, fault="status", status=500)
    with pytest.raises(ServerError) as caught:
        client.approve(username="kim", channel="push")
    assert caught.value.may_have_been_applied == "unknown" and caught.value.attempts == 1


def test_malformed_answer_is_a_decode_error(authcloud_sim):
    authcloud_sim.add_fault(method="POST", path="/api/v1/users/enroll", count=1, fault="malformed")
    with pytest.raises(DecodeError) as caught:
        authcloud_sim.client(**FAST).enroll(username="lena", channel="app")
    assert caught.value.may_have_been_applied == "yes"


def test_slow_answer_is_a_timeout(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=5, fault="delay", ms=2000)
    client = authcloud_sim.client(timeout=0.2, max_retries=0)
    with pytest.raises(APITimeoutError) as caught:
        client.ping()
    assert isinstance(caught.value, TimeoutError) and caught.value.kind == "timeout"
    assert pickle.loads(pickle.dumps(caught.value)).kind == "timeout"


def test_closed_port_is_a_connection_error_with_the_rust_cause():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Client(base_url=f"http://127.0.0.1:{port}", access_key="k", max_retries=0)
    with pytest.raises(APIConnectionError) as caught:
        client.ping()
    assert caught.value.kind == "connection"
    assert isinstance(caught.value.__cause__, errors.NativeCause)
    assert "connect" in str(caught.value.__cause__).lower()


def test_dropped_connection_is_a_connection_error(authcloud_sim):
    authcloud_sim.add_fault(method="GET", path="/ping", count=5, fault="close")
    with pytest.raises(APIConnectionError):
        authcloud_sim.client(max_retries=0).ping()


def test_untrusted_certificate_is_a_tls_error(authcloud_sim_tls):
    client = Client(base_url=authcloud_sim_tls.base_url, access_key=authcloud_sim_tls.access_key, max_retries=0)
    with pytest.raises(TlsError) as caught:
        client.ping()
    assert caught.value.kind == "tls" and isinstance(caught.value, APIConnectionError)


def test_client_side_validation_names_the_field(authcloud_sim):
    client = authcloud_sim.client()
    before = authcloud_sim.stats()["requests"]
    with pytest.raises(InvalidRequestError) as caught:
        client.enroll(username="alice", channel="sms")  # no phone
    assert caught.value.field == "phone" and isinstance(caught.value, ValueError)
    with pytest.raises(InvalidRequestError) as caught:
        client.get_user("not-a-uuid")
    # The core's rule, named as the caller wrote the keyword (the API calls it userId).
    assert caught.value.field == "user_id" and str(caught.value).startswith("invalid_request: user_id: must be a UUID")
    with pytest.raises(InvalidRequestTypeError) as caught:
        client.enroll(username=42, channel="app")  # type: ignore[arg-type]
    assert caught.value.field == "username" and isinstance(caught.value, TypeError)
    assert str(caught.value) == "invalid_request: username: must be a str (got int)"
    with pytest.raises(InvalidRequestError) as caught:
        client.wait_for_status("token", interval=-1)
    assert caught.value.field == "interval"
    assert authcloud_sim.stats()["requests"] == before, "nothing invalid was sent"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"base_url": "http://example.com", "access_key": "k"}, "base_url"),
        ({"base_url": "http://127.0.0.1:1"}, "access_key"),
        ({"instance": "a", "base_url": "http://127.0.0.1:1", "access_key": "k"}, "instance"),
        ({"base_url": "http://127.0.0.1:1", "access_key": "k", "timeout": -1}, "timeout"),
        ({"base_url": "http://127.0.0.1:1", "access_key": "k", "max_retries": 11}, "max_retries"),
        ({"base_url": "http://127.0.0.1:1", "access_key": "k", "ca_certs": "/no/such/file.pem"}, "ca_certs"),
    ],
)
def test_configuration_errors_name_the_setting(monkeypatch, options, field):
    for name in (
        "NEVIS_AUTHCLOUD_INSTANCE",
        "NEVIS_AUTHCLOUD_BASE_URL",
        "NEVIS_AUTHCLOUD_ACCESS_KEY",
        "NEVIS_AUTHCLOUD_CA_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError) as caught:
        Client(**options)
    assert caught.value.field == field and caught.value.kind == "config"


def test_async_calls_name_fields_as_written(authcloud_sim):
    async def scenario():
        async with authcloud_sim.async_client() as client:
            with pytest.raises(InvalidRequestError) as caught:
                await client.verify(user_id="42", code="123456", status_token="")
            assert caught.value.field == "user_id"
            with pytest.raises(InvalidRequestError) as caught:
                await client.enroll(
                    username="alice",
                    channel="fido2",
                    display_name="A",
                    fido2_options={"authenticatorSelection": {"userVerification": 1}},
                )
            assert caught.value.field == "fido2_options.authenticatorSelection.userVerification"
            assert "must be a string (got a number)" in str(caught.value)

    asyncio.run(scenario())


def test_wrong_types_are_also_type_errors_and_bad_values_value_errors():
    with pytest.raises(ConfigurationTypeError) as caught:
        Client(base_url="http://127.0.0.1:1", access_key="k", max_retries="3")  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ConfigurationError)
    with pytest.raises(ConfigurationError) as caught:
        Client(base_url="http://127.0.0.1:1", access_key="k", max_retries=2**40)
    assert not isinstance(caught.value, TypeError) and caught.value.field == "max_retries"
    assert str(caught.value) == "config: max_retries: must be a whole number from 0 to 10 (got 1099511627776)"
    with pytest.raises(ConfigurationTypeError) as caught:
        Client(base_url="http://127.0.0.1:1", access_key=b"key")  # type: ignore[arg-type]
    assert str(caught.value) == "config: access_key: must be a str (got bytes)", "the type, never the key"


def test_closed_client_refuses_calls_with_the_cores_closed_kind(authcloud_sim):
    client = authcloud_sim.client()
    client.close()
    assert client.closed
    with pytest.raises(errors.ClientClosedError) as caught:
        client.ping()
    err = caught.value
    assert isinstance(err, NevisError) and err.kind == "closed" and err.field is None
    assert not err.retryable and err.attempts == 0 and str(err).startswith("closed: the client is closed")


def test_closed_async_client_refuses_calls_with_the_cores_closed_kind(authcloud_sim):
    async def closed_call() -> None:
        async with authcloud_sim.async_client() as client:
            await client.close()
            await client.ping()

    with pytest.raises(errors.ClientClosedError) as caught:
        asyncio.run(closed_call())
    assert caught.value.kind == "closed"


def test_a_panic_inside_the_sdk_is_an_internal_error_not_a_panic_exception(authcloud_sim):
    # `_panic_for_tests` exists in debug builds of the native module only: `make test` builds one
    # (and says so with NEVIS_TEST_DEBUG_HOOKS); a released wheel (make dist-check) has no such hook.
    client = authcloud_sim.client()
    try:
        client._native.call("_panic_for_tests", "{}")
    except errors.InvalidRequestError as missing:
        if os.environ.get("NEVIS_TEST_DEBUG_HOOKS"):
            raise AssertionError("the debug build has no _panic_for_tests hook") from missing
        pytest.skip("a release build of the native module has no panic hook")
    except errors.InternalError as raised:
        err = raised
    else:
        raise AssertionError("_panic_for_tests returned instead of raising InternalError")
    assert isinstance(err, NevisError) and err.kind == "internal" and not err.retryable
    assert err.may_have_been_applied == "unknown"
    assert "_panic_for_tests was called" in str(err.__cause__)

    async def panicking_call() -> str:
        return await client._native.call_async("_panic_for_tests", "{}")

    with pytest.raises(errors.InternalError):
        asyncio.run(panicking_call())
    assert client.ping() is None, "the client stays usable"


def test_max_retry_after_fails_fast_instead_of_sleeping(authcloud_sim):
    fault = {"method": "GET", "path": "/api/v1/users", "count": 1, "fault": "status", "status": 503, "retryAfter": "2"}
    authcloud_sim.add_fault(**fault)
    impatient = authcloud_sim.client(timeout=5, max_retries=1, max_retry_after=1)
    with pytest.raises(errors.ServerError) as caught:
        impatient.find_user("anyone")
    assert caught.value.retry_after == 2.0 and caught.value.retryable and caught.value.attempts == 1
    authcloud_sim.add_fault(**fault)
    patient = authcloud_sim.client(timeout=5, max_retries=1, max_retry_after=3)
    with pytest.raises(errors.NotFoundError) as caught:
        patient.find_user("anyone")
    assert caught.value.attempts == 2, "waited out the Retry-After and asked again"


def test_every_error_class_pickles_with_its_attributes():
    for name in errors.__all__:
        cls = getattr(errors, name)
        if not (isinstance(cls, type) and issubclass(cls, NevisError)):
            continue
        err = cls("boom", may_have_been_applied="unknown", attempts=2, field="f")
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is cls and str(copy) == "boom"
        assert (copy.may_have_been_applied, copy.attempts, copy.field, copy.kind) == ("unknown", 2, "f", err.kind)
