"""How the pytest plugin finds ``authcloud-sim``: ``$AUTHCLOUD_SIM`` first, then the binary the
``nevis-authcloud-sim`` wheel installed beside the interpreter (no activated virtual environment
needed), then ``PATH``; when there is none, the error says what to install."""

from __future__ import annotations

import os
import stat
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from nevis_authcloud.testing import SimulatorError, find_simulator


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AUTHCLOUD_SIM, an empty scripts folder beside the interpreter and an empty PATH."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    monkeypatch.delenv("AUTHCLOUD_SIM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    real_get_path = sysconfig.get_path

    def get_path(name: str, *args: Any, **kwargs: Any) -> str:
        return str(scripts) if name == "scripts" else real_get_path(name, *args, **kwargs)

    monkeypatch.setattr(sysconfig, "get_path", get_path)
    return tmp_path


def test_authcloud_sim_wins(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = _executable(isolated / "chosen-sim")
    _executable(isolated / "scripts" / "authcloud-sim")
    monkeypatch.setenv("AUTHCLOUD_SIM", str(chosen))
    assert find_simulator() == str(chosen)


def test_a_wrong_authcloud_sim_is_named(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHCLOUD_SIM", str(isolated / "missing"))
    with pytest.raises(SimulatorError, match=r"AUTHCLOUD_SIM=.*missing.* is not a file"):
        find_simulator()


def test_the_wheels_binary_beside_the_interpreter_comes_first(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    beside = _executable(isolated / "scripts" / "authcloud-sim")
    on_path = isolated / "bin"
    on_path.mkdir()
    _executable(on_path / "authcloud-sim")
    monkeypatch.setenv("PATH", str(on_path))
    assert find_simulator() == str(beside)


def test_path_is_the_last_resort(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = isolated / "bin"
    on_path.mkdir()
    found = _executable(on_path / "authcloud-sim")
    monkeypatch.setenv("PATH", str(on_path))
    assert os.path.samefile(find_simulator(), found)


def test_without_a_simulator_the_error_says_what_to_install(isolated: Path) -> None:
    with pytest.raises(SimulatorError, match=r"pip install nevis-authcloud-sim \(or nevis-authcloud\[testing\]\)"):
        find_simulator()
