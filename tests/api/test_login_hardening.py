"""Logins under attack: enumeration by timing, password guessing, argon2 floods, and a
password that was changed but keeps working."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from argon2 import PasswordHasher

from faxgate.service.accounts import add_login
from faxgate.service.auth import hash_password
from faxgate.store.accounts import upsert_login
from faxgate.store.db import Database, open_database
from tests.conftest import CUST_NR, LOGIN, PASSWORD, Service, make_settings, start_service

pytestmark = pytest.mark.anyio

REPORTS = f"/rest/v1/{CUST_NR}/fax/reports"


@asynccontextmanager
async def serving(
    db: Database, tmp_path: Path, database_url: str, **overrides: Any
) -> AsyncIterator[Service]:
    settings = make_settings(tmp_path, database_url, **overrides)
    async with start_service(settings, db, workers=False) as service:
        yield service


def client_at(service: Service, address: str) -> httpx.AsyncClient:
    """A client of the app whose requests come from `address` (the ASGI scope's client)."""
    transport = httpx.ASGITransport(app=service.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://faxgate.test")


async def reports(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.get(REPORTS, auth=(login, password))


async def test_unknown_and_known_logins_take_as_long_with_a_wrong_password(api: Service) -> None:
    known, unknown = [], []
    for n in range(15):  # each try from its own address: throttling is not what is measured
        async with client_at(api, f"10.1.{n}.1") as client:
            started = time.perf_counter()
            answer = await reports(client, LOGIN, f"wrong-{n}")
            known.append(time.perf_counter() - started)
            assert answer.status_code == 401
        async with client_at(api, f"10.2.{n}.1") as client:
            started = time.perf_counter()
            answer = await reports(client, f"nobody-{n}", f"wrong-{n}")
            unknown.append(time.perf_counter() - started)
            assert answer.status_code == 401
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.5 < ratio < 2, (ratio, statistics.median(known), statistics.median(unknown))


def _assert_throttled(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text
    assert answer.json() == {
        "status": 429,
        "field": "Authorization",
        "error": answer.json()["error"],
    }
    assert "too many failed logins" in answer.json()["error"]
    retry_after = int(answer.headers["Retry-After"])
    assert 1 <= retry_after <= 2, retry_after
    return retry_after


class ConcurrencyProbe:
    """Counts argon2 verifications running at the same time (wraps the library's verify)."""

    def __init__(self, verify: Callable[..., Any]) -> None:
        self._verify = verify
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.calls = 0

    def verify(self, hasher: PasswordHasher, *args: Any) -> Any:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            return self._verify(hasher, *args)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> ConcurrencyProbe:
    counter = ConcurrencyProbe(PasswordHasher.verify)

    def verify(hasher: PasswordHasher, *args: Any) -> Any:
        return counter.verify(hasher, *args)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return counter


async def _until_throttled(api: Service, login: str, address: str) -> None:
    """Wait until the guesses under way have been counted (before their checks end)."""
    throttle = api.app.state.ctx.logins.throttle
    deadline = time.monotonic() + 30
    while throttle.wait(login, address, time.monotonic()) == 0:
        assert time.monotonic() < deadline, "the guesses were never counted"
        await anyio.sleep(0.005)


async def _guess(client: httpx.AsyncClient, login: str, n: int, codes: list[int]) -> None:
    codes.append((await reports(client, login, f"guess-{n}")).status_code)


# A limit of 3 in 6 s drains at 0.5 a second: once throttled, the next attempt waits 2 s.
# Every guess is counted when it starts, so the checks may take as long as they like here.
async def test_failures_from_one_address_throttle_that_address(
    db: Database, tmp_path: Path, database_url: str, probe: ConcurrencyProbe
) -> None:
    async with (
        serving(
            db, tmp_path, database_url, login_failure_window_secs=6.0, login_failures_per_address=3
        ) as api,
        client_at(api, "192.0.2.7") as attacker,
        client_at(api, "198.51.100.9") as other,
    ):
        codes: list[int] = []
        async with anyio.create_task_group() as group:
            for n in range(3):
                group.start_soon(_guess, attacker, LOGIN, n, codes)
            await _until_throttled(api, LOGIN, "192.0.2.7")
            _assert_throttled(await reports(attacker, LOGIN, "guess-3"))
            _assert_throttled(await reports(attacker, "carol", "guess-4"))
            # The right password does not get through either.
            retry_after = _assert_throttled(await reports(attacker, LOGIN, PASSWORD))
        assert codes == [401] * 3
        assert probe.calls == 3  # no argon2 check for any throttled request

        # Another address is not affected, for the same login.
        assert (await reports(other, LOGIN, PASSWORD)).status_code == 200
        assert (await reports(other, LOGIN, "typo")).status_code == 401

        await anyio.sleep(retry_after)
        assert (await reports(attacker, LOGIN, PASSWORD)).status_code == 200


async def test_failures_for_one_login_from_many_addresses_spare_its_known_addresses(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    async with serving(
        db,
        tmp_path,
        database_url,
        login_failure_window_secs=8.0,
        login_failures_per_address=2,
        login_failures_per_login=4,
    ) as api:
        async with client_at(api, "203.0.113.1") as customer:
            assert (await reports(customer, LOGIN, PASSWORD)).status_code == 200
        codes: list[int] = []
        bots = [client_at(api, f"192.0.2.{n + 10}") for n in range(4)]
        async with anyio.create_task_group() as group:
            for n, bot in enumerate(bots):  # one guess from each, none over its own limit
                group.start_soon(_guess, bot, LOGIN, n, codes)
            await _until_throttled(api, LOGIN, "192.0.2.99")
            async with client_at(api, "192.0.2.99") as newcomer:
                _assert_throttled(await reports(newcomer, LOGIN, PASSWORD))
                # Other logins from that address are not affected.
                assert (await reports(newcomer, "carol", "carol-secret")).status_code == 200
            # The address the customer logged in from keeps working.
            async with client_at(api, "203.0.113.1") as customer:
                assert (await reports(customer, LOGIN, PASSWORD)).status_code == 200
        assert codes == [401] * 4
        for bot in bots:
            await bot.aclose()


async def _concurrent_guesses(api: Service, count: int) -> list[httpx.Response]:
    answers: list[httpx.Response] = []

    async def guess(n: int) -> None:
        async with client_at(api, f"10.9.{n}.1") as client:
            answers.append(await reports(client, LOGIN, f"guess-{n}"))

    async with anyio.create_task_group() as group:
        for n in range(count):
            group.start_soon(guess, n)
    return answers


async def test_concurrent_password_checks_are_bounded(
    db: Database, tmp_path: Path, database_url: str, probe: ConcurrencyProbe
) -> None:
    async with serving(
        db, tmp_path, database_url, login_hash_concurrency=2, login_hash_wait_secs=120.0
    ) as api:
        answers = await _concurrent_guesses(api, 32)
    assert sorted({a.status_code for a in answers}) == [401]
    assert probe.calls == 32
    assert 1 <= probe.peak <= 2, probe.peak


async def test_too_many_waiting_password_checks_get_503(
    db: Database, tmp_path: Path, database_url: str, probe: ConcurrencyProbe
) -> None:
    async with serving(
        db, tmp_path, database_url, login_hash_concurrency=1, login_hash_queue=2
    ) as api:
        answers = await _concurrent_guesses(api, 12)
    busy = [a for a in answers if a.status_code == 503]
    assert {a.status_code for a in answers} == {401, 503}
    assert len(busy) >= 6, [a.status_code for a in answers]
    assert all(a.headers["Retry-After"].isdigit() for a in busy)
    assert busy[0].json()["field"] == "Authorization"
    assert probe.peak == 1


async def test_a_changed_password_fails_at_once_in_the_process_that_changed_it(
    api: Service,
) -> None:
    assert (await reports(api.client, LOGIN, PASSWORD)).status_code == 200  # now remembered
    await add_login(api.db, CUST_NR, LOGIN, "the-new-one")
    assert (await reports(api.client, LOGIN, PASSWORD)).status_code == 401
    assert (await reports(api.client, LOGIN, "the-new-one")).status_code == 200


async def test_a_password_changed_elsewhere_fails_within_seconds(
    api: Service, database_url: str
) -> None:
    assert (await reports(api.client, LOGIN, PASSWORD)).status_code == 200  # now remembered
    elsewhere = open_database(database_url)  # another process's handle, no shared memory
    try:
        async with elsewhere.writer.begin() as conn:
            await upsert_login(conn, CUST_NR, LOGIN, hash_password("changed"), time.time())
    finally:
        await elsewhere.dispose()
    deadline = time.monotonic() + 8
    while (answer := await reports(api.client, LOGIN, PASSWORD)).status_code == 200:
        assert time.monotonic() < deadline, "the old password still works after 8 s"
        await anyio.sleep(0.2)
    assert answer.status_code == 401
    assert (await reports(api.client, LOGIN, "changed")).status_code == 200


async def test_a_burst_of_one_customer_shares_one_check_and_is_not_throttled(
    db: Database, tmp_path: Path, database_url: str, probe: ConcurrencyProbe
) -> None:
    """A client that sends many requests at once with a cold cache (after a restart, or when
    the minute is over) costs one argon2 check, and its attempts do not use up its limit."""
    async with (
        serving(
            db, tmp_path, database_url, login_failures_per_address=3, login_hash_queue=2
        ) as api,
        client_at(api, "203.0.113.5") as customer,
    ):
        answers: list[int] = []

        async def fetch() -> None:
            answers.append((await reports(customer, LOGIN, PASSWORD)).status_code)

        async with anyio.create_task_group() as group:
            for _ in range(16):
                group.start_soon(fetch)
    assert answers == [200] * 16
    assert probe.calls == 1
