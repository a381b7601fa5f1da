"""The type information ships and is true: `mypy --strict` accepts a program using the whole API,
and stubtest finds no drift between `_native.pyi` and the compiled module."""

from __future__ import annotations

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # mypy's cache would land in the source tree; the runs here are one-off anyway.
    env = dict(os.environ, MYPY_CACHE_DIR=os.devnull)
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=HERE, timeout=300, env=env)


def test_mypy_strict_accepts_the_public_api():
    result = _run("mypy", "--strict", "--no-incremental", "typecheck_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubs_match_the_native_module():
    result = _run("mypy.stubtest", "nevis_authcloud", "--concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_is_marked_typed():
    import nevis_authcloud

    assert os.path.exists(os.path.join(os.path.dirname(nevis_authcloud.__file__), "py.typed"))
