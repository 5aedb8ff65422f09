"""A database that cannot be reached: 503 with Retry-After, never a 500, and the health
check takes the instance out of rotation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from asyncpg.exceptions import DiskFullError
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request

from faxgate.api.app import create_app
from faxgate.api.context import ApiContext
from faxgate.api.errors import handle
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


async def test_database_disk_full_is_503(tmp_path: Path) -> None:
    """PostgreSQL's disk is not ours to watch, but its 'disk full' (SQLSTATE 53100) is a clear
    503 with Retry-After, not a 500, like SQLite's."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'faxgate.db'}"
    app = create_app(ApiContext.create(make_settings(tmp_path, url), open_database(url), "x"))
    request = Request({"type": "http", "method": "DELETE", "path": "/", "headers": [], "app": app})
    full = DBAPIError("DELETE FROM jobs", None, DiskFullError("could not extend file"))
    response = await handle(request, full)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert b"disk" in response.body
