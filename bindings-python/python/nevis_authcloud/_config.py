"""Normalises the constructor keywords shared by ``Client`` and ``AsyncClient``.

Python callers think in ``float`` seconds or ``timedelta``, in file paths or PEM text; the native
module takes plain numbers and PEM strings. Everything beyond that normalisation (URL rules, the key,
limits) is checked by the Rust core, so the rules are the same in every language.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Dict, Optional, Tuple, Union

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
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"config: {name}: must be a number of seconds or a timedelta", field=name)
    return float(value)


def _pem(ca_certs: Optional[PathOrPem]) -> Optional[str]:
    """``ca_certs`` is PEM text when it contains a PEM header, else the path of a PEM file."""
    if ca_certs is None:
        return None
    if isinstance(ca_certs, str) and "-----BEGIN" in ca_certs:
        return ca_certs
    try:
        path = os.fspath(ca_certs)
    except TypeError:
        raise ConfigurationError("config: ca_certs: must be PEM text or a file path", field="ca_certs") from None
    try:
        with open(path, encoding="utf-8") as pem_file:
            return pem_file.read()
    except OSError as err:
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
    ca_certs: Optional[PathOrPem],
    proxy: Optional[str],
    use_env_proxy: bool,
    app_info: Optional[str],
) -> Dict[str, Any]:
    """The keyword arguments of ``_native.NativeClient``."""
    for name, text in (("instance", instance), ("base_url", base_url), ("access_key", access_key),
                       ("proxy", proxy), ("app_info", app_info)):
        if text is not None and not isinstance(text, str):
            raise ConfigurationError(f"config: {name}: must be a string", field=name)
    if max_retries is not None and (isinstance(max_retries, bool) or not isinstance(max_retries, int)
                                    or max_retries < 0):
        raise ConfigurationError("config: max_retries: must be a non-negative integer", field="max_retries")
    # 0 passes on: the core refuses it with its own message, as in every other language. A number
    # beyond what the native side can hold is refused here, naming the field, not as OverflowError.
    if max_connections is not None and (isinstance(max_connections, bool) or not isinstance(max_connections, int)
                                        or not 0 <= max_connections <= sys.maxsize):
        raise ConfigurationError("config: max_connections: must be a positive integer", field="max_connections")
    backoff: Optional[Tuple[float, float]] = None
    if retry_backoff is not None:
        first, longest = retry_backoff
        backoff = (_seconds("retry_backoff", first) or 0.0, _seconds("retry_backoff", longest) or 0.0)
    return {
        "instance": instance,
        "base_url": base_url,
        "access_key": access_key,
        "timeout": _seconds("timeout", timeout),
        "connect_timeout": _seconds("connect_timeout", connect_timeout),
        "deadline": _seconds("deadline", deadline),
        "max_retries": max_retries,
        "max_connections": max_connections,
        "retry_backoff": backoff,
        "ca_certs_pem": _pem(ca_certs),
        "proxy": proxy,
        "use_env_proxy": use_env_proxy,
        "app_info": app_info,
    }


def read_config(settings: "list[tuple[str, Optional[str]]]") -> ClientConfig:
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
