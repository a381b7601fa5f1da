"""What the vendor's own clients send, end to end against the simulator: an approval that names no
channel (the Azure AD B2C integration; the service approves by push), and the FIDO2 example app for
Android's paths with a trailing slash, sent as plain HTTP because the SDK never adds one."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any, Dict, Optional, Tuple

import pytest
from conftest import FAST, run

from nevis_authcloud import InvalidRequestError
from nevis_authcloud.testing import Simulator


def test_an_approval_without_a_channel_is_a_push_and_can_be_polled(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await api.enroll(username="b2c-object-id")
        sim.accept(enrolment.enrollment.transaction_id)
        assert (await api.wait_for_status(enrolment.status_token, timeout=10, interval=0.02)).succeeded

        approval = await api.approve(username="b2c-object-id")
        assert approval.status_token and approval.authenticator_id and approval.qr_code is None
        [operation] = sim.operations(state="pending", channel="push")
        assert operation["transactionId"] == approval.transaction_id
        assert (await api.get_status(approval.status_token)).pending
        sim.accept(approval.transaction_id)
        assert (await api.wait_for_status(approval.status_token, timeout=10, interval=0.02)).succeeded

    run(scenario())


def test_without_a_channel_the_push_rules_are_checked_before_sending(api_factory, sim):
    api = api_factory()

    async def scenario():
        before = sim.stats()["requests"]
        with pytest.raises(InvalidRequestError) as nobody:
            await api.approve()
        assert nobody.value.field == "username" and "channel push" in str(nobody.value)
        with pytest.raises(InvalidRequestError) as prompt:
            await api.approve(username="alice", prompt=True)
        assert prompt.value.field == "message"
        assert sim.stats()["requests"] == before, "refused before anything was sent"

    run(scenario())


def _post(
    sim: Simulator, path: str, body: Dict[str, Any], *, key: bool, content_type: str = "application/json"
) -> Tuple[int, Any]:
    """A plain POST, as an app would send it; returns the status and the JSON answer."""
    request = urllib.request.Request(sim.base_url + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("Accept", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {sim.access_key}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def _client_data(kind: str, challenge: Optional[str]) -> str:
    data = {"type": kind, "challenge": challenge, "origin": "android:apk-key-hash:example"}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_the_android_example_apps_trailing_slash_routes(authcloud_sim):
    sim: Simulator = authcloud_sim
    with sim.client(**FAST) as client:
        status, enrolled = _post(
            sim,
            "/api/v1/users/enroll/",
            {
                "username": "pixel-user",
                "displayName": "Pixel User",
                "channel": "fido2",
                "fido2Options": {"authenticatorSelection": {"residentKey": "required", "userVerification": "required"}},
            },
            key=True,
        )
        assert status == 200, enrolled
        enrollment = enrolled["enrollment"]
        status, attested = _post(
            sim,
            "/_app/attestation/result/",
            {
                "id": "cGl4ZWwtcGFzc2tleQ",
                "type": "public-key",
                "statusToken": enrollment["statusToken"],
                "response": {
                    "clientDataJSON": _client_data(
                        "webauthn.create", enrollment["credentialCreationOptions"]["challenge"]
                    ),
                    "attestationObject": "o2NmbXRkbm9uZQ",
                },
                "userFriendlyName": "Pixel 9",
                "userAgent": "Android 15",
            },
            key=False,
            content_type="application/json;charset=utf-8",
        )
        assert (status, attested["status"]) == (200, "ok"), attested
        assert client.get_status(enrollment["statusToken"]).succeeded

        status, approval = _post(
            sim,
            "/api/v1/approval/",
            {
                "username": "pixel-user",
                "channel": "fido2",
                "fido2Options": {"userVerification": "required"},
            },
            key=True,
        )
        assert status == 200, approval
        status, asserted = _post(
            sim,
            "/_app/assertion/result/",
            {
                "id": "cGl4ZWwtcGFzc2tleQ",
                "type": "public-key",
                "statusToken": approval["statusToken"],
                "response": {
                    "clientDataJSON": _client_data("webauthn.get", approval["credentialRequestOptions"]["challenge"]),
                    "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAA",
                    "signature": "MEUCIQDx",
                    "userHandle": base64.urlsafe_b64encode(enrolled["userId"].encode()).rstrip(b"=").decode(),
                },
                "userAgent": "Android 15",
            },
            key=False,
        )
        assert (status, asserted["status"]) == (200, "ok"), asserted
        decided = client.wait_for_status(approval["statusToken"], timeout=10, interval=0.02)
        assert decided.succeeded and decided.user_id == enrolled["userId"]
