"""Settings from FAXGATE_* environment variables."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from faxgate.cli import main
from faxgate.config import Settings


def test_empty_variable_unsets_an_optional_path() -> None:
    settings = Settings.from_env({"FAXGATE_SMTP_CA_FILE": "", "FAXGATE_BLOCKLIST_FILE": "  "})
    assert settings.smtp_ca_file is None
    assert settings.blocklist_file is None


def test_path_and_number_variables_are_converted() -> None:
    settings = Settings.from_env(
        {"FAXGATE_SMTP_CA_FILE": "/etc/ssl/private-ca.pem", "FAXGATE_SMTP_PORT": "587"}
    )
    assert settings.smtp_ca_file == Path("/etc/ssl/private-ca.pem")
    assert settings.smtp_port == 587


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="FAXGATE_SMTP_PORT"):
        Settings.from_env({"FAXGATE_SMTP_PORT": "twenty-five"})


def test_a_trusted_proxy_that_is_no_address_is_refused_before_serving(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["serve", "--data-dir", str(tmp_path), "--port", "1"],
        env={"FAXGATE_TRUSTED_PROXIES": "127.0.0.1, nginx.internal"},
    )
    assert result.exit_code == 2, result.output
    assert "FAXGATE_TRUSTED_PROXIES: 'nginx.internal' is not an IP address or network" in (
        result.output
    )


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_required_sandbox_that_is_missing_is_one_line_before_serving(
    tmp_path: Path, command: str
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = CliRunner().invoke(
        main,
        [command, "--data-dir", str(tmp_path / "data")],
        env={"FAXGATE_SANDBOX": "bwrap", "PATH": str(empty)},  # no bwrap on the PATH
    )
    assert result.exit_code == 1, result.output
    assert "FAXGATE_SANDBOX=bwrap" in result.output
    assert "bubblewrap" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists(), "refused before the data dir is made"


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_an_unknown_spool_is_refused_before_serving(tmp_path: Path, command: str) -> None:
    result = CliRunner().invoke(
        main, [command, "--data-dir", str(tmp_path / "data")], env={"FAXGATE_SPOOL": "nfs"}
    )
    assert result.exit_code == 2, result.output
    assert "FAXGATE_SPOOL: unknown spool 'nfs' (data-dir | database)" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists(), "refused before the data dir is made"


def run_faxgate(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, as a user starts it: what it prints is all there is."""
    command = Path(sys.executable).parent / "faxgate"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAXGATE_")}
    return subprocess.run(
        [str(command), *args],
        check=False,
        cwd=cwd,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        ({"FAXGATE_CHANNELS": "abc"}, 2, "FAXGATE_CHANNELS: must be a whole number, not 'abc'"),
        ({"FAXGATE_LEASE_SECS": "long"}, 2, "FAXGATE_LEASE_SECS: must be a number, not 'long'"),
        (
            {"FAXGATE_CARRIER": "spa"},
            2,
            "FAXGATE_CARRIER: unknown carrier 'spa'; one of auto|simulator|spandsp|sip",
        ),
        (
            {"FAXGATE_DB_URL": "postgresql+asyncpg://fax:pw@127.0.0.1:1/fax"},
            1,
            "cannot use the database postgresql+asyncpg://fax:***@127.0.0.1:1/fax: ",
        ),
    ],
)
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_setting_that_cannot_be_used_is_one_line_and_nothing_starts(
    tmp_path: Path, command: str, env: dict[str, str], code: int, message: str
) -> None:
    done = run_faxgate(command, cwd=tmp_path, **env)
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith(f"Error: {message}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "worker started" not in done.stdout + done.stderr
    assert "pw" not in done.stderr.replace("pw@", "")  # the password is not shown


def test_a_port_in_use_is_one_line_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_faxgate("serve", "--port", str(port), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    refusal = f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert done.stderr.strip() == refusal
    assert not (tmp_path / "data").exists(), "refused before the database is made"
