"""Logins against a real `faxgate serve`: a password changed by the CLI, and which client
address the failure throttle counts."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import FaxgateServer, ServerFactory, run_cli


def test_a_password_changed_by_the_cli_stops_working_within_seconds(
    server: FaxgateServer,
) -> None:
    with server.client() as client:
        assert client.get(server.fax_url("/reports")).status_code == 200  # now remembered
    changed = run_cli(
        "accounts",
        "add",
        *("--cust-nr", server.cust_nr, "--login", server.login, "--password", "brand-new"),
        *server.store_args(),
        env=server.env,
    )
    assert changed.returncode == 0, changed.stderr
    deadline = time.monotonic() + 10
    while (old := httpx.get(server.fax_url("/reports"), auth=server.auth)).status_code == 200:
        assert time.monotonic() < deadline, "the old password still works after 10 s"
        time.sleep(0.2)
    assert old.status_code == 401, old.text
    new = httpx.get(server.fax_url("/reports"), auth=(server.login, "brand-new"))
    assert new.status_code == 200, new.text


def _guesses(server: FaxgateServer, forwarded_for: list[str]) -> list[int]:
    return [
        httpx.get(
            server.fax_url("/reports"),
            auth=(server.login, f"guess-{n}"),
            headers={"X-Forwarded-For": address},
            timeout=30,
        ).status_code
        for n, address in enumerate(forwarded_for)
    ]


@pytest.mark.parametrize("db_url", [None])  # SQLite only: no database question here
def test_forwarded_for_counts_only_from_a_trusted_proxy(faxgate_factory: ServerFactory) -> None:
    limits = {"FAXGATE_LOGIN_FAILURES_PER_ADDRESS": "3", "FAXGATE_LOGIN_FAILURE_WINDOW_SECS": "60"}
    spoofed = [f"192.0.2.{n}" for n in range(5)]

    direct = faxgate_factory(**limits)
    # A client that invents a new X-Forwarded-For per guess is still one address.
    assert _guesses(direct, spoofed) == [401, 401, 401, 429, 429]

    proxied = faxgate_factory(**limits, FAXGATE_TRUSTED_PROXIES="127.0.0.1")
    # Behind a trusted proxy (here: loopback), the forwarded address is the client's.
    assert _guesses(proxied, spoofed) == [401] * 5
    assert _guesses(proxied, ["198.51.100.1"] * 4) == [401, 401, 401, 429]
