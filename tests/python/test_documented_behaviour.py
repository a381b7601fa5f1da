"""Behaviour the API reference documents, seen through the SDK: the push message's HTML tags, the
FIDO2 registration defaults and a user blocked by the rate limits."""

from __future__ import annotations

import pytest
from conftest import run
from test_operations import _active_push_user

from nevis_authcloud import errors


def test_a_prompt_may_underline_text(api_factory, sim):
    api = api_factory()

    async def scenario():
        await _active_push_user(api, sim, "ursula")
        message = "<html><u>Pay</u> <b>CHF 10</b> to <i>Bob</i>?</html>"
        approval = await api.approve(username="ursula", channel="push", prompt=True, message=message)
        [operation] = [op for op in sim.operations() if op["transactionId"] == approval.transaction_id]
        assert operation["message"] == message
        sim.accept(approval.transaction_id)
        assert (await api.wait_for_status(approval.status_token, timeout=10, interval=0.02)).succeeded

    run(scenario())


def test_fido2_registration_defaults_and_options(api_factory, sim):
    api = api_factory()

    async def scenario():
        plain = await api.enroll(username="fay", channel="fido2", display_name="Fay")
        options = plain.enrollment.credential_creation_options
        assert options["authenticatorSelection"] == {
            "requireResidentKey": True,
            "authenticatorAttachment": "platform",
            "userVerification": "preferred",
        }
        assert options["timeout"] == 10000 and options["attestation"] == "direct"

        chosen = await api.enroll(
            username="gus",
            channel="fido2",
            display_name="Gus",
            fido2_options={
                "attestation": "none",
                "authenticatorSelection": {"authenticatorAttachment": "cross-platform"},
            },
        )
        options = chosen.enrollment.credential_creation_options
        assert options["authenticatorSelection"] == {
            "authenticatorAttachment": "cross-platform",
            "userVerification": "preferred",
        }
        assert options["attestation"] == "none"

    run(scenario())


def test_a_user_blocked_by_the_push_rate_limit(api_factory, sim):
    api = api_factory()

    async def scenario():
        enrolment = await _active_push_user(api, sim, "blocked")
        assert (await api.get_user(enrolment.user_id)).exceeded_rate_limits is None
        assert sim.block_user(enrolment.user_id, "push")["exceededRateLimits"] == ["push"]

        user = await api.get_user(enrolment.user_id)
        assert user.exceeded_rate_limits == ["push"]
        assert (await api.find_user("blocked")).exceeded_rate_limits == ["push"]
        before = sim.stats()["created"]["approval"]
        with pytest.raises(errors.BadRequestError) as refused:
            await api.approve(username="blocked", channel="push")
        assert refused.value.kind == "bad_request" and refused.value.status == 400
        assert "push rate limit" in (refused.value.message or "")
        assert refused.value.may_have_been_applied == "no"
        assert sim.stats()["created"]["approval"] == before, "a blocked user gets no push"

        sim.unblock_user(enrolment.user_id)
        assert (await api.get_user(enrolment.user_id)).exceeded_rate_limits is None
        approval = await api.approve(username="blocked", channel="push")
        assert approval.user_id == enrolment.user_id

    run(scenario())


def test_the_azure_lookup_takes_only_a_uuid(api_factory, sim):
    api = api_factory()

    async def scenario():
        with pytest.raises(errors.InvalidRequestError) as refused:
            await api.find_aadb2c_user("alice")
        assert refused.value.field == "object_id"
        assert sim.stats()["requests"] == 0, "nothing was sent"

    run(scenario())
