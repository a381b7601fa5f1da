"""Secrets never show: not in repr/str of clients, configs, results and errors, nor in log records.
And the core's request log reaches the standard logger `nevis_authcloud` when (and only when) it is
enabled for that level."""

from __future__ import annotations

import logging

import pytest
from conftest import FAST

from nevis_authcloud import Client, errors

SECRET_KEY = "eyJhbGciOiJIUzUxMiJ9.super-secret-access-key-material-WXYZ"


def test_client_and_config_show_only_a_hint_of_the_key(authcloud_sim):
    client = Client(base_url=authcloud_sim.base_url, access_key=SECRET_KEY, proxy="http://user:hunter2@127.0.0.1:9")
    for text in (repr(client), str(client), repr(client.config), str(client.config), repr(client._native)):
        assert "super-secret" not in text and "hunter2" not in text, text
    assert client.config.access_key_hint == "…WXYZ"
    assert "WXYZ" in repr(client)
    short = Client(base_url=authcloud_sim.base_url, access_key="short-key")
    assert "short" not in repr(short)


def test_results_hide_tokens_but_hand_them_out(authcloud_sim):
    client = authcloud_sim.client(**FAST)
    enrolment = client.enroll(username="rita", channel="push")
    authcloud_sim.accept(enrolment.transaction_id)
    approval = client.approve(username="rita", channel="push")
    authcloud_sim.accept(approval.transaction_id)
    status = client.wait_for_status(approval.status_token, interval=0.02)
    intent = client.create_intent(operation="approve", username="rita")
    secrets = [enrolment.status_token, approval.status_token, status.token, intent.token]
    assert all(isinstance(secret, str) and len(secret) > 10 for secret in secrets)
    shown = " ".join(repr(obj) + str(obj) for obj in (enrolment, enrolment.enrollment, approval, status, intent))
    for secret in secrets:
        assert secret not in shown


def test_errors_never_show_the_key_or_tokens(authcloud_sim):
    client = Client(base_url=authcloud_sim.base_url, access_key=SECRET_KEY, max_retries=0)
    with pytest.raises(errors.PermissionDeniedError) as caught:
        client.find_user("someone")
    texts = [repr(caught.value), str(caught.value), str(caught.value.__cause__), repr(vars(caught.value))]
    assert not any("super-secret" in text for text in texts), texts
    sim_client = authcloud_sim.client(**FAST)
    enrolment = sim_client.enroll(username="tom", channel="push")
    with pytest.raises(errors.APITimeoutError) as timeout:
        sim_client.wait_for_status(enrolment.status_token, timeout=0.1, interval=0.02)
    texts = [repr(timeout.value), str(timeout.value), str(timeout.value.__cause__), repr(timeout.value.last_status)]
    assert not any(enrolment.status_token in text for text in texts), texts


def test_request_logs_reach_python_logging_without_secrets(authcloud_sim, caplog):
    client = Client(base_url=authcloud_sim.base_url, access_key=SECRET_KEY, max_retries=1, retry_backoff=(0.005, 0.01))
    with caplog.at_level(logging.DEBUG, logger="nevis_authcloud"):
        client.ping()
        authcloud_sim.add_fault(method="GET", path="/ping", count=1, fault="status", status=503)
        client.ping()
    records = [r for r in caplog.records if r.name == "nevis_authcloud"]
    completed = [r for r in records if r.getMessage().startswith("request completed")]
    assert completed and completed[0].levelno == logging.DEBUG
    assert completed[0].nevis["method"] == "GET" and completed[0].nevis["path"] == "/ping"
    assert "elapsed_ms" in completed[0].nevis
    retries = [r for r in records if r.getMessage().startswith("retrying")]
    assert retries and retries[0].levelno == logging.INFO and "status=503" in retries[0].getMessage()
    assert not any(SECRET_KEY in r.getMessage() or "super-secret" in str(r.__dict__) for r in records)


def test_nothing_is_logged_below_the_configured_level(authcloud_sim, caplog):
    client = authcloud_sim.client()
    with caplog.at_level(logging.INFO, logger="nevis_authcloud"):
        client.ping()
    assert not [r for r in caplog.records if r.name == "nevis_authcloud"]


def test_async_requests_are_logged_too(authcloud_sim, caplog):
    import asyncio

    async def main():
        await authcloud_sim.async_client().ping()

    with caplog.at_level(logging.DEBUG, logger="nevis_authcloud"):
        asyncio.run(main())
    assert any(r.getMessage().startswith("request completed") for r in caplog.records if r.name == "nevis_authcloud")
