"""The typed results of the API calls.

Each result is a frozen dataclass with a snake_case attribute for every documented field of the
answer, built from the JSON the Rust core re-serialised from its typed response (so unknown fields
and enum values Nevis adds later are kept, not dropped). ``to_dict()`` gives that JSON back in the
API's camelCase shape, e.g. to hand FIDO2 options to a browser or to store a result.

Tokens (``status_token``, ``token``, recovery ``codes``) are ordinary ``str`` attributes for the
caller to use, but they are left out of ``repr()`` so a result that ends up in a log line or a
traceback does not leak them. Enumerations (``status``, ``channel``, …) are plain strings with the
wire values (``"succeeded"``, ``"push"``): new values from the server never break decoding.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Literal, Optional, Tuple, TypeVar, Union, get_args

__all__ = [
    "QrCode",
    "UafInfo",
    "Authenticator",
    "Phone",
    "RecoveryCodes",
    "User",
    "Enrollment",
    "EnrollResult",
    "OperationEnrollResult",
    "ApprovalResult",
    "StatusResult",
    "IntentResult",
    "IntrospectResult",
    "AzureUser",
    "Fido2Result",
    "LogExport",
]

Json = Dict[str, Any]
_Model = TypeVar("_Model", bound="_WireModel")


def _wire(name: str, parse: Optional[Callable[[Any], Any]] = None) -> Dict[str, Any]:
    """Field metadata: the wire name (when it is not the camelCase of the attribute) and a parser."""
    meta: Dict[str, Any] = {"wire": name}
    if parse is not None:
        meta["parse"] = parse
    return meta


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _secret(**kwargs: Any) -> Any:
    """A field holding a token or code: available as an attribute, never shown by ``repr()``."""
    return field(repr=False, **kwargs)


# How each model class reads its wire JSON: (attribute, wire name, parser, default, default factory)
# per field, worked out once per class. A status poll builds one of these objects per call, so the
# per-call work is one pass over this plan instead of inspecting the dataclass fields again.
_Plan = Tuple[Tuple[str, str, Optional[Callable[[Any], Any]], Any, Optional[Callable[[], Any]]], ...]
_PLANS: Dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = []
    for item in dataclasses.fields(cls):
        if item.name == "_raw":
            continue
        factory = None if item.default_factory is dataclasses.MISSING else item.default_factory
        default = None if item.default is dataclasses.MISSING else item.default
        wire = item.metadata.get("wire", _camel(item.name))
        plan.append((item.name, wire, item.metadata.get("parse"), default, factory))
    _PLANS[cls] = tuple(plan)
    return _PLANS[cls]


@dataclass(frozen=True)
class _WireModel:
    """Builds a dataclass from its wire JSON and remembers that JSON for ``to_dict()``."""

    _raw: Json = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls: type[_Model], data: Json) -> _Model:
        plan = _PLANS.get(cls) or _plan(cls)
        values: Dict[str, Any] = {"_raw": data}
        for name, wire, parse, default, factory in plan:
            value = data.get(wire)
            if value is None:
                values[name] = default if factory is None else factory()
            else:
                values[name] = value if parse is None else parse(value)
        # What the generated __init__ would do (these models have no __post_init__), without its
        # frozen-dataclass object.__setattr__ per field.
        model = object.__new__(cls)
        model.__dict__.update(values)
        return model

    def to_dict(self) -> Json:
        """The JSON object the server sent (camelCase keys), as a fresh copy."""
        return copy.deepcopy(self._raw)

    def to_json(self) -> str:
        """``to_dict()`` as JSON text."""
        return json.dumps(self._raw)


def _list_of(model: type[_Model]) -> Callable[[Any], List[_Model]]:
    return lambda items: [model.from_dict(item) for item in items]


@dataclass(frozen=True)
class QrCode(_WireModel):
    """A QR code image to show (``data_uri`` is ready for an ``<img src>``)."""

    type: Optional[str] = None
    size: Optional[int] = None
    data_uri: Optional[str] = field(default=None, repr=False)


@dataclass(frozen=True)
class UafInfo(_WireModel):
    """FIDO UAF details of an app authenticator."""

    user_agent: Optional[str] = None
    device_ref: Optional[str] = None
    user_disabled_push_notification: Optional[bool] = None


@dataclass(frozen=True)
class Authenticator(_WireModel):
    """A registered Access App instance or FIDO2 credential."""

    authenticator_id: str = ""
    name: Optional[str] = None
    #: The phone platform of an app authenticator (``"ios"``, ``"android"``); ``type`` on the wire.
    platform: Optional[str] = field(default=None, metadata=_wire("type"))
    #: ``"app"`` or ``"fido2"``.
    authenticator_type: str = ""
    state: Optional[str] = None
    enrolled_at: Optional[str] = None
    updated_at: Optional[str] = None
    uaf: Optional[UafInfo] = field(default=None, metadata=_wire("uaf", UafInfo.from_dict))


@dataclass(frozen=True)
class Phone(_WireModel):
    """A phone number registered for SMS codes."""

    phone_id: Optional[str] = None
    phone: Optional[str] = None
    status: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None


@dataclass(frozen=True)
class RecoveryCodes(_WireModel):
    """A user's recovery code set; ``codes`` is filled only in the response of a recovery enrolment."""

    codes: List[str] = _secret(default_factory=list)  # noqa: RUF009 - _secret is dataclasses.field, hidden from repr
    created_at: Optional[str] = None
    remaining: Optional[int] = None


