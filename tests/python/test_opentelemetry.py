"""The OpenTelemetry bridge: calls and attempts as spans with OpenTelemetry's HTTP client
attributes, exported through an in-memory exporter; and the package without opentelemetry."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import FAST

import nevis_authcloud
from nevis_authcloud import Client, errors

trace = pytest.importorskip("opentelemetry.trace", reason="make test-python installs opentelemetry")
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

SECRET_KEY = "otel-secret-access-key-0123456789"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def exporter():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    assert nevis_authcloud.enable_opentelemetry(provider) is True
    return exporter


def finished(exporter, name):
    return [span for span in exporter.get_finished_spans() if span.name == name]


def test_success_404_and_retried_503_become_spans(authcloud_sim, exporter):
    client = Client(base_url=authcloud_sim.base_url, access_key=authcloud_sim.access_key, **FAST)
    user = client.enroll(username="otel-user", channel="recovery")
    exporter.clear()

    client.get_user(user.user_id)
    [call] = finished(exporter, "nevis.get_user")
    [attempt] = finished(exporter, "nevis.attempt")
    assert call.kind == trace.SpanKind.CLIENT
    assert call.attributes["http.request.method"] == "GET"
    assert call.attributes["url.template"] == "/api/v1/users/{userId}"
    assert call.attributes["server.address"] in authcloud_sim.base_url
    assert call.attributes["http.response.status_code"] == 200
    assert "error.type" not in call.attributes
    assert attempt.parent.span_id == call.context.span_id
    assert attempt.attributes["http.request.resend_count"] == 0
    assert call.start_time <= attempt.start_time <= attempt.end_time <= call.end_time

    exporter.clear()
    with pytest.raises(errors.NotFoundError):
        client.get_user(UNKNOWN_ID)
    [call] = finished(exporter, "nevis.get_user")
    assert call.attributes["error.type"] == "not_found"
    assert call.attributes["http.response.status_code"] == 404
    assert call.status.status_code == trace.StatusCode.ERROR

    exporter.clear()
    authcloud_sim.add_fault(method="GET", path="/api/v1/users", count=1, fault="status", status=503)
    client.find_user("otel-user")
    [call] = finished(exporter, "nevis.find_user")
    attempts = sorted(finished(exporter, "nevis.attempt"), key=lambda span: span.attributes["nevis.attempt"])
    assert call.attributes["nevis.attempts"] == 2
    assert "error.type" not in call.attributes
    assert [a.attributes["http.response.status_code"] for a in attempts] == [503, 200]
    assert attempts[0].attributes["error.type"] == "server"
    assert attempts[1].attributes["http.request.resend_count"] == 1
    assert all(a.parent.span_id == call.context.span_id for a in attempts)


def test_no_secret_user_id_or_username_in_any_span(authcloud_sim, exporter):
    client = Client(base_url=authcloud_sim.base_url, access_key=authcloud_sim.access_key, **FAST)
    exporter.clear()
    enrolment = client.enroll(username="otel-secret-user", channel="app")
    client.get_status(enrolment.status_token)
    with pytest.raises(errors.BadRequestError):
        client.verify(user_id=enrolment.user_id, code="WRONG-CODE-SECRET-1234", channel="recovery")
    spans = exporter.get_finished_spans()
    assert {"nevis.enroll", "nevis.get_status", "nevis.verify"} <= {span.name for span in spans}
    text = repr([(span.name, dict(span.attributes)) for span in spans])
    for secret in [
        authcloud_sim.access_key,
        enrolment.status_token,
        "WRONG-CODE-SECRET-1234",
        enrolment.user_id,
        "otel-secret-user",
    ]:
        assert secret not in text


def test_the_package_works_without_opentelemetry(authcloud_sim):
    script = textwrap.dedent(f"""
        import sys
        sys.modules["opentelemetry"] = None  # every import of it fails
        import nevis_authcloud
        assert nevis_authcloud.enable_opentelemetry() is False
        client = nevis_authcloud.Client(base_url={authcloud_sim.base_url!r}, access_key={authcloud_sim.access_key!r})
        client.ping()
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"
