"""The API client commands report an unreachable service in one line, not a traceback."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from faxgate.cli import main


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


@pytest.mark.parametrize(
    "command", [["reports", "list"], ["reports", "get", "FJ0"], ["reports", "delete", "--oldest"]]
)
def test_unreachable_service_is_a_one_line_error(command: list[str]) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(main, [*command, "--url", url, "--password", "x"])
    assert result.exit_code == 1
    assert f"cannot reach faxgate at {url}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