@dataclass(frozen=True)
class User(_WireModel):
    """A user of the instance with everything registered to it."""

    user_id: str = ""
    username: Optional[str] = None
    #: ``"new"`` until the first authenticator is confirmed, then ``"active"``.
    status: str = ""
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    last_login_date_success: Optional[str] = None
    last_login_date_failure: Optional[str] = None
    authenticators: List[Authenticator] = field(
        default_factory=list, metadata=_wire("authenticators", _list_of(Authenticator))
    )
    phones: List[Phone] = field(default_factory=list, metadata=_wire("phones", _list_of(Phone)))
    recovery_codes: Optional[RecoveryCodes] = field(
        default=None, metadata=_wire("recoveryCodes", RecoveryCodes.from_dict)
    )
    #: The channels (``"sms"``, ``"push"``) whose rate limit blocks the user; ``None`` when not blocked.
    exceeded_rate_limits: Optional[List[str]] = None


@dataclass(frozen=True)
class Enrollment(_WireModel):
    """The channel-specific part of an enrolment: what to show, and the token to poll."""

    transaction_id: str = ""
    status_token: str = _secret(default="")
    qr_code: Optional[QrCode] = field(default=None, metadata=_wire("qrCode", QrCode.from_dict))
    app_link_uri: Optional[str] = None
    #: fido2: the WebAuthn options for ``navigator.credentials.create()``, in their JSON form.
    credential_creation_options: Optional[Json] = field(default=None, repr=False)


@dataclass(frozen=True)
class EnrollResult(User):
    """The user (created or found) plus the channel-specific ``enrollment``."""

    #: Absent for ``recovery``, whose codes are in ``recovery_codes``.
    enrollment: Optional[Enrollment] = field(default=None, metadata=_wire("enrollment", Enrollment.from_dict))

    @property
    def status_token(self) -> Optional[str]:
        """The token to poll (app, push, fido2) or to verify the SMS code with."""
        return self.enrollment.status_token if self.enrollment is not None else None

    @property
    def transaction_id(self) -> Optional[str]:
        return self.enrollment.transaction_id if self.enrollment is not None else None


#: The channels whose enrolment starts an operation to confirm (and so answers with ``enrollment``):
#: the type of ``channel`` in the clients' ``enroll`` overload that returns ``OperationEnrollResult``.
OperationChannel = Union[Literal["app"], Literal["push"], Literal["sms"], Literal["fido2"]]
OPERATION_CHANNELS: Tuple[str, ...] = tuple(get_args(literal)[0] for literal in get_args(OperationChannel))


