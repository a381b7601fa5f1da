"""Turns the keyword arguments of the client methods into the core's wire-shaped requests.

Both clients share this module, so ``Client.enroll(...)`` and ``await AsyncClient.enroll(...)`` send
exactly the same request. Each function returns the operation name and its JSON arguments for
``_native.NativeClient.call``/``call_async`` plus the parser of the answer. Only the *types* of the
arguments are checked here (``_arguments``: a wrong type names its keyword); the API's rules
(username characters, phone format, message length, …) are checked once, in the Rust core, which
names the wire member (``userId``). :meth:`Call.name_as_written` turns that back into the keyword the
caller wrote (``user_id``, ``extra.x``, ``credential.response.clientDataJSON``).
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from typing import Any, Callable, Dict, Generic, Iterable, Mapping, Optional, Sequence, TypeVar, Union

from . import models
from ._arguments import check_json, check_members, invalid, text_problem, type_name
from .errors import InvalidRequestError

T = TypeVar("T")
Seconds = Union[float, int, timedelta]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda match: "_" + match.group(1).lower(), name)


# One encoder for every call: `json.dumps` with any option builds a new encoder each time, which was
# most of what preparing a call cost (bench/python).
_ENCODER = json.JSONEncoder(allow_nan=False)


class Call(Generic[T]):
    """One prepared operation: its native name, its JSON arguments and how to read its answer.

    ``keywords`` are the wire names of the members that come from keywords (named in errors by
    the keyword, ``userId`` → ``user_id``); every other member came from the mapping argument
    ``container`` (``extra``, ``credential``) and is named inside it (``extra.x``).
    """

    __slots__ = ("operation", "arguments", "parse", "keywords", "members", "container")

    def __init__(
        self,
        operation: str,
        arguments: Dict[str, Any],
        parse: Callable[[Any], T],
        keywords: Iterable[str] = (),
        container: Optional[str] = None,
    ) -> None:
        self.operation = operation
        try:
            self.arguments = _ENCODER.encode(arguments)
        except (TypeError, ValueError, RecursionError) as err:
            # Unreachable when the checks above are complete; still the SDK's error, not json's.
            raise InvalidRequestError(
                f"invalid_request: arguments: cannot be sent as JSON ({type_name(err)})", field="arguments"
            ) from None
        self.parse = parse
        # Only an error reads these (caller_field): kept as given, no set built per call.
        self.keywords = tuple(keywords)
        self.members = tuple(arguments)
        self.container = container

    def take_arguments(self) -> str:
        """The arguments' JSON, handed over once: a call awaiting its answer keeps no copy (10,000
        concurrent waits would otherwise hold 10,000 of them)."""
        arguments, self.arguments = self.arguments, ""
        return arguments

    def result(self, answer: str) -> T:
        return self.parse(json.loads(answer))

    def caller_field(self, field: str) -> str:
        """The name the caller wrote for the wire member ``field`` (a JSON path)."""
        head = re.match(r"[^.\[]*", field)
        first = head.group(0) if head else field
        if first in self.keywords or first in self.members:
            return _snake(first) + field[len(first) :]
        if self.container is not None:
            return f"{self.container}.{field}"
        return field

    def name_as_written(self, err: InvalidRequestError) -> None:
        """Renames the field of an error the core raised for this call, in place (so the traceback
        stays the caller's): ``userId: must be a UUID`` becomes ``user_id: must be a UUID``."""
        if not err.field:
            return
        renamed = self.caller_field(err.field)
        if renamed == err.field:
            return
        text = str(err)
        prefix = f"{err.kind}: {err.field}: "
        if text.startswith(prefix):
            err.args = (f"{err.kind}: {renamed}: {text[len(prefix) :]}",)
        err.field = renamed


def _nothing(_: Any) -> None:
    return None


def _text(field: str, value: Any, required: bool = False) -> Optional[str]:
    if value is None:
        if required:
            invalid(field, "is required")
        return None
    if not isinstance(value, str):
        invalid(field, f"must be a str (got {type_name(value)})", wrong_type=True)
    problem = text_problem(value)
    if problem is not None:
        invalid(field, problem)
    return value


def _required(field: str, value: Any) -> str:
    text = _text(field, value, required=True)
    assert text is not None
    return text


def _flag(field: str, value: Any) -> Optional[bool]:
    if value is not None and not isinstance(value, bool):
        invalid(field, f"must be True or False (got {type_name(value)})", wrong_type=True)
    return value


def _mapping(field: str, value: Any) -> Optional[Dict[str, Any]]:
    """A mapping argument that becomes a JSON object of its own (``fido2_options``)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        invalid(field, f"must be a mapping (got {type_name(value)})", wrong_type=True)
    check_json(field, value)
    return dict(value)


def _members(field: str, value: Any) -> Optional[Dict[str, Any]]:
    """A mapping argument whose members join the request (``extra``, ``credential``)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        invalid(field, f"must be a mapping (got {type_name(value)})", wrong_type=True)
    check_members(field, value)
    return dict(value)


def _seconds(field: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        invalid(field, f"must be a number of seconds or a timedelta (got {type_name(value)})", wrong_type=True)
    else:
        try:
            seconds = float(value)
        except OverflowError:
            invalid(field, "must be a finite number of seconds (got an int too large for a float)")
    if not math.isfinite(seconds):
        invalid(field, f"must be a finite number of seconds (got {seconds})")
    return seconds


def _wire_object(fields: Mapping[str, Any], extra: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Drops the fields left at ``None`` and adds the caller's extra wire fields."""
    body = {name: value for name, value in fields.items() if value is not None}
    extra_fields = _members("extra", extra)
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
    fields = {
        "username": _text("username", username),
        "userId": _text("user_id", user_id),
        "channel": _required("channel", channel),
        "phone": _text("phone", phone),
        "message": _text("message", message),
        "displayName": _text("display_name", display_name),
        "fido2Options": _mapping("fido2_options", fido2_options),
    }
    arguments = {"request": _wire_object(fields, extra), "intentToken": _text("intent_token", intent_token)}
    # The core refuses an answer without `enrollment` on these channels, so the result says so in
    # its type.
    result = models.OperationEnrollResult if channel in models.OPERATION_CHANNELS else models.EnrollResult
    return Call("enroll", arguments, result.from_dict, fields, "extra")


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
    fields = {
        "username": _text("username", username),
        "userId": _text("user_id", user_id),
        "authenticatorId": _text("authenticator_id", authenticator_id),
        # None is left out of the body: the service then approves by push.
        "channel": _text("channel", channel),
        "prompt": _flag("prompt", prompt),
        "message": _text("message", message),
        "notificationMessage": _text("notification_message", notification_message),
        "fido2Options": _mapping("fido2_options", fido2_options),
    }
    arguments = {"request": _wire_object(fields, extra), "intentToken": _text("intent_token", intent_token)}
    return Call("approve", arguments, models.ApprovalResult.from_dict, fields, "extra")


def get_status(status_token: str) -> Call[models.StatusResult]:
    return Call("get_status", {"statusToken": _required("status_token", status_token)}, models.StatusResult.from_dict)


def wait_for_status(
    status_token: str,
    *,
    timeout: Optional[Seconds],
    interval: Optional[Seconds],
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
    fields = {
        "code": _required("code", code),
        "statusToken": _text("status_token", status_token),
        "channel": _text("channel", channel),
    }
    arguments = {
        "userId": _required("user_id", user_id),
        "request": _wire_object(fields, extra),
        "intentToken": _text("intent_token", intent_token),
    }
    return Call("verify", arguments, _nothing, fields, "extra")


def create_intent(
    *,
    operation: str,
    username: Optional[str],
    user_id: Optional[str],
    channels: Optional[Sequence[str]],
    extra: Optional[Mapping[str, Any]],
) -> Call[models.IntentResult]:
    if channels is not None and (isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence)):
        invalid("channels", f"must be a list of str (got {type_name(channels)})", wrong_type=True)
    fields = {
        "operation": _required("operation", operation),
        "username": _text("username", username),
        "userId": _text("user_id", user_id),
        "channels": [_required(f"channels[{index}]", item) for index, item in enumerate(channels)]
        if channels is not None
        else None,
    }
    request = _wire_object(fields, extra)
    return Call("create_intent", {"request": request}, models.IntentResult.from_dict, fields, "extra")


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
    return Call("delete_authenticator", {"authenticatorId": _required("authenticator_id", authenticator_id)}, _nothing)


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
    fields = {
        "filter": _text("filter", filter),
        "fromDate": _text("from_date", from_date),
        "toDate": _text("to_date", to_date),
        "timespan": _text("timespan", timespan),
        "status": _text("status", status),
        "category": _text("category", category),
        "channel": _text("channel", channel),
        "actorType": _text("actor_type", actor_type),
    }
    return Call("export_logs", {"query": _wire_object(fields, None)}, models.LogExport.from_dict, fields)


def _credential(field: str, credential: Any) -> Dict[str, Any]:
    """A WebAuthn credential as the browser's ``PublicKeyCredential.toJSON()`` produced it."""
    body = _members(field, credential)
    if body is None:
        invalid(field, "is required")
    return body


def complete_attestation(
    *,
    credential: Mapping[str, Any],
    status_token: Optional[str],
    user_friendly_name: Optional[str],
    user_agent: Optional[str],
) -> Call[models.Fido2Result]:
    request = _credential("credential", credential)
    fields = {
        "statusToken": _text("status_token", status_token),
        "userFriendlyName": _text("user_friendly_name", user_friendly_name),
        "userAgent": _text("user_agent", user_agent),
    }
    request.update(_wire_object(fields, None))
    return Call("complete_attestation", {"request": request}, models.Fido2Result.from_dict, fields, "credential")


def complete_assertion(
    *,
    credential: Mapping[str, Any],
    status_token: Optional[str],
    user_agent: Optional[str],
) -> Call[models.Fido2Result]:
    request = _credential("credential", credential)
    fields = {"statusToken": _text("status_token", status_token), "userAgent": _text("user_agent", user_agent)}
    request.update(_wire_object(fields, None))
    return Call("complete_assertion", {"request": request}, models.Fido2Result.from_dict, fields, "credential")
