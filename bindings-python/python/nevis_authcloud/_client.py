"""The blocking client: one method per API operation, for WSGI apps, scripts and worker threads.

Every call runs in the Rust core on a process-wide runtime with the GIL released for the whole wait,
so other threads (a threaded WSGI server, a thread pool) keep running while one waits for the phone.
The client is thread-safe and keeps a connection pool: create one per instance at start-up and share
it. It also survives ``os.fork()`` (gunicorn, multiprocessing, Celery prefork): a child's first call
opens its own connections.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Type, TypeVar, overload

from . import _requests, models
from ._base import BaseClient
from ._config import Seconds
from .errors import InvalidRequestError

if TYPE_CHECKING:
    from .models import OperationChannel

_Self = TypeVar("_Self", bound="Client")


class Client(BaseClient):
    """A blocking client for one Authentication Cloud instance. See ``BaseClient.__init__`` for the
    keywords (``instance=``/``base_url=``, ``access_key=``, ``timeout=``, …)."""

    def _run(self, call: _requests.Call[_requests.T]) -> _requests.T:
        try:
            answer = self._native.call(call.operation, call.arguments)
        except InvalidRequestError as err:
            call.name_as_written(err)
            raise
        return call.result(answer)

    def close(self) -> None:
        """Closes the connection pool (shared with every ``with_options`` view): calls in flight end
        with ``ClientClosedError``, later calls raise it without sending anything."""
        self._native.close()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    # surface.py: begin operations (the one definition of each operation; make generate derives _async_client.py from it)
    def ping(self) -> None:
        """`GET /ping`: succeeds when the service answers `PONG`."""
        self._run(_requests.ping())

    # app, push, sms and fido2 (and the default, app) always answer with their `enrollment`.
    @overload
    def enroll(
        self,
        *,
        username: Optional[str] = ...,
        user_id: Optional[str] = ...,
        channel: OperationChannel = ...,
        phone: Optional[str] = ...,
        message: Optional[str] = ...,
        display_name: Optional[str] = ...,
        fido2_options: Optional[Mapping[str, Any]] = ...,
        intent_token: Optional[str] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> models.OperationEnrollResult: ...

    @overload
    def enroll(
        self,
        *,
        username: Optional[str] = ...,
        user_id: Optional[str] = ...,
        channel: str,
        phone: Optional[str] = ...,
        message: Optional[str] = ...,
        display_name: Optional[str] = ...,
        fido2_options: Optional[Mapping[str, Any]] = ...,
        intent_token: Optional[str] = ...,
        extra: Optional[Mapping[str, Any]] = ...,
    ) -> models.EnrollResult: ...

    def enroll(
        self,
        *,
        username: Optional[str] = None,
        user_id: Optional[str] = None,
        channel: str = "app",
        phone: Optional[str] = None,
        message: Optional[str] = None,
        display_name: Optional[str] = None,
        fido2_options: Optional[Mapping[str, Any]] = None,
        intent_token: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> models.EnrollResult:
        """`POST /api/v1/users/enroll`: start registering an authenticator on ``channel`` (``app``,
        ``push``, ``sms`` with ``phone``, ``fido2`` with ``display_name``, ``recovery``) for ``username``
        (created if new) or ``user_id``. ``intent_token`` replaces the access key; ``extra`` adds wire
        fields the SDK does not model."""
        return self._run(
            _requests.enroll(
                username=username,
                user_id=user_id,
                channel=channel,
                phone=phone,
                message=message,
                display_name=display_name,
                fido2_options=fido2_options,
                intent_token=intent_token,
                extra=extra,
            )
        )

    def approve(
        self,
        *,
        channel: Optional[str] = None,
        username: Optional[str] = None,
        user_id: Optional[str] = None,
        authenticator_id: Optional[str] = None,
        prompt: Optional[bool] = None,
        message: Optional[str] = None,
        notification_message: Optional[str] = None,
        fido2_options: Optional[Mapping[str, Any]] = None,
        intent_token: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> models.ApprovalResult:
        """`POST /api/v1/approval`: send a push, show a QR code (``app``), text a code (``sms``) or start
        a passkey login (``fido2``). ``channel=None`` (the default) sends no channel and the service
        uses its default, ``push``. ``prompt=True`` with ``message`` asks the user to confirm a
        transaction; an app/push ``message`` may use HTML as ``<html>…</html>`` with the tags
        ``b br em i strong u`` (no attributes). A user blocked by the push or SMS rate limit is
        refused with :class:`~nevis_authcloud.errors.BadRequestError` (see the user's
        ``exceeded_rate_limits``). Never re-sent automatically once the server may have acted."""
        return self._run(
            _requests.approve(
                channel=channel,
                username=username,
                user_id=user_id,
                authenticator_id=authenticator_id,
                prompt=prompt,
                message=message,
                notification_message=notification_message,
                fido2_options=fido2_options,
                intent_token=intent_token,
                extra=extra,
            )
        )

    def get_status(self, status_token: str) -> models.StatusResult:
        """`POST /api/v1/status`: where an operation stands (a failed one is ``status == "failed"``)."""
        return self._run(_requests.get_status(status_token))

    def wait_for_status(
        self,
        status_token: str,
        *,
        timeout: Optional[Seconds] = None,
        interval: Optional[Seconds] = None,
        max_interval: Optional[Seconds] = None,
    ) -> models.StatusResult:
        """Polls until the operation succeeded, failed or is unknown, and returns that status.

        Polls every ``interval`` seconds (default 1, growing by half up to ``max_interval``, default
        2) for at most ``timeout`` seconds (default 300); then raises ``APITimeoutError`` whose
        ``last_status`` is the last answer."""
        return self._run(
            _requests.wait_for_status(
                status_token,
                timeout=timeout,
                interval=interval,
                max_interval=max_interval,
            )
        )

    def verify(
        self,
        *,
        user_id: str,
        code: str,
        status_token: Optional[str] = None,
        channel: Optional[str] = None,
        intent_token: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """`POST /api/v1/users/{userId}/verification`: check an SMS code (with the ``status_token`` of
        its enrolment or approval) or spend a recovery code (``channel="recovery"``). Returns when the
        code is right; a wrong, expired or used code raises ``BadRequestError``."""
        self._run(
            _requests.verify(
                user_id=user_id,
                code=code,
                status_token=status_token,
                channel=channel,
                intent_token=intent_token,
                extra=extra,
            )
        )

    def create_intent(
        self,
        *,
        operation: str,
        username: Optional[str] = None,
        user_id: Optional[str] = None,
        channels: Optional[Sequence[str]] = None,
        extra: Optional[Mapping[str, Any]] = None,
    ) -> models.IntentResult:
        """`POST /api/v1/intent`: a one-time token (``operation`` ``"enroll"`` or ``"approve"``) that lets
        a browser start one operation for one user without the access key."""
        return self._run(
            _requests.create_intent(
                operation=operation,
                username=username,
                user_id=user_id,
                channels=channels,
                extra=extra,
            )
        )

    def introspect(self, token: str) -> models.IntrospectResult:
        """`POST /api/v1/introspect`: is this token valid, and what does it say? Trust a result only
        when ``active`` is true."""
        return self._run(_requests.introspect(token))

    def get_user(self, user_id: str) -> models.User:
        """`GET /api/v1/users/{userId}`."""
        return self._run(_requests.get_user(user_id))

    def find_user(self, username: str) -> models.User:
        """`GET /api/v1/users?username=`: the user with this username (``NotFoundError`` if none)."""
        return self._run(_requests.find_user(username))

    def delete_user(self, user_id: str) -> None:
        """`DELETE /api/v1/users/{userId}`: the user and everything registered to it."""
        self._run(_requests.delete_user(user_id))

    def find_aadb2c_user(self, object_id: str) -> models.AzureUser:
        """`GET /api/v1/aadb2c/users?objectId=`: the Azure AD B2C view of a user (check ``exists``)."""
        return self._run(_requests.find_aadb2c_user(object_id))

    def rename_authenticator(
        self,
        authenticator_id: str,
        *,
        name: str,
    ) -> models.Authenticator:
        """`PATCH /api/v1/authenticators/{authenticatorId}`."""
        return self._run(_requests.rename_authenticator(authenticator_id, name))

    def delete_authenticator(self, authenticator_id: str) -> None:
        """`DELETE /api/v1/authenticators/{authenticatorId}`."""
        self._run(_requests.delete_authenticator(authenticator_id))

    def export_logs(
        self,
        *,
        filter: Optional[str] = None,
        from_date: Optional[str] = None,
        to_date: Optional[str] = None,
        timespan: Optional[str] = None,
        status: Optional[str] = None,
        category: Optional[str] = None,
        channel: Optional[str] = None,
        actor_type: Optional[str] = None,
    ) -> models.LogExport:
        """`GET /api/v1/logs/export`: the audit log as CSV (``timespan`` like ``"P7D"``, or dates)."""
        return self._run(
            _requests.export_logs(
                filter=filter,
                from_date=from_date,
                to_date=to_date,
                timespan=timespan,
                status=status,
                category=category,
                channel=channel,
                actor_type=actor_type,
            )
        )

    def complete_attestation(
        self,
        *,
        credential: Mapping[str, Any],
        status_token: Optional[str] = None,
        user_friendly_name: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> models.Fido2Result:
        """`POST /_app/attestation/result`: finish a FIDO2 registration with the browser's credential
        (``type``, ``id``, ``response``). A rejected ceremony is ``status == "failed"``."""
        return self._run(
            _requests.complete_attestation(
                credential=credential,
                status_token=status_token,
                user_friendly_name=user_friendly_name,
                user_agent=user_agent,
            )
        )

    def complete_assertion(
        self,
        *,
        credential: Mapping[str, Any],
        status_token: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> models.Fido2Result:
        """`POST /_app/assertion/result`: finish a FIDO2 login with the browser's credential. A
        rejected ceremony is ``status == "failed"``."""
        return self._run(
            _requests.complete_assertion(
                credential=credential,
                status_token=status_token,
                user_agent=user_agent,
            )
        )

    # surface.py: end operations
