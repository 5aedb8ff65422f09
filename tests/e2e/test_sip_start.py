"""`faxgate serve` with the SIP carrier stops at start with one line when its line cannot
open: a bad setting, or a SIP port another process holds."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_env, free_port, run_cli

pytestmark = pytest.mark.parametrize("db_url", [None])


def _serve(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    done = run_cli(
        "serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"),
        env=clean_env(FAXGATE_CARRIER="sip", FAXGATE_SIP_PROXY="127.0.0.1:5999", **env),
        timeout=60,
    )  # fmt: skip
    return done.returncode, [line for line in done.stderr.splitlines() if line]


def test_a_bad_sip_setting_is_one_line(tmp_path: Path, db_url: str | None) -> None:
    code, lines = _serve(tmp_path, FAXGATE_SIP_T38="sometimes")
    assert code == 1
    assert lines[-1] == "Error: FAXGATE_SIP_T38: 'sometimes': reinvite, direct or off"
    assert not any("Traceback" in line for line in lines)


def test_a_sip_port_in_use_is_one_line(tmp_path: Path, db_url: str | None) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        code, lines = _serve(tmp_path, FAXGATE_SIP_LISTEN=f"127.0.0.1:{port}")
    assert code == 1
    assert lines[-1] == f"Error: FAXGATE_SIP_LISTEN: 127.0.0.1:{port}: Address already in use"
    assert not any("Traceback" in line for line in lines)
