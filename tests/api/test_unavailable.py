"""A database that cannot be reached: 503 with Retry-After, never a 500, and the health
check takes the instance out of rotation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from faxgate.api.app import create_app
from faxgate.api.context import ApiContext
from faxgate.store.db import open_database
from tests.conftest import CUST_NR, LOGIN, PASSWORD, make_settings
from tests.documents import job
from tests.pg_server import free_port

pytestmark = pytest.mark.anyio


async def test_unreachable_database_is_503(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing-listens-here"
    db = open_database(url)
    app = create_app(ApiContext.create(make_settings(tmp_path, url), db, "simulator"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://faxgate.test", auth=(LOGIN, PASSWORD)
    ) as client:
        send = await client.post(f"/rest/v1/{CUST_NR}/fax", json=job())
        listing = await client.get(f"/rest/v1/{CUST_NR}/fax/reports")
        health = await client.get("/faxgate/v1/health")
    await db.dispose()
    for response in (send, listing):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "database" in response.json()["error"]
    assert health.status_code == 503
