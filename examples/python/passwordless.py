"""The passwordless flow end to end with the Python SDK: register a user's Access App, send a push
approval, wait for the answer and check the result token.

Run it against the local simulator (`make demo` does this), which also plays the user's phone:

    NEVIS_AUTHCLOUD_BASE_URL=http://127.0.0.1:PORT NEVIS_AUTHCLOUD_ACCESS_KEY=sim-access-key \\
        python examples/python/passwordless.py

Against a real instance set NEVIS_AUTHCLOUD_INSTANCE and a real access key instead, and scan the QR
code with the Access App when asked. NEVIS_AUTHCLOUD_CA_FILE names extra CAs to trust (the
simulator's, under HTTPS).
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.request
from typing import Optional

from nevis_authcloud import Client, NevisError


class SimulatedPhone:
    """Plays the user's phone through the simulator's control plane. Against a real instance there
    is none: the example then waits for a real person to act in the Access App."""

    def __init__(self, base_url: str) -> None:
        simulated = "NEVIS_AUTHCLOUD_INSTANCE" not in os.environ
        self.control: Optional[str] = f"{base_url}/_sim" if simulated else None
        ca_file = os.environ.get("NEVIS_AUTHCLOUD_CA_FILE")
        self.tls = ssl.create_default_context(cafile=ca_file) if ca_file else None
        if self.tls is not None:
            # Python 3.13's strict X.509 checks reject the simulator's minimal test certificate.
            self.tls.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)

    def accept(self, transaction_id: str, what: str) -> None:
        if self.control is None:
            print(f"         waiting for the user, who {what} in the Access App …")
            return
        request = urllib.request.Request(
            f"{self.control}/operations/{transaction_id}/accept",
            data=json.dumps({}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10, context=self.tls) as response:
            if response.status != 200:
                raise RuntimeError(f"the simulated phone could not act: HTTP {response.status}")
        print(f"         (simulated phone {what})")


def main() -> int:
    # Instance or base URL, access key and CA file come from the NEVIS_AUTHCLOUD_* variables.
    with Client(app_info="passwordless-example/1.0") as client:
        phone = SimulatedPhone(client.base_url)

        client.ping()
        print(f"[python] 1. ping: service reachable at {client.base_url}")

        username = f"demo-python-{int(time.time() * 1000)}"
        enrolment = client.enroll(username=username, channel="app")
        enrollment = enrolment.enrollment
        if enrollment is None:
            raise RuntimeError("the enrolment answer has no enrollment part")
        qr_size = len(enrollment.qr_code.data_uri or "") if enrollment.qr_code else 0
        print(
            f"[python] 2. enrol: user {username} ({enrolment.user_id}) created; "
            f"show the QR code ({qr_size} bytes) or open {enrollment.app_link_uri or '-'}"
        )

        phone.accept(enrollment.transaction_id, "scans the QR code and confirms")
        registered = client.wait_for_status(enrollment.status_token, timeout=60, interval=0.2)
        print(f"[python] 3. enrolment status: {registered.status}")

        approval = client.approve(username=username, channel="push", prompt=True, message="Log in to Demo Shop?")
        print(f"[python] 4. approve: push sent (transaction {approval.transaction_id})")

        phone.accept(approval.transaction_id, "taps Accept")
        decided = client.wait_for_status(approval.status_token, timeout=60, interval=0.2)
        print(f"[python] 5. approval status: {decided.status}")
        if not decided.succeeded or decided.token is None:
            raise RuntimeError(f"the approval ended as {decided.status}")

        introspection = client.introspect(decided.token)
        print(
            f"[python] 6. introspect: transaction token active={introspection.active} "
            f"(subject {introspection.sub or '-'})"
        )
        if not introspection.active:
            raise RuntimeError("the transaction token is not active")
        print(f"[python] done: {username} logged in without a password")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (NevisError, RuntimeError, OSError) as err:
        print(f"passwordless example failed: {err}", file=sys.stderr)
        sys.exit(1)