@dataclass(frozen=True)
class OperationEnrollResult(EnrollResult):
    """The answer to an enrolment on ``app``, ``push``, ``sms`` or ``fido2``: the SDK refuses such an
    answer without its ``enrollment`` (a ``DecodeError``), so ``transaction_id`` and
    ``status_token`` are always there."""

    @property
    def status_token(self) -> str:
        """The token to poll (app, push, fido2) or to verify the SMS code with."""
        return self._enrollment().status_token

    @property
    def transaction_id(self) -> str:
        return self._enrollment().transaction_id

    def _enrollment(self) -> Enrollment:
        if self.enrollment is None:  # only a result built by hand; decoding refuses it
            from .errors import DecodeError

            raise DecodeError("this enrolment result has no enrollment")
        return self.enrollment


@dataclass(frozen=True)
class ApprovalResult(_WireModel):
    """A started approval: poll ``status_token`` (app, push, fido2) or verify the SMS code with it."""

    transaction_id: str = ""
    status_token: str = _secret(default="")
    user_id: Optional[str] = None
    authenticator_id: Optional[str] = None
    qr_code: Optional[QrCode] = field(default=None, metadata=_wire("qrCode", QrCode.from_dict))
    app_link_uri: Optional[str] = None
    #: fido2: the WebAuthn options for ``navigator.credentials.get()``, in their JSON form.
    credential_request_options: Optional[Json] = field(default=None, repr=False)


@dataclass(frozen=True)
class StatusResult(_WireModel):
    """Where an enrolment or approval stands. A failed operation is ``status == "failed"``."""

    #: ``"pending"``, ``"succeeded"``, ``"failed"`` or ``"unknown"`` (the token is not known).
    status: str = ""
    transaction_id: Optional[str] = None
    user_id: Optional[str] = None
    username: Optional[str] = None
    #: The transaction token with the verifiable result; check it with ``introspect``.
    token: Optional[str] = _secret(default=None)
    created_at: Optional[str] = None
    last_updated_at: Optional[str] = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @property
    def is_terminal(self) -> bool:
        """True once polling can stop."""
        return self.status in ("succeeded", "failed", "unknown")


@dataclass(frozen=True)
class IntentResult(_WireModel):
    """A one-time intent token for a browser (valid ~10 minutes, one operation, one user)."""

    token: str = _secret(default="")


@dataclass(frozen=True)
class IntrospectResult(_WireModel):
    """What the server says about a token. Trust a result only when ``active`` is true."""

    active: bool = False
    iat: Optional[int] = None
    nbf: Optional[int] = None
    exp: Optional[int] = None
    sub: Optional[str] = None
    aud: Optional[str] = None
    iss: Optional[str] = None
    jti: Optional[str] = None
    #: The token kind: ``"access"``, ``"status"``, ``"transaction"`` or ``"intent"``.
    scope: Optional[str] = None


@dataclass(frozen=True)
class AzureUser(_WireModel):
    """The Azure AD B2C view of a user; ``exists`` is false for an unknown object id."""

    user_id: Optional[str] = None
    username: Optional[str] = None
    status: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    last_login_date_success: Optional[str] = None
    last_login_date_failure: Optional[str] = None
    #: The app authenticators as one JSON text, exactly as the endpoint sends it.
    authenticators: str = ""

    @property
    def exists(self) -> bool:
        return self.user_id is not None

    def parsed_authenticators(self) -> List[Authenticator]:
        """The ``authenticators`` text parsed into :class:`Authenticator` objects."""
        if not self.authenticators.strip():
            return []
        items = json.loads(self.authenticators)
        return [Authenticator.from_dict(item) for item in items]


@dataclass(frozen=True)
class Fido2Result(_WireModel):
    """The outcome of a FIDO2 ceremony; a rejected one is ``status == "failed"``."""

    #: ``"ok"`` or ``"failed"``.
    status: str = ""
    error_message: str = ""
    #: A signed result token to check with ``introspect``.
    token: Optional[str] = _secret(default=None)


@dataclass(frozen=True)
class LogExport(_WireModel):
    """The audit log export: CSV text plus what the response headers said about it."""

    text: str = field(default="", repr=False)
    content_type: Optional[str] = None
    filename: Optional[str] = None

    def __len__(self) -> int:
        return len(self.text)

    def rows(self) -> List[List[str]]:
        """The CSV parsed into rows (the first row is the header)."""
        import csv
        import io

        return list(csv.reader(io.StringIO(self.text)))
