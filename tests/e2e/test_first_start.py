"""First start on an empty data directory: a demo account is printed, and it works."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.conftest import FaxgateServer, run_cli

BANNER = "Created a demo account"
CREDENTIALS = re.compile(r"custNr (\S+)\s+login (\S+)\s+password (\S+)")


def banner_of(server: FaxgateServer, run: int) -> str:
    """The stderr of start `run`; the banner is printed before uvicorn starts serving."""
    deadline = time.monotonic() + 30
    text = server.stderr(run)
    while "Uvicorn running on" not in text:
        assert time.monotonic() < deadline, f"no start-up lines:\n{text}"
        time.sleep(0.1)
        text = server.stderr(run)
    return text


@pytest.mark.parametrize("db_url", [None], ids=["sqlite"])  # the empty data directory case
def test_first_start_prints_a_working_demo_account_once(
    faxgate_factory: Callable[..., FaxgateServer],
) -> None:
    server = faxgate_factory(add_account=False)
    first = banner_of(server, 1)
    assert f"faxgate on {server.url}" in first, first
    assert BANNER in first, first
    found = CREDENTIALS.search(first)
    assert found, f"no credentials in the banner:\n{first}"
    server.cust_nr, server.login, server.password = found.groups()

    # The printed credentials work against the API.
    listed = httpx.get(server.fax_url("/reports"), auth=server.auth, timeout=30)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"reports": []}

    # The printed curl example works as printed.
    example = first.split("test number +99900:\n", 1)[1].split("Read the reports:", 1)[0]
    assert example.strip().startswith("curl "), first
    assert shutil.which("curl"), "curl is missing: scripts/setup --dev installs it"
    sent = subprocess.run(
        ["bash", "-c", example], capture_output=True, text=True, timeout=60, check=False
    )
    assert sent.returncode == 0, sent.stderr
    assert re.fullmatch(r'\{"jobId":\s*"FJ[A-Z0-9]{20}"\}', sent.stdout.strip()), sent.stdout

    # A second start on the same data creates no other account and prints no banner.
    server.stop()
    server.start()
    second = banner_of(server, 2)
    assert BANNER not in second, second
    logins = run_cli("accounts", "list", *server.store_args(), env=server.env)
    assert logins.returncode == 0, logins.stderr
    assert logins.stdout.split() == [server.cust_nr, server.login], logins.stdout
    again = httpx.get(server.fax_url("/reports"), auth=server.auth, timeout=30)
    assert again.status_code == 200, again.text


@pytest.mark.parametrize("db_url", [None], ids=["sqlite"])
def test_with_a_region_the_printed_commands_work_as_printed(
    faxgate_factory: Callable[..., FaxgateServer],
) -> None:
    """Strict regions answer report calls on the HA URL with 421: the banner uses a DC URL."""
    server = faxgate_factory(add_account=False, FAXGATE_REGION="de")
    first = banner_of(server, 1)
    assert "region de" in first, first
    send = first.split("test number +99900:\n", 1)[1].split("Read the reports:", 1)[0]
    read = first.split("Read the reports:\n", 1)[1].splitlines()[0]
    assert "/de1/rest/v1/" in send and "/de1/rest/v1/" in read, first
    for example in (send, read):
        done = subprocess.run(
            ["bash", "-c", f"{example.strip()} -w '\\n%{{http_code}}'"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.rsplit("\n", 1)[1] in ("200", "201"), done.stdout
