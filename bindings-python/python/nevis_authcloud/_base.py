"""What the blocking and the asyncio client share: construction, configuration, ``repr``, closing and
views with other per-call limits (``with_options``)."""

from __future__ import annotations

from typing import Optional, Tuple, TypeVar

from . import _native
from ._config import ClientConfig, PathOrPem, Seconds, native_arguments, read_config, view_arguments

_View = TypeVar("_View", bound="BaseClient")


class BaseClient:
    """Holds one native client (one connection pool) and its configuration."""

    _native: _native.NativeClient

    def __init__(
        self,
        *,
        instance: Optional[str] = None,
        base_url: Optional[str] = None,
        access_key: Optional[str] = None,
        timeout: Optional[Seconds] = None,
        connect_timeout: Optional[Seconds] = None,
        deadline: Optional[Seconds] = None,
        max_retries: Optional[int] = None,
        max_connections: Optional[int] = None,
        retry_backoff: Optional[Tuple[Seconds, Seconds]] = None,
        max_retry_after: Optional[Seconds] = None,
        ca_certs: Optional[PathOrPem] = None,
        proxy: Optional[str] = None,
        use_env_proxy: bool = False,
        app_info: Optional[str] = None,
    ) -> None:
        """Creates a client for one Authentication Cloud instance.

        Give ``instance`` (the id from the management console; the API is then
        ``https://{instance}.mauth.nevis.cloud``) or ``base_url`` (a proxy in front of Nevis, or the
        local simulator), and the ``access_key``. Left out, they are read from
        ``NEVIS_AUTHCLOUD_INSTANCE``/``NEVIS_AUTHCLOUD_BASE_URL`` and ``NEVIS_AUTHCLOUD_ACCESS_KEY``
        (and ``ca_certs`` from ``NEVIS_AUTHCLOUD_CA_FILE``).

        ``timeout`` bounds one HTTP attempt (default 30 s), ``connect_timeout`` the connection set-up
        (10 s), ``deadline`` a whole call with its retries (none). ``max_retries`` (default 2)
        retries only what is safe to repeat: an approval is never re-sent once the server may have
        acted. ``retry_backoff`` is ``(first, longest)`` pause in seconds. A ``Retry-After`` the server sends
        is honoured up to ``max_retry_after`` seconds (default 30); a longer one fails the call at
        once with ``retry_after`` set, instead of sleeping. ``max_connections``
        (default 100) caps the requests in flight at once, and so the connections this client
        opens; calls beyond it wait for a free slot, within their ``deadline``. ``ca_certs`` is PEM text or
        the path of a PEM file of extra CAs to trust. ``proxy`` routes every request through an
        ``http://`` or ``https://`` proxy's CONNECT tunnel or a ``socks5://`` proxy (credentials
        allowed in the URL); ``use_env_proxy`` takes it from ``HTTPS_PROXY`` (else ``ALL_PROXY``),
        honouring ``NO_PROXY``. ``app_info`` is appended
        to the ``User-Agent`` (``"shop-backend/2.3"``).

        Raises :class:`~nevis_authcloud.errors.ConfigurationError` naming the setting at fault.
        """
        self._native = _native.NativeClient(
            **native_arguments(
                instance=instance,
                base_url=base_url,
                access_key=access_key,
                timeout=timeout,
                connect_timeout=connect_timeout,
                deadline=deadline,
                max_retries=max_retries,
                max_connections=max_connections,
                retry_backoff=retry_backoff,
                max_retry_after=max_retry_after,
                ca_certs=ca_certs,
                proxy=proxy,
                use_env_proxy=use_env_proxy,
                app_info=app_info,
            )
        )

    def with_options(
        self: _View,
        *,
        timeout: Optional[Seconds] = None,
        deadline: Optional[Seconds] = None,
        max_retries: Optional[int] = None,
        max_retry_after: Optional[Seconds] = None,
        retry_non_idempotent: Optional[bool] = None,
    ) -> _View:
        """A client of the same kind on the same connection pool (no connection is opened) whose
        calls use these limits; what is left out stays as this client has it. For a login route
        that must answer fast next to batch work on one client::

            login = client.with_options(timeout=2, max_retries=0)

        ``retry_non_idempotent=True`` also retries enrol, approve, verify and intent calls after
        failures where the server may have acted (a second push or SMS is then possible). A bad
        value raises :class:`~nevis_authcloud.errors.ConfigurationError` naming the keyword.

        The view shares the pool's life: closing it (or leaving a ``with`` block on it) closes the
        pool for this client and every view, so close only the client you created.
        """
        view = object.__new__(type(self))
        view._native = self._native.with_options(
            **view_arguments(
                timeout=timeout,
                deadline=deadline,
                max_retries=max_retries,
                max_retry_after=max_retry_after,
                retry_non_idempotent=retry_non_idempotent,
            )
        )
        return view

    @property
    def config(self) -> ClientConfig:
        """The effective configuration (with only a hint of the access key)."""
        return read_config(self._native.settings())

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def closed(self) -> bool:
        return self._native.closed

    def __repr__(self) -> str:
        config = self.config
        state = ", closed" if self.closed else ""
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}, access_key={config.access_key_hint!r}, "
            f"timeout={config.timeout}, max_retries={config.max_retries}, "
            f"max_connections={config.max_connections}{state})"
        )

    __str__ = __repr__
