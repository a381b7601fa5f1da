"""One round trip through each kind of proxy the SDK speaks (``http://`` and ``https://`` with a
``CONNECT`` tunnel, ``socks5://``), each requiring the credentials in the proxy URL.

The proxy is ``authcloud-test-proxy`` (tests/proxy), a real process the test starts; it prints its
URL, then one line per tunnel it opened. ``make test-python`` builds it and names it in
AUTHCLOUD_TEST_PROXY; a suite run without it (against released packages only) skips these tests.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from nevis_authcloud.testing import Simulator

PROXY = os.environ.get("AUTHCLOUD_TEST_PROXY")
USER, PASSWORD = "relay", "s3cret-proxy-pass"

pytestmark = pytest.mark.skipif(
    not PROXY or not os.access(PROXY, os.X_OK),
    reason="AUTHCLOUD_TEST_PROXY names no test proxy (make test-python builds one)",
)


@pytest.mark.parametrize("kind", ["http", "https", "socks5"])
def test_a_round_trip_through_each_kind_of_proxy(authcloud_sim_tls: Simulator, tmp_path: Path, kind: str) -> None:
    assert PROXY is not None and authcloud_sim_tls.ca_path is not None
    ca_file = tmp_path / "proxy-ca.pem"
    command = [PROXY, "--kind", kind, "--user", USER, "--password", PASSWORD, "--ca-file", str(ca_file)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proxy:
        assert proxy.stdin is not None and proxy.stdout is not None
        try:
            url = proxy.stdout.readline().strip()
            assert url.startswith(f"{kind}://127.0.0.1:"), url
            # The API's CA and, for an https:// proxy, the proxy's: both are verified the same way.
            pem = Path(authcloud_sim_tls.ca_path).read_text()
            if kind == "https":
                pem += ca_file.read_text()
            proxy_url = url.replace("://", f"://{USER}:{PASSWORD}@", 1)
            with authcloud_sim_tls.client(proxy=proxy_url, ca_certs=pem) as client:
                assert PASSWORD not in repr(client)
                client.ping()
            host = authcloud_sim_tls.base_url.split("://", 1)[1].rstrip("/")
            # SOCKS5: the proxy got the name, not an address (it resolves it, like socks5h).
            expected = f"socks domain {host}" if kind == "socks5" else f"tunnel {host}"
            assert proxy.stdout.readline().strip() == expected
        finally:
            proxy.stdin.close()
            proxy.wait(timeout=10)
