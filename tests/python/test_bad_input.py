"""The shared table of bad arguments (tests/bad_input.json) run through the Python ``Client``.

Every row hands one bad value to the constructor or to one operation and expects the SDK's own
error: its kind, and the field named as a Python caller wrote it (``user_id``, ``extra.x``,
``retry_backoff[0]``). The message must name that field, use no word of Rust, serde or pyo3, and
never repeat a secret. Each row is its own test case. With ``NEVIS_FAULTS_REPORT_DIR`` set, what
was observed is written to ``$NEVIS_FAULTS_REPORT_DIR/bad-input/python.json``, which
scripts/compare-fault-reports.py checks against the table for every language.

Calls go to a closed loopback port with no retries: a bad argument that slipped through would
fail as ``connection``, which no row expects.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import socket
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from nevis_authcloud import Client, NevisError

TABLE_PATH = Path(__file__).resolve().parents[1] / "bad_input.json"
TABLE: Dict[str, Any] = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
ROWS: List[Dict[str, Any]] = TABLE["rows"]
FORBIDDEN = [re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE) for word in TABLE["forbiddenWords"]]
ENVIRONMENT = (
    "NEVIS_AUTHCLOUD_INSTANCE",
    "NEVIS_AUTHCLOUD_BASE_URL",
    "NEVIS_AUTHCLOUD_ACCESS_KEY",
    "NEVIS_AUTHCLOUD_CA_FILE",
)


class Absent:
    """``{"$undefined": true}``: the argument is left out."""


ABSENT = Absent()


def native(value: Any) -> Any:
    """A table value as Python values (see the table's ``values``)."""
    if isinstance(value, list):
        return [native(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$nan" in value:
        return math.nan
    if "$inf" in value:
        return math.inf * value["$inf"]
    if "$lone_surrogate" in value:
        return value["$lone_surrogate"] + "\ud800"
    if "$repeat" in value:
        return value["$repeat"] * value["times"]
    if "$undefined" in value:
        return ABSENT
    if "$object" in value:
        return object()
    if "$function" in value:
        return lambda: None
    if "$deep" in value:
        nested: Any = 1
        for _ in range(value["$deep"]):
            nested = [nested]
        return nested
    return {key: native(item) for key, item in value.items()}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda match: "_" + match.group(1).lower(), name)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def client_keywords(options: Dict[str, Any]) -> Dict[str, Any]:
    """The row's options over the table's base client, as ``Client(...)`` keywords."""
    names = TABLE["optionNames"]["python"]
    merged = dict(TABLE["client"])
    merged.update(options)
    keywords: Dict[str, Any] = {}
    for name, value in merged.items():
        value = native(value)
        if name == "retryBackoff" and isinstance(value, dict):
            value = tuple(value[part] for part in ("initial", "max") if part in value)
        keywords[names.get(name, name)] = value
    return keywords


def call_keywords(method: Any, members: Dict[str, Any], container: Optional[str]) -> Dict[str, Any]:
    """Request members as keywords of ``method``; the others go into ``container``."""
    parameters = inspect.signature(method).parameters
    keywords: Dict[str, Any] = {}
    rest: Dict[str, Any] = {}
    for name, value in members.items():
        value = native(value)
        if isinstance(value, Absent):
            continue
        if snake(name) in parameters and snake(name) != container:
            keywords[snake(name)] = value
        else:
            rest[name] = value
    if rest:
        assert container is not None, f"{sorted(rest)} are not keywords of {method.__name__}"
        keywords[container] = rest
    # A member the row leaves out is None in Python (leaving out a required keyword would be the
    # interpreter's TypeError, which the table's $undefined rows cover).
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in keywords:
            keywords[name] = None
    return keywords


def invoke(row: Dict[str, Any]) -> None:
    arguments = row["arguments"]
    operation = row["operation"]
    if operation == "client":
        Client(**client_keywords(arguments["options"])).close()
        return
    with Client(
        base_url=f"http://127.0.0.1:{closed_port()}", access_key="bad-input-key", max_retries=0, timeout=2
    ) as client:
        method = getattr(client, operation)
        if operation in ("enroll", "approve", "verify", "create_intent"):
            method(**call_keywords(method, arguments["request"], "extra"))
        elif operation == "export_logs":
            method(**call_keywords(method, arguments["request"], None))
        elif operation in ("complete_attestation", "complete_assertion"):
            method(**call_keywords(method, arguments["request"], "credential"))
        elif operation == "wait_for_status":
            method(**call_keywords(method, {"statusToken": arguments["statusToken"], **arguments["options"]}, None))
        else:
            method(**call_keywords(method, arguments, None))


@pytest.fixture(scope="module")
def report() -> Iterator[Dict[str, Dict[str, Any]]]:
    rows: Dict[str, Dict[str, Any]] = {}
    yield rows
    directory = os.environ.get("NEVIS_FAULTS_REPORT_DIR")
    if not directory:
        return
    target = Path(directory) / "bad-input" / "python.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    ordered = [rows.get(row["name"], {"name": row["name"], "outcome": "not run"}) for row in ROWS]
    partial = target.with_suffix(".json.tmp")
    partial.write_text(json.dumps({"language": "python", "rows": ordered}, indent=1) + "\n", encoding="utf-8")
    partial.replace(target)


def expected(value: Any) -> Any:
    return value.get("python") if isinstance(value, dict) else value


@pytest.mark.parametrize("row", ROWS, ids=[row["name"] for row in ROWS])
def test_bad_input_row(row: Dict[str, Any], report: Dict[str, Dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    reason = row.get("skip", {}).get("python")
    if reason is not None:
        report[row["name"]] = {"name": row["name"], "outcome": "skipped", "skipped": reason}
        pytest.skip(reason)
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    observed: Dict[str, Any] = {"name": row["name"], "outcome": "ok", "kind": None, "field": None, "problems": []}
    try:
        invoke(row)
    except NevisError as err:
        message = str(err)
        observed.update(outcome="error", kind=err.kind, field=err.field)
        problems: List[str] = observed["problems"]
        if err.field and err.field not in message:
            problems.append(f"the message does not name the field {err.field!r}: {message!r}")
        problems.extend(f"the message uses {word.pattern!r}: {message!r}" for word in FORBIDDEN if word.search(message))
        if row.get("secret") and row["secret"] in message:
            problems.append("the message repeats the secret value")
    except Exception as err:  # noqa: BLE001 - a bare exception is exactly what a row must not see
        observed.update(outcome="error", kind=f"not a NevisError: {type(err).__name__}", field=None)
    report[row["name"]] = observed

    want = (expected(row["expect"]["kind"]), expected(row["expect"]["field"]))
    assert (observed["kind"], observed["field"]) == want, observed
    assert observed["problems"] == [], observed["problems"]
