# Types of the Rust extension module (bindings-python/src). Kept in step with the module by the
# stubtest run in tests/python/test_typing.py.
import asyncio
from typing import Any, Callable, Optional, Tuple, final

__all__ = [
    "__version__",
    "NativeClient",
    "error_kinds",
    "error_classes",
    "retryable_kinds",
    "begin_shutdown",
    "operation_names",
    "enable_span_hook",
]

__version__: str

@final
class NativeClient:
    def __new__(
        cls,
        *,
        instance: Optional[str] = None,
        base_url: Optional[str] = None,
        access_key: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        max_retries: Optional[int] = None,
        max_connections: Optional[int] = None,
        retry_backoff: Optional[Tuple[float, float]] = None,
        max_retry_after: Optional[float] = None,
        ca_certs_pem: Optional[str] = None,
        proxy: Optional[str] = None,
        use_env_proxy: bool = False,
        app_info: Optional[str] = None,
    ) -> NativeClient: ...
    def call(self, operation: str, arguments: str) -> str: ...
    def call_async(self, operation: str, arguments: str) -> asyncio.Future[str]: ...
    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        max_retries: Optional[int] = None,
        max_retry_after: Optional[float] = None,
        retry_non_idempotent: Optional[bool] = None,
    ) -> NativeClient: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def settings(self) -> list[tuple[str, Optional[str]]]: ...

def error_kinds() -> list[str]: ...
def error_classes() -> list[tuple[str, str]]: ...
def retryable_kinds() -> list[str]: ...
def begin_shutdown() -> None: ...
def operation_names() -> list[str]: ...
def enable_span_hook(hook: Callable[[str, int, Optional[int], dict[str, Any], int], None]) -> None: ...
