"""Nevis Authentication Cloud SDK for Python: passwordless login and transaction signing.

    from nevis_authcloud import Client

    with Client(instance="acme-123", access_key=KEY) as client:
        approval = client.approve(username="alice", channel="push", prompt=True, message="Pay CHF 10?")
        status = client.wait_for_status(approval.status_token, timeout=120)
        if status.succeeded and client.introspect(status.token).active:
            ...

``AsyncClient`` offers the same methods as coroutines. Errors are in :mod:`nevis_authcloud.errors`,
results in :mod:`nevis_authcloud.models`; logs go to the standard logger ``nevis_authcloud``.
The work is done by the SDK's Rust core (``nevis_authcloud._native``), shared with the Node and C SDKs.
"""

from __future__ import annotations

import atexit
import logging

from . import _native, errors, models
from ._async_client import AsyncClient
from ._client import Client
from ._config import ClientConfig
from ._opentelemetry import enable_opentelemetry

# surface.py: begin error-imports (generated from docs/api/surface.json by `make generate`)
from .errors import (
    APIConnectionError,
    ApiError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConfigurationTypeError,
    ConflictError,
    DecodeError,
    InternalError,
    InvalidRequestError,
    InvalidRequestTypeError,
    MethodNotAllowedError,
    NevisError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    RequestCancelledError,
    ServerError,
    TlsError,
    UnsupportedMediaTypeError,
)

# surface.py: end error-imports
from .models import (
    ApprovalResult,
    Authenticator,
    AzureUser,
    EnrollResult,
    Fido2Result,
    IntentResult,
    IntrospectResult,
    LogExport,
    OperationEnrollResult,
    StatusResult,
    User,
)

__version__: str = _native.__version__

__all__ = [
    "__version__",
    "Client",
    "AsyncClient",
    "ClientConfig",
    "enable_opentelemetry",
    "errors",
    "models",
    # surface.py: begin error-exports (generated from docs/api/surface.json by `make generate`)
    "APIConnectionError",
    "ApiError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConfigurationTypeError",
    "ConflictError",
    "DecodeError",
    "InternalError",
    "InvalidRequestError",
    "InvalidRequestTypeError",
    "MethodNotAllowedError",
    "NevisError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "RequestCancelledError",
    "ServerError",
    "TlsError",
    "UnsupportedMediaTypeError",
    # surface.py: end error-exports
    "ApprovalResult",
    "Authenticator",
    "AzureUser",
    "EnrollResult",
    "Fido2Result",
    "IntentResult",
    "OperationEnrollResult",
    "IntrospectResult",
    "LogExport",
    "StatusResult",
    "User",
]

# A library logs, the application decides where to: no output unless the app configures logging.
logging.getLogger(__name__).addHandler(logging.NullHandler())

# Stop Rust threads from touching Python before the interpreter finalizes (see src/shutdown.rs).
atexit.register(_native.begin_shutdown)
