"""The simulator's phone (``authcloud_sim.accept`` / ``decline`` / ``expire``) takes what a test has
at hand: the result of ``enroll`` or ``approve``, or a transaction id."""

from __future__ import annotations

import pytest

from nevis_authcloud.testing import Simulator, SimulatorError


def test_the_phone_acts_on_enroll_and_approve_results(authcloud_sim: Simulator) -> None:
    with authcloud_sim.client(timeout=5) as client:
        enrolment = client.enroll(username="bob", channel="push")
        authcloud_sim.accept(enrolment)
        approval = client.approve(username="bob", channel="push")
        authcloud_sim.decline(approval)
        assert client.wait_for_status(approval.status_token, interval=0.02, timeout=5).failed
        second = client.approve(username="bob", channel="push")
        authcloud_sim.accept(second.transaction_id)
        assert client.wait_for_status(second.status_token, interval=0.02, timeout=5).succeeded


def test_a_result_without_an_operation_is_refused_by_name(authcloud_sim: Simulator) -> None:
    with authcloud_sim.client(timeout=5) as client:
        recovery = client.enroll(username="bob", channel="recovery")
        with pytest.raises(SimulatorError, match=r"^operation: .*recovery"):
            authcloud_sim.accept(recovery)
        with pytest.raises(SimulatorError, match=r"^operation: expected .* not int"):
            authcloud_sim.expire(42)  # type: ignore[arg-type]
