"""Fax-In polling credentials under the logins' guards: one argon2 check per unknown topic
as per known one, verified credentials remembered until the password changes, and the
failure throttle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from faxgate.service.inbound import add_number
from faxgate.store.db import Database
from tests.conftest import CUST_NR, OTHER_CUST_NR, Service, make_settings, start_service
from tests.faxin_faxes import NUMBER, OTHER_TOPIC, TOPIC, TOPIC_PASSWORD, add_topics, receive

pytestmark = pytest.mark.anyio
POLL = f"/faxin/rest/v1/topics/{TOPIC}?timeout=0"


@asynccontextmanager
async def serving(
    db: Database, tmp_path: Path, database_url: str, **overrides: Any
) -> AsyncIterator[Service]:
    settings = make_settings(tmp_path, database_url, **overrides)
    async with start_service(settings, db, workers=False) as service:
        await add_topics(db)
        yield service


def client_at(service: Service, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://faxgate.test")


async def test_every_check_costs_one_argon2_and_verified_ones_none(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    async with serving(db, tmp_path, database_url) as api:
        fax = await receive(api.settings, api.db, api.app.state.ctx.spool)
        slots = api.app.state.ctx.logins.slots

        async def checks(method: str, url: str, auth: tuple[str, str], code: int) -> int:
            before = slots.started
            response = await api.client.request(method, url, auth=auth)
            assert response.status_code == code, (url, auth, response.text)
            return int(slots.started - before)

        right = (CUST_NR, TOPIC_PASSWORD)
        assert await checks("POST", POLL, (CUST_NR, "wrong"), 401) == 1
        assert await checks("POST", "/faxin/rest/v1/topics/nosuch", right, 401) == 1
        assert await checks("POST", POLL, (OTHER_CUST_NR, TOPIC_PASSWORD), 401) == 1
        assert await checks("POST", POLL, right, 200) == 1
        assert await checks("POST", POLL, right, 200) == 0  # remembered
        assert await checks("GET", f"/faxin/rest/v1/files/{fax.pdf_name}", right, 200) == 0
        missing = "/faxin/rest/v1/files/FI00000000000000000000.pdf"
        assert await checks("GET", missing, right, 404) == 1
        # the same password for another topic is another credential
        other = f"/faxin/rest/v1/topics/{OTHER_TOPIC}"
        assert await checks("POST", other, right, 401) == 1


async def test_a_changed_topic_password_stops_working(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    async with serving(db, tmp_path, database_url, login_recheck_secs=0.001) as api:
        old = (CUST_NR, TOPIC_PASSWORD)
        assert (await api.client.post(POLL, auth=old)).status_code == 200
        await add_number(db, CUST_NR, NUMBER, TOPIC, "the-new-one")
        assert (await api.client.post(POLL, auth=old)).status_code == 401
        assert (await api.client.post(POLL, auth=(CUST_NR, "the-new-one"))).status_code == 200


async def test_failures_throttle_the_address(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    limits = {"login_failure_window_secs": 600.0, "login_failures_per_address": 3}
    async with (
        serving(db, tmp_path, database_url, **limits) as api,
        client_at(api, "192.0.2.7") as attacker,
        client_at(api, "198.51.100.9") as other,
    ):
        for n in range(3):
            guess = await attacker.post(POLL, auth=(CUST_NR, f"guess-{n}"))
            assert guess.status_code == 401
        throttled = await attacker.post(POLL, auth=(CUST_NR, TOPIC_PASSWORD))
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) >= 1
        assert (await other.post(POLL, auth=(CUST_NR, TOPIC_PASSWORD))).status_code == 200
