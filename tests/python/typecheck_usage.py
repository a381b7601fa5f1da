"""Uses the whole public API with full annotations; `mypy --strict` must accept it (test_typing.py).

Not a test module (pytest does not collect it): it is only type-checked, never run.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import List, Optional

import nevis_authcloud
from nevis_authcloud import (
    APITimeoutError,
    AsyncClient,
    Client,
    ClientConfig,
    NevisError,
    NotFoundError,
    RateLimitError,
    models,
)
from nevis_authcloud.testing import Simulator


def blocking(client: Client) -> Optional[str]:
    client.ping()
    enrolment: models.EnrollResult = client.enroll(username="alice", channel="sms", phone="+41791234567")
    token: Optional[str] = enrolment.status_token
    qr: Optional[models.QrCode] = enrolment.enrollment.qr_code if enrolment.enrollment else None
    # app, push, sms and fido2 (and the default, app) always answer with their enrollment ...
    push_token: str = client.enroll(username="alice", channel="push").status_token
    default_transaction: str = client.enroll(username="alice").transaction_id
    # ... recovery, or a channel known only at run time, may not.
    recovery: models.EnrollResult = client.enroll(username="alice", channel="recovery")
    no_transaction: str = recovery.transaction_id  # type: ignore[assignment]
    some_channel: str = "push"
    unknown_token: str = client.enroll(username="alice", channel=some_channel).status_token  # type: ignore[assignment]
    approval: models.ApprovalResult = client.approve(
        username="alice", channel="push", prompt=True, message="Pay?", intent_token=None
    )
    by_default: models.ApprovalResult = client.approve(username="alice")  # no channel: the service's push
    status: models.StatusResult = client.get_status(by_default.status_token)
    waited = client.wait_for_status(approval.status_token, timeout=timedelta(seconds=30), interval=0.5)
    client.verify(user_id=enrolment.user_id, code="123456", status_token=token)
    intent: models.IntentResult = client.create_intent(operation="approve", username="alice", channels=["push"])
    introspection: models.IntrospectResult = client.introspect(intent.token)
    user: models.User = client.get_user(enrolment.user_id)
    found: models.User = client.find_user("alice")
    authenticators: List[models.Authenticator] = found.authenticators
    renamed: models.Authenticator = client.rename_authenticator(authenticators[0].authenticator_id, name="x")
    client.delete_authenticator(renamed.authenticator_id)
    azure: models.AzureUser = client.find_aadb2c_user("00000000-0000-4000-8000-000000000000")
    exists: bool = azure.exists
    export: models.LogExport = client.export_logs(timespan="P1D")
    rows: List[List[str]] = export.rows()
    attested: models.Fido2Result = client.complete_attestation(credential={"type": "public-key"})
    asserted: models.Fido2Result = client.complete_assertion(credential={"type": "public-key"}, status_token="t")
    client.delete_user(user.user_id)
    config: ClientConfig = client.config
    cap: int = config.max_connections
    login: Client = client.with_options(
        timeout=2, deadline=timedelta(seconds=5), max_retries=0, max_retry_after=1.5, retry_non_idempotent=False
    )
    login.ping()
    del qr, status, introspection, exists, rows, attested, asserted, config, cap
    return waited.token


async def nonblocking(client: AsyncClient) -> bool:
    async with client:
        await client.ping()
        fast: AsyncClient = client.with_options(timeout=1.0)
        await fast.ping()
        enrolled: models.OperationEnrollResult = await client.enroll(username="bob", channel="push")
        poll_with: str = enrolled.status_token
        del poll_with
        approval = await client.approve(username="bob", channel="push")
        try:
            status = await client.wait_for_status(approval.status_token, timeout=60, interval=1)
        except APITimeoutError as err:
            last: Optional[models.StatusResult] = err.last_status
            return last is not None and last.pending
        except RateLimitError as err:
            delay: Optional[float] = err.retry_after
            return delay is not None
        except NotFoundError as err:
            code: Optional[int] = err.status
            return code == 404
        except NevisError as err:
            return err.may_have_been_applied == "no"
        found = await client.find_user("bob")
        await client.delete_user(found.user_id)
        return status.succeeded


def main() -> None:
    with Simulator() as sim:
        with Client(
            base_url=sim.base_url, access_key=sim.access_key, timeout=5.0, max_retries=1, max_connections=4
        ) as client:
            blocking(client)
        asyncio.run(nonblocking(sim.async_client(ca_certs=None, app_info="typecheck/1")))
    version: str = nevis_authcloud.__version__
    del version
