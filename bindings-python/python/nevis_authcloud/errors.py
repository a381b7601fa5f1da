"""The exceptions of the SDK.

Every failure is a :class:`NevisError`. The Rust core decides *what* went wrong as one of a closed
set of kinds (``err.kind``, the core's ``ErrorKind.as_str()``), and each kind has its own class
here, so callers write ``except NotFoundError`` instead of comparing strings. The classes are
defined in Python, not in the native module, so they can be subclassed, pickled (to Celery or
multiprocessing workers) and constructed in the caller's own tests.

The attribute a login path cares about most after a failure is :attr:`NevisError.may_have_been_applied`:
``"no"`` (safe to try again: nothing happened), ``"yes"`` or ``"unknown"`` (a push or an SMS may
already be on its way: do not send another one blindly). Whether trying again later may help
(:attr:`NevisError.retryable`) and how long the server asked to wait (:attr:`NevisError.retry_after`)
are the core's answers too, the same in every language of the SDK.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Union

from . import _native
from .models import StatusResult

__all__ = [
    "NevisError",
    "NativeCause",
    "ApiError",
    # surface.py: begin error-exports (generated from docs/api/surface.json by `make generate`)
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "MethodNotAllowedError",
    "ConflictError",
    "PreconditionFailedError",
    "UnsupportedMediaTypeError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "APITimeoutError",
    "APIConnectionError",
    "TlsError",
    "DecodeError",
    "InvalidRequestError",
    "ConfigurationError",
    "RequestCancelledError",
    "ClientClosedError",
    "InternalError",
    # surface.py: end error-exports
    "InvalidRequestTypeError",
    "ConfigurationTypeError",
]


class NevisError(Exception):
    """The root of every error raised by the SDK.

    ``str(err)`` is the full description (kind, detail, and the method and path of the call).
    """

    #: The core's name for what went wrong, e.g. ``"not_found"`` or ``"timeout"``.
    kind: str
    #: True when the same call may succeed if tried again later (the core's retry policy).
    retryable: bool
    #: ``"no"``, ``"yes"`` or ``"unknown"``: could the server have acted (sent the push, the SMS)?
    may_have_been_applied: str
    #: How many HTTP attempts were made (0 when the call failed before sending).
    attempts: int
    #: For invalid requests and configuration errors: the field or setting at fault.
    field: Optional[str]
    #: How long the server asked to wait before trying again (429 and some 503), in seconds.
    retry_after: Optional[float]
    #: The method and path of the failed call, e.g. ``"GET"`` and ``"/api/v1/users"``.
    request_method: Optional[str]
    request_path: Optional[str]
    #: For a ``wait_for_status`` that timed out or was cancelled: the last status seen.
    last_status: Optional[StatusResult]

    def __init__(
        self,
        text: str,
        /,
        *,
        kind: Optional[str] = None,
        retryable: Optional[bool] = None,
        may_have_been_applied: str = "no",
        attempts: int = 0,
        field: Optional[str] = None,
        retry_after: Optional[float] = None,
        request_method: Optional[str] = None,
        request_path: Optional[str] = None,
        last_status: Union[StatusResult, Mapping[str, Any], None] = None,
    ) -> None:
        super().__init__(text)
        self.kind = kind if kind is not None else _default_kind(type(self))
        self.retryable = retryable if retryable is not None else self.kind in _RETRYABLE_KINDS
        self.may_have_been_applied = may_have_been_applied
        self.attempts = attempts
        self.field = field
        self.retry_after = retry_after
        self.request_method = request_method
        self.request_path = request_path
        if last_status is not None and not isinstance(last_status, StatusResult):
            last_status = StatusResult.from_dict(dict(last_status))
        self.last_status = last_status


class NativeCause(Exception):
    """The Rust error chain behind a :class:`NevisError`, kept as its ``__cause__``."""


class _Unredacted:
    """Holds an error answer's bytes as received, showing nothing of them in ``repr``, ``vars()`` or a
    traceback's locals, so only :meth:`ApiError.raw_body` hands them out."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"<unredacted body: {len(self.data)} bytes>"

    def __reduce__(self) -> Any:
        return (_Unredacted, (self.data,))


