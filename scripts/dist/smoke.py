"""A push login against the packaged simulator, with only the installed wheels (no repository code).

    python scripts/dist/smoke.py

Used by `make dist-check` on the CPython versions other than the one running the full suite, and by
the release workflow on every platform it publishes for.
"""

import sys

import nevis_authcloud
from nevis_authcloud.testing import Simulator, find_simulator

for tls in (False, True):
    with Simulator(tls=tls) as sim, sim.client(timeout=10) as client:
        client.ping()
        enrolment = client.enroll(username="alice", channel="push")
        sim.accept(enrolment.transaction_id)
        approval = client.approve(username="alice", channel="push", message="Log in?")
        sim.accept(approval.transaction_id)
        status = client.wait_for_status(approval.status_token, interval=0.02, timeout=10)
        assert status.succeeded, status
major, minor = sys.version_info[:2]
print(
    f"CPython {major}.{minor}: push login over HTTP and HTTPS with {nevis_authcloud.__name__} "
    f"from {nevis_authcloud.__file__} and {find_simulator()}"
)
