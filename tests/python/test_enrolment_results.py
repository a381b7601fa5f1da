"""An enrolment on app, push, sms or fido2 is typed as carrying its transaction id and status token
(``OperationEnrollResult``, which the core guarantees by refusing an answer without them); recovery
is the plain ``EnrollResult``, whose ``enrollment`` may be absent."""

from __future__ import annotations

import pytest

from nevis_authcloud import EnrollResult, OperationEnrollResult
from nevis_authcloud.testing import Simulator


def test_operation_channels_answer_with_their_enrollment(authcloud_sim: Simulator) -> None:
    with authcloud_sim.client(timeout=5) as client:
        for enrolment in (client.enroll(username="dora"), client.enroll(username="dora", channel="push")):
            assert isinstance(enrolment, OperationEnrollResult)
            assert enrolment.enrollment is not None
            assert enrolment.transaction_id == enrolment.enrollment.transaction_id != ""
            assert enrolment.status_token == enrolment.enrollment.status_token != ""
        recovery = client.enroll(username="dora", channel="recovery")
        assert type(recovery) is EnrollResult
        assert recovery.enrollment is None and recovery.transaction_id is None


@pytest.mark.asyncio
async def test_the_async_client_types_them_alike(authcloud_sim: Simulator) -> None:
    async with authcloud_sim.async_client(timeout=5) as client:
        enrolment = await client.enroll(username="erin", channel="push")
        assert isinstance(enrolment, OperationEnrollResult)
        authcloud_sim.accept(enrolment)
        status = await client.wait_for_status(enrolment.status_token, interval=0.02, timeout=5)
        assert status.succeeded