class ApiError(NevisError):
    """The server answered with an HTTP error status; the fields of its error body are attributes.

    A server (or a proxy) may echo what it received. Every text here (``str(err)``, ``message``,
    ``error``, ``path``, ``body``) has the call's secrets (access key, tokens, codes) replaced by
    ``[redacted]``; only :meth:`raw_body` returns the answer as it arrived.
    """

    #: The HTTP status, e.g. 404.
    status: Optional[int]
    #: The reason phrase from the body, e.g. ``"Not Found"``.
    error: Optional[str]
    #: The server's detail message (absent on 401/403).
    message: Optional[str]
    #: The request path as the server saw it.
    path: Optional[str]
    #: ISO-8601 text on most errors, epoch milliseconds on 401/403.
    timestamp: Union[str, int, None]
    #: The error body as text, secrets redacted (cut at 8 KiB).
    body: str

    def __init__(
        self,
        text: str,
        /,
        *,
        status: Optional[int] = None,
        error: Optional[str] = None,
        message: Optional[str] = None,
        path: Optional[str] = None,
        timestamp: Union[str, int, None] = None,
        body: str = "",
        raw_body: bytes = b"",
        **details: Any,
    ) -> None:
        super().__init__(text, **details)
        self.status = status
        self.error = error
        self.message = message
        self.path = path
        self.timestamp = timestamp
        self.body = body
        self._raw_body = _Unredacted(bytes(raw_body))

    def raw_body(self) -> bytes:
        """The error body exactly as received, **unredacted**: if the server echoed the access key or
        a token, it is in these bytes. Never log them; they are for debugging a server by hand."""
        return self._raw_body.data


# One class per kind of the core, documented with the core's doc of the kind. The classes with
# more than that (another base, a doc of their own) are written by hand below and listed in
# PYTHON_HAND_WRITTEN of scripts/surface.py.
# surface.py: begin error-classes (generated from docs/api/surface.json by `make generate`)
class BadRequestError(ApiError):
    """400 (and any other 4xx the API does not document): the server rejected the request; the message of its answer
    names the field and the rule."""


class AuthenticationError(ApiError):
    """401: no credential was sent."""


class PermissionDeniedError(ApiError):
    """403: the access key or intent token is not valid for this call."""


class NotFoundError(ApiError):
    """404: unknown user, username, authenticator or path."""


class MethodNotAllowedError(ApiError):
    """405: wrong method for the path."""


class ConflictError(ApiError):
    """409: duplicate content (e.g. the phone number is already registered)."""


class PreconditionFailedError(ApiError):
    """412: a precondition failed (the API uses it for failed operations in status polling)."""


class UnsupportedMediaTypeError(ApiError):
    """415: the request body had a media type the endpoint does not take."""


class PayloadTooLargeError(ApiError):
    """413: the request body was too large."""


class ServerError(ApiError):
    """5xx: the server failed."""


class APIConnectionError(NevisError):
    """The connection could not be made or broke."""


class DecodeError(NevisError):
    """The server answered with something that is not the documented shape."""


class RequestCancelledError(NevisError):
    """The caller cancelled the call."""


# surface.py: end error-classes


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` says how long the server asked to wait."""


class TlsError(APIConnectionError):
    """TLS failed: the certificate is not trusted, expired or for another host."""


class APITimeoutError(NevisError, TimeoutError):
    """No answer in time (connect, request, call deadline), or a wait that ran out."""


class InvalidRequestError(NevisError, ValueError):
    """The request was rejected before sending: ``field`` breaks a rule the API documents.

    ``field`` is the keyword as the caller wrote it (``user_id``), with a path into mappings
    (``extra.x``, ``fido2_options.authenticatorSelection.userVerification``, ``channels[0]``). A
    ``ValueError`` too, so generic handlers catch it.
    """


class InvalidRequestTypeError(InvalidRequestError, TypeError):
    """An argument of the wrong type (``username=42``, a non-JSON value in ``extra``): an
    :class:`InvalidRequestError` that is also a ``TypeError``, as Python code expects for a type."""


class ConfigurationError(NevisError, ValueError):
    """The client configuration is unusable; ``field`` names the setting (the constructor keyword)."""


class ConfigurationTypeError(ConfigurationError, TypeError):
    """A client setting of the wrong type (``max_retries="3"``): a :class:`ConfigurationError`
    that is also a ``TypeError``."""


class ClientClosedError(NevisError, RuntimeError):
    """The client was used after ``close()`` (kind ``closed``)."""


class InternalError(NevisError, RuntimeError):
    """A bug inside the SDK ended the call (kind ``internal``); please report it. The call may have
    been sent before, so ``may_have_been_applied`` is ``"unknown"``."""


# The class the native layer raises for each of the core's kinds (its exhaustive table), turned
# around: the kind an error constructed by hand gets from its class.
_DEFAULT_KINDS = {class_name: kind for kind, class_name in _native.error_classes()}
_RETRYABLE_KINDS = frozenset(_native.retryable_kinds())


def _default_kind(cls: type) -> str:
    """The kind of an error constructed by hand (without ``kind=``): the kind of its class."""
    for klass in cls.__mro__:
        if klass.__name__ in _DEFAULT_KINDS:
            return _DEFAULT_KINDS[klass.__name__]
    return "api_error" if issubclass(cls, ApiError) else "error"
