"""Every API operation, through both clients, over HTTP and HTTPS, against the simulator."""

from __future__ import annotations

import uuid

from conftest import Api, run

from nevis_authcloud import models
from nevis_authcloud.testing import Simulator


async def _active_push_user(api: Api, sim: Simulator, username: str) -> models.EnrollResult:
    enrolment = await api.enroll(username=username, channel="push")
    assert enrolment.enrollment is not None
    sim.accept(enrolment.enrollment.transaction_id)
    status = await api.wait_for_status(enrolment.status_token, timeout=10, interval=0.02)
    assert status.succeeded
    return enrolment  # type: ignore[no-any-return]


def test_ping(api_factory, sim):
    api = api_factory()
    assert run(api.ping()) is None


def test_app_enrolment_push_approval_and_introspection(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await api.enroll(username="alice", channel="app")
        assert isinstance(enrolment, models.EnrollResult)
        assert enrolment.username == "alice" and enrolment.status == "new"
        assert enrolment.enrollment.qr_code.data_uri.startswith("data:image/png;base64,")
        assert enrolment.enrollment.app_link_uri
        assert enrolment.to_dict()["enrollment"]["statusToken"] == enrolment.status_token
        pending = await api.get_status(enrolment.status_token)
        assert pending.pending and not pending.is_terminal
        sim.accept(enrolment.transaction_id, platform="android", name="Pixel")
        done = await api.wait_for_status(enrolment.status_token, timeout=10, interval=0.02)
        assert done.succeeded and done.user_id == enrolment.user_id

        approval = await api.approve(
            username="alice", channel="push", prompt=True, message="Pay CHF 10 to Bob?", notification_message="Payment"
        )
        assert isinstance(approval, models.ApprovalResult)
        assert approval.user_id == enrolment.user_id and approval.authenticator_id
        sim.accept(approval.transaction_id)
        decided = await api.wait_for_status(approval.status_token, timeout=10, interval=0.02)
        assert decided.succeeded and decided.token
        introspection = await api.introspect(decided.token)
        assert introspection.active and introspection.scope == "transaction"
        assert introspection.sub == enrolment.user_id

        user = await api.find_user("alice")
        assert user.status == "active" and user.last_login_date_success
        [authenticator] = user.authenticators
        assert authenticator.platform == "android" and authenticator.authenticator_type == "app"
        assert authenticator.uaf is not None and authenticator.uaf.device_ref
        assert (await api.get_user(user.user_id)).user_id == user.user_id

    run(scenario())


def test_declined_approval_is_a_failed_status(api_factory, sim):
    api = api_factory()

    async def scenario():
        await _active_push_user(api, sim, "bob")
        approval = await api.approve(username="bob", channel="push")
        sim.decline(approval.transaction_id)
        status = await api.get_status(approval.status_token)
        assert status.failed and status.is_terminal
        unknown = await api.get_status("not-a-real-token")
        assert unknown.status == "unknown"

    run(scenario())


def test_sms_enrolment_and_verification(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await api.enroll(username="carol", channel="sms", phone="+41791234567", message="Code: {{CODE}}")
        sms = sim.last_sms("+41791234567")
        assert sms["text"] == f"Code: {sms['code']}"
        await api.verify(user_id=enrolment.user_id, code=sms["code"], status_token=enrolment.status_token)
        user = await api.get_user(enrolment.user_id)
        assert user.phones[0].phone == "+41791234567" and user.phones[0].status == "active"

        approval = await api.approve(username="carol", channel="sms")
        code = sim.last_sms("+41791234567")["code"]
        assert await api.verify(user_id=enrolment.user_id, code=code, status_token=approval.status_token) is None

    run(scenario())


def test_recovery_codes(api_factory, sim):
    api = api_factory()

    async def scenario():
        await _active_push_user(api, sim, "dave")
        enrolment = await api.enroll(username="dave", channel="recovery")
        codes = enrolment.recovery_codes.codes
        assert len(codes) == 10
        assert codes[0] not in repr(enrolment)
        await api.verify(user_id=enrolment.user_id, code=codes[0], channel="recovery")
        user = await api.get_user(enrolment.user_id)
        assert user.recovery_codes.remaining == 9 and user.recovery_codes.codes == []

    run(scenario())


def test_intent_token_replaces_the_access_key_once(api_factory, sim):
    api = api_factory()

    async def scenario():
        await _active_push_user(api, sim, "erin")
        intent = await api.create_intent(operation="approve", username="erin", channels=["push"])
        assert intent.token and intent.token not in repr(intent)
        assert (await api.introspect(intent.token)).scope == "intent"
        approval = await api.approve(username="erin", channel="push", intent_token=intent.token)
        assert approval.transaction_id
        with_reused = None
        try:
            await api.approve(username="erin", channel="push", intent_token=intent.token)
        except Exception as err:  # noqa: BLE001 - the class is asserted below
            with_reused = err
        assert type(with_reused).__name__ == "PermissionDeniedError"

    run(scenario())


def test_user_and_authenticator_management(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await _active_push_user(api, sim, "frank")
        user = await api.get_user(enrolment.user_id)
        authenticator_id = user.authenticators[0].authenticator_id
        renamed = await api.rename_authenticator(authenticator_id, name="Work phone")
        assert isinstance(renamed, models.Authenticator) and renamed.name == "Work phone"

        azure = await api.find_aadb2c_user(str(uuid.uuid4()))
        assert not azure.exists and azure.parsed_authenticators() == []

        assert await api.delete_authenticator(authenticator_id) is None
        assert (await api.get_user(enrolment.user_id)).authenticators == []
        assert await api.delete_user(enrolment.user_id) is None
        after_delete = None
        try:
            await api.get_user(enrolment.user_id)
        except Exception as err:  # noqa: BLE001 - the class is asserted below
            after_delete = err
        assert after_delete is not None, "the deleted user is still there"
        assert type(after_delete).__name__ == "NotFoundError"

    run(scenario())


def test_azure_b2c_view_of_an_existing_user(api_factory, sim):
    api = api_factory()

    async def scenario():
        object_id = str(uuid.uuid4())
        await _active_push_user(api, sim, object_id)
        azure = await api.find_aadb2c_user(object_id)
        assert azure.exists and azure.username == object_id
        [authenticator] = azure.parsed_authenticators()
        assert authenticator.authenticator_id

    run(scenario())


def test_log_export(api_factory, sim):
    api = api_factory()

    async def scenario():
        await _active_push_user(api, sim, "grace")
        export = await api.export_logs(timespan="P1D", filter="grace")
        assert export.content_type.startswith("text/csv") and export.filename == "logs-export.csv"
        rows = export.rows()
        assert rows[0][:3] == ["timestamp", "eventId", "name"]
        assert len(rows) > 1 and all("grace" in ",".join(row).lower() for row in rows[1:])

    run(scenario())


def test_fido2_registration_and_login(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await api.enroll(username="gina", channel="fido2", display_name="Gina G.")
        options = enrolment.enrollment.credential_creation_options
        assert options["challenge"] and options["user"]["displayName"] == "Gina G."
        registered = await api.complete_attestation(
            credential={
                "type": "public-key",
                "id": "Y3JlZGVudGlhbC0x",
                "response": {
                    "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
                    "attestationObject": "YXR0ZXN0YXRpb24tb2JqZWN0",
                },
            },
            status_token=enrolment.status_token,
            user_friendly_name="Gina's laptop",
        )
        assert registered.status == "ok", registered
        approval = await api.approve(username="gina", channel="fido2")
        assert approval.credential_request_options["allowCredentials"]
        login = await api.complete_assertion(
            credential={
                "type": "public-key",
                "id": "Y3JlZGVudGlhbC0x",
                "response": {
                    "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
                    "authenticatorData": "YXV0aGVudGljYXRvci1kYXRh",
                    "signature": "c2lnbmF0dXJl",
                    "userHandle": "dXNlcg",
                },
            },
            status_token=approval.status_token,
        )
        assert login.status == "ok" and login.token and login.token not in repr(login)
        assert (await api.wait_for_status(approval.status_token, interval=0.02)).succeeded

    run(scenario())


def test_declined_fido2_ceremony_is_a_failed_result(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await api.enroll(username="hank", channel="fido2", display_name="Hank")
        sim.decline(enrolment.transaction_id)
        result = await api.complete_attestation(
            credential={
                "type": "public-key",
                "id": "aWQ",
                "response": {"clientDataJSON": "e30", "attestationObject": "YXR0ZXN0YXRpb24tb2JqZWN0"},
            },
            status_token=enrolment.status_token,
        )
        assert result.status == "failed" and result.error_message

    run(scenario())


def test_every_native_operation_is_a_method_of_both_clients():
    from nevis_authcloud import AsyncClient, Client, _native

    names = _native.operation_names()
    assert len(names) == 17
    for name in names:
        assert callable(getattr(Client, name)), name
        assert callable(getattr(AsyncClient, name)), name
