"""Turns the keyword arguments of the client methods into the core's wire-shaped requests.

Both clients share this module, so ``Client.enroll(...)`` and ``await AsyncClient.enroll(...)`` send
exactly the same request. Each function returns the operation name and its JSON arguments for
``_native.NativeClient.call``/``call_async`` plus the parser of the answer. Only the *types* of the
arguments are checked here (so a wrong type names its keyword); the API's rules (username
characters, phone format, message length, …) are checked once, in the Rust core.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable, Dict, Generic, Mapping, Optional, Sequence, TypeVar, Union

from . import models
from .errors import InvalidRequestError

T = TypeVar("T")
Seconds = Union[float, int, timedelta]


class Call(Generic[T]):
    """One prepared operation: its native name, its JSON arguments and how to read its answer."""

    __slots__ = ("operation", "arguments", "parse")

    def __init__(self, operation: str, arguments: Dict[str, Any], parse: Callable[[Any], T]) -> None:
        self.operation = operation
        self.arguments = json.dumps(arguments)
        self.parse = parse

    def take_arguments(self) -> str:
        """The arguments' JSON, handed over once: a call awaiting its answer keeps no copy (10,000
        concurrent waits would otherwise hold 10,000 of them)."""
        arguments, self.arguments = self.arguments, ""
        return arguments

    def result(self, answer: str) -> T:
        return self.parse(json.loads(answer))


def _nothing(_: Any) -> None:
    return None


def _text(field: str, value: Any, required: bool = False) -> Optional[str]:
    if value is None:
        if required:
            raise InvalidRequestError(f"invalid_request: {field}: is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"invalid_request: {field}: must be a string", field=field)
    return value


def _required(field: str, value: Any) -> str:
    text = _text(field, value, required=True)
    assert text is not None
    return text


def _flag(field: str, value: Any) -> Optional[bool]:
    if value is not None and not isinstance(value, bool):
        raise InvalidRequestError(f"invalid_request: {field}: must be True or False", field=field)
    return value  # type: ignore[no-any-return]


def _mapping(field: str, value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidRequestError(f"invalid_request: {field}: must be a mapping", field=field)
    return dict(value)


def _seconds(field: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequestError(f"invalid_request: {field}: must be a number of seconds", field=field)
    return float(value)


def _wire_object(fields: Mapping[str, Any], extra: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Drops the fields left at ``None`` and adds the caller's extra wire fields."""
    body = {name: value for name, value in fields.items() if value is not None}
    extra_fields = _mapping("extra", extra)
    if extra_fields:
        body.update(extra_fields)
    return body


def ping() -> Call[None]:
    return Call("ping", {}, _nothing)


def enroll(
    *,
    username: Optional[str],
    user_id: Optional[str],
    channel: str,
    phone: Optional[str],
    message: Optional[str],
    display_name: Optional[str],
    fido2_options: Optional[Mapping[str, Any]],
    intent_token: Optional[str],
    extra: Optional[Mapping[str, Any]],
) -> Call[models.EnrollResult]:
    request = _wire_object(
        {
            "username": _text("username", username),
            "userId": _text("user_id", user_id),
            "channel": _required("channel", channel),
            "phone": _text("phone", phone),
            "message": _text("message", message),
            "displayName": _text("display_name", display_name),
            "fido2Options": _mapping("fido2_options", fido2_options),
        },
        extra,
    )
    arguments = {"request": request, "intentToken": _text("intent_token", intent_token)}
    return Call("enroll", arguments, models.EnrollResult.from_dict)


def approve(
    *,
    channel: Optional[str],
    username: Optional[str],
    user_id: Optional[str],
    authenticator_id: Optional[str],
    prompt: Optional[bool],
    message: Optional[str],
    notification_message: Optional[str],
    fido2_options: Optional[Mapping[str, Any]],
    intent_token: Optional[str],
    extra: Optional[Mapping[str, Any]],
) -> Call[models.ApprovalResult]:
    request = _wire_object(
        {
            "username": _text("username", username),
            "userId": _text("user_id", user_id),
            "authenticatorId": _text("authenticator_id", authenticator_id),
            # None is left out of the body: the service then approves by push.
            "channel": _text("channel", channel),
            "prompt": _flag("prompt", prompt),
            "message": _text("message", message),
            "notificationMessage": _text("notification_message", notification_message),
            "fido2Options": _mapping("fido2_options", fido2_options),
        },
        extra,
    )
    arguments = {"request": request, "intentToken": _text("intent_token", intent_token)}
    return Call("approve", arguments, models.ApprovalResult.from_dict)


def get_status(status_token: str) -> Call[models.StatusResult]:
    return Call("get_status", {"statusToken": _required("status_token", status_token)},
                models.StatusResult.from_dict)


