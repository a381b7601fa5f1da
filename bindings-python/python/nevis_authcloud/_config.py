"""Normalises the constructor keywords shared by ``Client`` and ``AsyncClient``.

Python callers think in ``float`` seconds or ``timedelta``, in file paths or PEM text; the native
module takes plain numbers and PEM strings. The types are checked here (a wrong one is a
``ConfigurationTypeError`` naming the keyword, never a bare ``TypeError`` or ``OverflowError`` from
the native layer); everything beyond that (URL rules, the key, limits) is checked by the Rust core,
so the rules are the same in every language.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Optional, Tuple, Union

from ._arguments import config, text_problem, type_name
from .errors import ConfigurationError

Seconds = Union[float, int, timedelta]
PathOrPem = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class ClientConfig:
    """The effective configuration of a client (read it as ``client.config``).

    The access key itself is never kept here: ``access_key_hint`` shows at most its last four
    characters, enough to tell two keys apart.
    """

    base_url: str
    access_key_hint: str
    timeout: float
    connect_timeout: float
    deadline: Optional[float]
    max_retries: int
    max_connections: int
    user_agent: str


def _seconds(name: str, value: Optional[Seconds]) -> Optional[float]:
    """Seconds as a float; NaN, infinite, zero and negative values are the core's to refuse."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        config(name, f"must be a number of seconds or a timedelta (got {type_name(value)})", wrong_type=True)
    try:
        return float(value)
    except OverflowError:
        config(name, "must be a finite number of seconds (got an int too large for a float)")


def _shown(number: int) -> str:
    """An int for "got …": Python refuses to print very long ones, and nobody reads them."""
    return (
        str(number) if abs(number) < 10**18 else f"an int of {'-' if number < 0 else ''}about 2**{number.bit_length()}"
    )


def _count(name: str, value: Optional[int], low: int, high: int, rule: str) -> Optional[int]:
    """A whole number the native side holds in a fixed-size integer: what does not fit is refused
    here, with the rule the core would state, instead of an ``OverflowError``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        config(name, f"must be an int (got {type_name(value)})", wrong_type=True)
    if not low <= value <= high:
        config(name, f"{rule} (got {_shown(value)})")
    return value


def _string(name: str, value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        # The type only: the value may be an access key.
        config(name, f"must be a str (got {type_name(value)})", wrong_type=True)
    problem = text_problem(value)
    if problem is not None:
        config(name, problem)
    return value


def _backoff(value: Optional[Tuple[Seconds, Seconds]]) -> Optional[Tuple[float, float]]:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        config("retry_backoff", f"must be a (first, longest) pair of seconds (got {type_name(value)})", wrong_type=True)
    if len(value) != 2:
        config("retry_backoff", f"must be a (first, longest) pair of seconds (got {len(value)} items)")
    pair = []
    for index, item in enumerate(value):
        seconds = _seconds(f"retry_backoff[{index}]", item)
        if seconds is None:
            config(
                f"retry_backoff[{index}]", "must be a number of seconds or a timedelta (got NoneType)", wrong_type=True
            )
        pair.append(seconds)
    return (pair[0], pair[1])


def _pem(ca_certs: Optional[PathOrPem]) -> Optional[str]:
    """``ca_certs`` is PEM text when it contains a PEM header, else the path of a PEM file."""
    if ca_certs is None:
        return None
    if isinstance(ca_certs, str) and "-----BEGIN" in ca_certs:
        return _string("ca_certs", ca_certs)
    try:
        path = os.fspath(ca_certs)
    except TypeError:
        config("ca_certs", f"must be PEM text or a file path (got {type_name(ca_certs)})", wrong_type=True)
    try:
        with open(path, encoding="utf-8") as pem_file:
            return pem_file.read()
    except (OSError, ValueError) as err:
        raise ConfigurationError(f"config: ca_certs: {path!r} cannot be read ({err})", field="ca_certs") from err


def native_arguments(
    *,
    instance: Optional[str],
    base_url: Optional[str],
    access_key: Optional[str],
    timeout: Optional[Seconds],
    connect_timeout: Optional[Seconds],
    deadline: Optional[Seconds],
    max_retries: Optional[int],
    max_connections: Optional[int],
    retry_backoff: Optional[Tuple[Seconds, Seconds]],
    max_retry_after: Optional[Seconds],
    ca_certs: Optional[PathOrPem],
    proxy: Optional[str],
    use_env_proxy: bool,
    app_info: Optional[str],
) -> Dict[str, Any]:
    """The keyword arguments of ``_native.NativeClient``, each of the type it takes (see
    ``_arguments``): a keyword of the wrong type is a ``ConfigurationTypeError`` naming it."""
    if not isinstance(use_env_proxy, bool):
        config("use_env_proxy", f"must be True or False (got {type_name(use_env_proxy)})", wrong_type=True)
    return {
        "instance": _string("instance", instance),
        "base_url": _string("base_url", base_url),
        "access_key": _string("access_key", access_key),
        "timeout": _seconds("timeout", timeout),
        "connect_timeout": _seconds("connect_timeout", connect_timeout),
        "deadline": _seconds("deadline", deadline),
        # Within what the native side holds; beyond 10 the core refuses it with the same words.
        "max_retries": _count("max_retries", max_retries, 0, 2**32 - 1, "must be a whole number from 0 to 10"),
        # 0 passes on: the core refuses it with its own message, as in every other language.
        "max_connections": _count(
            "max_connections", max_connections, 0, sys.maxsize, "must be a whole number, 1 or more"
        ),
        "retry_backoff": _backoff(retry_backoff),
        "max_retry_after": _seconds("max_retry_after", max_retry_after),
        "ca_certs_pem": _pem(ca_certs),
        "proxy": _string("proxy", proxy),
        "use_env_proxy": use_env_proxy,
        "app_info": _string("app_info", app_info),
    }


def view_arguments(
    *,
    timeout: Optional[Seconds],
    deadline: Optional[Seconds],
    max_retries: Optional[int],
    max_retry_after: Optional[Seconds],
    retry_non_idempotent: Optional[bool],
) -> Dict[str, Any]:
    """The keyword arguments of ``_native.NativeClient.with_options``, type-checked like the
    constructor's; the rules beyond the type are the core's."""
    if retry_non_idempotent is not None and not isinstance(retry_non_idempotent, bool):
        config(
            "retry_non_idempotent", f"must be True or False (got {type_name(retry_non_idempotent)})", wrong_type=True
        )
    return {
        "timeout": _seconds("timeout", timeout),
        "deadline": _seconds("deadline", deadline),
        "max_retries": _count("max_retries", max_retries, 0, 2**32 - 1, "must be a whole number from 0 to 10"),
        "max_retry_after": _seconds("max_retry_after", max_retry_after),
        "retry_non_idempotent": retry_non_idempotent,
    }


def read_config(settings: list[tuple[str, Optional[str]]]) -> ClientConfig:
    """Builds :class:`ClientConfig` from the native client's ``settings()``."""
    values = dict(settings)
    deadline = values.get("deadline")
    return ClientConfig(
        base_url=values.get("base_url") or "",
        access_key_hint=values.get("access_key_hint") or "…",
        timeout=float(values.get("timeout") or 0),
        connect_timeout=float(values.get("connect_timeout") or 0),
        deadline=float(deadline) if deadline is not None else None,
        max_retries=int(values.get("max_retries") or 0),
        max_connections=int(values.get("max_connections") or 0),
        user_agent=values.get("user_agent") or "",
    )
