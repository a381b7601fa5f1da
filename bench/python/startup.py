"""Python start-up: the wall time of `python -c "import nevis_authcloud"` in fresh processes (with
`import requests`, `import httpx` and a bare interpreter for context), and the first-call latency:
constructing a client and making its first get_status in a fresh process, where nothing is warm
(no runtime, no connection). Writes `$BENCH_OUT/python-startup.json`.

Contenders alternate process by process (A B C D A B C D ...) after a warm-up round, so disk cache
and machine noise affect them alike.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Dict

import _common as common

SMOKE = common.smoke_mode()
ROUNDS = 2 if SMOKE else 15

IMPORTS: Dict[str, str] = {
    "python -c pass (interpreter alone)": "pass",
    "import nevis_authcloud": "import nevis_authcloud",
    "import requests": "import requests",
    "import httpx": "import httpx",
}

# Each program times, in its own fresh process, client construction plus the first call (the import
# is done before the clock starts: it is measured above) and prints the milliseconds.
FIRST_CALL_PROLOGUE = "import json, os, sys, time\nurl = os.environ['NEVIS_AUTHCLOUD_BASE_URL']\ntoken = sys.argv[1]\n"
FIRST_CALLS: Dict[str, str] = {
    "nevis_authcloud Client() + first get_status": (
        "import nevis_authcloud\n"
        "start = time.perf_counter()\n"
        "client = nevis_authcloud.Client(base_url=url, access_key=os.environ['NEVIS_AUTHCLOUD_ACCESS_KEY'])\n"
        "status = client.get_status(token).status\n"
    ),
    "requests.Session() + first post().json()": (
        "import requests\n"
        "start = time.perf_counter()\n"
        "session = requests.Session()\n"
        "status = session.post(url + '/api/v1/status', json={'statusToken': token}).json()['status']\n"
    ),
    "httpx.Client() + first post().json()": (
        "import httpx\n"
        "start = time.perf_counter()\n"
        "client = httpx.Client()\n"
        "status = client.post(url + '/api/v1/status', json={'statusToken': token}).json()['status']\n"
    ),
}
FIRST_CALL_EPILOGUE = (
    "elapsed = time.perf_counter() - start\nassert status == 'pending', status\nprint(elapsed * 1000)\n"
)


def import_ms(statement: str) -> float:
    """Wall time of a whole fresh `python -c STATEMENT`, as a user at a shell would see it."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return (time.perf_counter() - start) * 1000


def first_call_ms(program: str, token: str) -> float:
    source = FIRST_CALL_PROLOGUE + program + FIRST_CALL_EPILOGUE
    output = subprocess.run([sys.executable, "-c", source, token], check=True, stdout=subprocess.PIPE, text=True)
    return float(output.stdout.strip().splitlines()[-1])


def main() -> None:
    token = common.pending_status_token("bench-startup")
    print(f"python-startup: {ROUNDS} fresh processes per contender, interleaved")
    imports = common.interleave(list(IMPORTS), ROUNDS, lambda name, _: import_ms(IMPORTS[name]))
    firsts = common.interleave(list(FIRST_CALLS), ROUNDS, lambda name, _: first_call_ms(FIRST_CALLS[name], token))

    nevis_import = common.median(imports["import nevis_authcloud"])
    bare = common.median(imports["python -c pass (interpreter alone)"])
    checks = [
        common.report_check("import nevis_authcloud minus bare interpreter (ms)", nevis_import - bare),
        common.report_check(
            "import nevis_authcloud / import requests", nevis_import / common.median(imports["import requests"])
        ),
        common.report_check(
            "import nevis_authcloud / import httpx", nevis_import / common.median(imports["import httpx"])
        ),
        common.report_check(
            "first call: nevis_authcloud / requests",
            common.median(firsts["nevis_authcloud Client() + first get_status"])
            / common.median(firsts["requests.Session() + first post().json()"]),
        ),
    ]
    rows = list(imports.values()) + list(firsts.values())
    common.write_result(
        "python-startup",
        "Python start-up: import and first call",
        "ms",
        False,
        rows,
        checks,
        f'Import rows: wall time of a fresh `python -c "<statement>"` process, median of {ROUNDS} '
        "(interpreter start-up included; the bare-interpreter row is that part alone). First-call rows: in "
        "a fresh process after the import, the time to construct the client and make one POST "
        "/api/v1/status on a pending approval, decoding the answer (for nevis_authcloud this includes "
        "starting its Rust runtime and opening the connection). Processes alternate between contenders. "
        f"{common.pinning_note()}. {common.versions('nevis-authcloud', 'requests', 'httpx')}.",
    )


if __name__ == "__main__":
    main()
