"""OpenTelemetry spans for the SDK's calls and attempts, when ``opentelemetry-api`` is installed.

The core already describes every call as a span named after the operation (``nevis.get_user``)
with one ``nevis.attempt`` span per HTTP exchange inside it, carrying OpenTelemetry's HTTP client
attributes (``http.request.method``, ``url.template``, ``server.address``,
``http.response.status_code``, ``error.type``, ``http.request.resend_count``). This bridge turns
them into real OpenTelemetry spans. It is opt-in and has no hard dependency: without
``opentelemetry-api`` importable, :func:`enable_opentelemetry` returns ``False`` and nothing changes.

Only the end of each span crosses from the core into Python (entering Python from a runtime thread
is the expensive part of a record); the start is the end minus the duration the core measured. An
attempt ends before its call, so spans that ended inside another wait in a small table until the
outermost one ends, and then they are recorded together with their exact times.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from . import _native

_lock = threading.Lock()
_bridge: Optional[_Bridge] = None

# A span that ended inside another, waiting for it: (span_id, name, attributes, start_ns, end_ns).
_Ended = Tuple[int, str, Dict[str, Any], int, int]


class _Bridge:
    def __init__(self, tracer: Any, trace: Any) -> None:
        self._tracer = tracer
        self._trace = trace
        self._children: Dict[int, List[_Ended]] = {}
        self._lock = threading.Lock()

    def span_ended(
        self, name: str, span_id: int, parent_id: Optional[int], attributes: Dict[str, Any], duration_ns: int
    ) -> None:
        end = time.time_ns()
        ended = (span_id, name, attributes, end - duration_ns, end)
        if parent_id is not None:
            with self._lock:
                self._children.setdefault(parent_id, []).append(ended)
            return
        self._record(ended, None)

    def _record(self, ended: _Ended, context: Any) -> None:
        """Records `ended` in `context`, then everything that ended inside it, inside it."""
        span_id, name, attributes, start, end = ended
        with self._lock:
            children = self._children.pop(span_id, [])
        span = self._start(name, attributes, start, context)
        inside = self._trace.set_span_in_context(span)
        for child in children:
            self._record(child, inside)
        span.end(end_time=end)

    def _start(self, name: str, attributes: Dict[str, Any], start: int, context: Any) -> Any:
        span = self._tracer.start_span(
            name, context=context, kind=self._trace.SpanKind.CLIENT, attributes=attributes, start_time=start
        )
        if "error.type" in attributes:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))
        return span


def enable_opentelemetry(tracer_provider: Any = None) -> bool:
    """Records every call and attempt as an OpenTelemetry span from now on.

    Spans go to ``tracer_provider`` (default: the global one, ``opentelemetry.trace``). Returns
    ``False``, changing nothing, when ``opentelemetry-api`` is not installed; ``True`` otherwise.
    Calling it again has no further effect. No field of a span holds a secret, token, user id or
    username: routes appear as templates (``/api/v1/users/{userId}``).
    """
    global _bridge
    try:
        # By name, not an import statement: opentelemetry-api is optional, and a type check of an
        # install without it (stubtest in `make dist-check`) must not fail on this module.
        trace: Any = importlib.import_module("opentelemetry.trace")
    except ImportError:
        return False
    with _lock:
        if _bridge is None:
            tracer = trace.get_tracer("nevis_authcloud", _native.__version__, tracer_provider=tracer_provider)
            _bridge = _Bridge(tracer, trace)
            _native.enable_span_hook(_bridge.span_ended)
    return True
