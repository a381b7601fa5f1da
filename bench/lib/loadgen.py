"""Runs the native load generator (wrk, or oha where wrk cannot be installed) on the benchmark
request and returns its requests per second.

Shared by the ceiling benchmark (bench/ceiling) and the Python benchmarks, which run it inside
their own rounds, so both send the same request and reject a run the same way: any non-2xx answer
or socket error makes the figure invalid. bench/lib/loadgen.sh finds the tool (BENCH_LOADGEN).
Standard library only: it runs under any Python.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Dict, List, Optional, Type


class LoadGenerator:
    """One tool, one request (`POST url` with the JSON `body`). A context manager: wrk's request
    script lives in a temporary folder until it is left."""

    def __init__(self, tool: str, url: str, body: str) -> None:
        self.tool = tool
        self.is_wrk = Path(tool).name == "wrk"
        self.url = url
        self.body = body
        self._work = tempfile.TemporaryDirectory()
        self.script = Path(self._work.name) / "status.lua"
        # The request every client sends: POST, JSON content type, the statusToken body.
        self.script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            'wrk.headers["Accept"] = "application/json"\n'
            f"wrk.body = {lua_string(body)}\n"
        )

    def __enter__(self) -> LoadGenerator:
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self._work.cleanup()

    def command(self, connections: int, seconds: int) -> List[str]:
        if self.is_wrk:
            return [
                self.tool,
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(self.script),
                self.url,
            ]
        return [
            self.tool,
            "-z",
            f"{seconds}s",
            "-c",
            str(connections),
            "-m",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            "Accept: application/json",
            "-d",
            self.body,
            "--no-tui",
            "--output-format",
            "json",
            self.url,
        ]

    def measure(self, connections: int, seconds: int) -> float:
        """Requests per second with `connections` connections for `seconds`; RuntimeError when the
        tool fails or saw a failed request."""
        argv = self.command(connections, seconds)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
        return parse_wrk(done.stdout) if self.is_wrk else parse_oha(done.stdout)


def lua_string(text: str) -> str:
    """A Lua string literal (the body is JSON with a base64url token: no quotes to escape in practice)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_wrk(text: str) -> float:
    """Requests/s from wrk's report; any non-2xx answer or socket error makes the run invalid."""
    match = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if not match:
        raise RuntimeError("no Requests/sec in wrk's output:\n" + text)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if bad and int(bad.group(1)) > 0:
        raise RuntimeError(f"wrk saw {bad.group(1)} non-2xx answers:\n" + text)
    errors = re.search(r"Socket errors:\s+connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if errors and any(int(n) > 0 for n in errors.groups()):
        raise RuntimeError("wrk saw socket errors:\n" + text)
    return float(match.group(1))


def parse_oha(text: str) -> float:
    report = json.loads(text)
    codes: Dict[str, int] = report.get("statusCodeDistribution", {})
    if any(code != "200" for code in codes) or report.get("errorDistribution"):
        raise RuntimeError("oha saw failed requests: " + json.dumps(codes))
    return float(report["summary"]["requestsPerSec"])


def main() -> int:
    """`python3 bench/lib/loadgen.py --connections N --seconds S`: prints the requests per second
    of the benchmark request, for the benchmarks in other languages (bench/node, bench/ffi). Reads
    BENCH_LOADGEN, NEVIS_AUTHCLOUD_BASE_URL and BENCH_STATUS_TOKEN as bench/lib/with-bench-sim.sh
    sets them; exits 1 with the reason on stderr when the run is invalid."""
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(description="the benchmark request through the native load generator")
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--seconds", type=int, required=True)
    args = parser.parse_args()
    url = os.environ["NEVIS_AUTHCLOUD_BASE_URL"] + "/api/v1/status"
    body = json.dumps({"statusToken": os.environ["BENCH_STATUS_TOKEN"]}, separators=(",", ":"))
    try:
        with LoadGenerator(os.environ["BENCH_LOADGEN"], url, body) as generator:
            print(generator.measure(args.connections, args.seconds))
    except RuntimeError as error:
        print(f"loadgen: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