def wait_for_status(
    status_token: str, *, timeout: Optional[Seconds], interval: Optional[Seconds],
    max_interval: Optional[Seconds],
) -> Call[models.StatusResult]:
    arguments = {
        "statusToken": _required("status_token", status_token),
        "timeout": _seconds("timeout", timeout),
        "interval": _seconds("interval", interval),
        "maxInterval": _seconds("max_interval", max_interval),
    }
    return Call("wait_for_status", arguments, models.StatusResult.from_dict)


def verify(
    *,
    user_id: str,
    code: str,
    status_token: Optional[str],
    channel: Optional[str],
    intent_token: Optional[str],
    extra: Optional[Mapping[str, Any]],
) -> Call[None]:
    request = _wire_object(
        {
            "code": _required("code", code),
            "statusToken": _text("status_token", status_token),
            "channel": _text("channel", channel),
        },
        extra,
    )
    arguments = {
        "userId": _required("user_id", user_id),
        "request": request,
        "intentToken": _text("intent_token", intent_token),
    }
    return Call("verify", arguments, _nothing)


def create_intent(
    *,
    operation: str,
    username: Optional[str],
    user_id: Optional[str],
    channels: Optional[Sequence[str]],
    extra: Optional[Mapping[str, Any]],
) -> Call[models.IntentResult]:
    if channels is not None and (isinstance(channels, str) or not all(isinstance(c, str) for c in channels)):
        raise InvalidRequestError("invalid_request: channels: must be a list of strings", field="channels")
    request = _wire_object(
        {
            "operation": _required("operation", operation),
            "username": _text("username", username),
            "userId": _text("user_id", user_id),
            "channels": list(channels) if channels is not None else None,
        },
        extra,
    )
    return Call("create_intent", {"request": request}, models.IntentResult.from_dict)


def introspect(token: str) -> Call[models.IntrospectResult]:
    return Call("introspect", {"token": _required("token", token)}, models.IntrospectResult.from_dict)


def get_user(user_id: str) -> Call[models.User]:
    return Call("get_user", {"userId": _required("user_id", user_id)}, models.User.from_dict)


def find_user(username: str) -> Call[models.User]:
    return Call("find_user", {"username": _required("username", username)}, models.User.from_dict)


def delete_user(user_id: str) -> Call[None]:
    return Call("delete_user", {"userId": _required("user_id", user_id)}, _nothing)


def find_aadb2c_user(object_id: str) -> Call[models.AzureUser]:
    return Call("find_aadb2c_user", {"objectId": _required("object_id", object_id)}, models.AzureUser.from_dict)


def rename_authenticator(authenticator_id: str, name: str) -> Call[models.Authenticator]:
    arguments = {"authenticatorId": _required("authenticator_id", authenticator_id), "name": _required("name", name)}
    return Call("rename_authenticator", arguments, models.Authenticator.from_dict)


def delete_authenticator(authenticator_id: str) -> Call[None]:
    return Call("delete_authenticator", {"authenticatorId": _required("authenticator_id", authenticator_id)},
                _nothing)


def export_logs(
    *,
    filter: Optional[str],
    from_date: Optional[str],
    to_date: Optional[str],
    timespan: Optional[str],
    status: Optional[str],
    category: Optional[str],
    channel: Optional[str],
    actor_type: Optional[str],
) -> Call[models.LogExport]:
    query = _wire_object(
        {
            "filter": _text("filter", filter),
            "fromDate": _text("from_date", from_date),
            "toDate": _text("to_date", to_date),
            "timespan": _text("timespan", timespan),
            "status": _text("status", status),
            "category": _text("category", category),
            "channel": _text("channel", channel),
            "actorType": _text("actor_type", actor_type),
        },
        None,
    )
    return Call("export_logs", {"query": query}, models.LogExport.from_dict)


def _credential(field: str, credential: Any) -> Dict[str, Any]:
    """A WebAuthn credential as the browser's ``PublicKeyCredential.toJSON()`` produced it."""
    body = _mapping(field, credential)
    if body is None:
        raise InvalidRequestError(f"invalid_request: {field}: is required", field=field)
    return body


def complete_attestation(
    *,
    credential: Mapping[str, Any],
    status_token: Optional[str],
    user_friendly_name: Optional[str],
    user_agent: Optional[str],
) -> Call[models.Fido2Result]:
    request = _credential("credential", credential)
    request.update(
        _wire_object(
            {
                "statusToken": _text("status_token", status_token),
                "userFriendlyName": _text("user_friendly_name", user_friendly_name),
                "userAgent": _text("user_agent", user_agent),
            },
            None,
        )
    )
    return Call("complete_attestation", {"request": request}, models.Fido2Result.from_dict)


def complete_assertion(
    *,
    credential: Mapping[str, Any],
    status_token: Optional[str],
    user_agent: Optional[str],
) -> Call[models.Fido2Result]:
    request = _credential("credential", credential)
    request.update(
        _wire_object(
            {"statusToken": _text("status_token", status_token), "userAgent": _text("user_agent", user_agent)},
            None,
        )
    )
    return Call("complete_assertion", {"request": request}, models.Fido2Result.from_dict)
