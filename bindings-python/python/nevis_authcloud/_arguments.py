"""Checks of what a caller passes, shared by the constructor keywords and the operations.

The native module and ``json`` refuse what they cannot convert with bare built-in exceptions
(``OverflowError`` for ``max_retries=2**40``, ``TypeError`` for ``extra={"x": object()}``,
``UnicodeEncodeError`` for a lone surrogate) and JSON has no NaN. So every value is checked here
first and refused as the SDK's own error, naming the keyword as the caller wrote it, with a path
into mappings and lists (``extra.x``, ``fido2_options.authenticatorSelection``, ``channels[0]``):

* a value of the wrong type is an :class:`~nevis_authcloud.errors.InvalidRequestTypeError` (or,
  for a constructor keyword, :class:`~nevis_authcloud.errors.ConfigurationTypeError`): also a
  ``TypeError``;
* a value of the right type that cannot be used (NaN, a lone surrogate, nesting too deep) is an
  :class:`~nevis_authcloud.errors.InvalidRequestError` / ``ConfigurationError``: also a
  ``ValueError``.

Messages say what was expected and the type that was given, never the value: it may be a key, a
token or a code passed in the wrong place. The API's own rules (username characters, phone format,
…) are the Rust core's.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, List, Mapping, NoReturn, Optional, Tuple

from .errors import ConfigurationError, ConfigurationTypeError, InvalidRequestError, InvalidRequestTypeError

#: How deeply a request may nest mappings and lists (the core's ``MAX_REQUEST_DEPTH``).
MAX_DEPTH = 64

JSON_TYPES = "str, int, float, bool, None, list or dict"


def type_name(value: Any) -> str:
    """The type of ``value`` as Python names it (``int``, ``NoneType``), for "got …"."""
    return type(value).__name__


def text_problem(text: str) -> Optional[str]:
    """Why ``text`` cannot be sent (a lone surrogate has no UTF-8 form), or ``None``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        return f"must be valid Unicode text (got a str with a lone surrogate at index {err.start})"
    return None


def invalid(field: str, rule: str, *, wrong_type: bool = False) -> NoReturn:
    cls = InvalidRequestTypeError if wrong_type else InvalidRequestError
    raise cls(f"invalid_request: {field}: {rule}", field=field)


def config(field: str, rule: str, *, wrong_type: bool = False) -> NoReturn:
    cls = ConfigurationTypeError if wrong_type else ConfigurationError
    raise cls(f"config: {field}: {rule}", field=field)


def _children(path: str, value: Any) -> Iterator[Tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                invalid(path, f"must have str keys (got a {type_name(key)} key)", wrong_type=True)
            if text_problem(key) is not None:
                invalid(path, "must have keys that are valid Unicode text (got a key with a lone surrogate)")
            yield f"{path}.{key}", item
    else:
        for index, item in enumerate(value):
            yield f"{path}[{index}]", item


def check_json(field: str, value: Any) -> None:
    """``value`` (the value of request member ``field``) must be JSON data; mappings and lists are
    walked without recursion, so no structure can exhaust the stack."""
    pending: List[Tuple[str, Any, int]] = [(field, value, 1)]
    while pending:
        path, item, level = pending.pop()
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                invalid(path, f"must be a finite number (got {item})")
            continue
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                invalid(path, problem)
            continue
        if isinstance(item, (Mapping, list, tuple)):
            if level > MAX_DEPTH:
                invalid(field, f"nests mappings or lists deeper than {MAX_DEPTH} levels")
            pending.extend((child_path, child, level + 1) for child_path, child in _children(path, item))
            continue
        invalid(path, f"must be JSON data: {JSON_TYPES} (got {type_name(item)})", wrong_type=True)


def check_members(field: str, mapping: Any) -> None:
    """Every member of a mapping argument (``extra``, ``fido2_options``, ``credential``) must be
    JSON data; each is named ``field.member``."""
    for path, item in _children(field, mapping):
        check_json(path, item)
