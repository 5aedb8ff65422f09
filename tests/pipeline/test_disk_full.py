"""A full disk, for real: the data directory on a small tmpfs that the test fills.

While it is full, /health says so (503, with the reason), new jobs are refused with 503,
and DELETE still works (the client's way to make room). Renders that hit ENOSPC wait and
are tried again; once space returns, /health is 200 again and every accepted job reaches
its normal final status.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import anyio
import pytest
from fpdf import FPDF
from PIL import Image

from faxgate.config import Settings
from faxgate.store.db import Database, open_database
from tests.api.helpers import send, wait_final
from tests.conftest import PG_TEMPLATE, Service, _admin, _database, make_settings, start_service
from tests.documents import b64, job

pytestmark = pytest.mark.anyio

_SIZE = 16 * 1024 * 1024
_QUICK_RETRY = {"disk_retry_secs": 0.2, "job_check_secs": 0.2}


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs of our own (root may mount; a container without CAP_SYS_ADMIN cannot)."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={_SIZE}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


@pytest.fixture(params=["sqlite", "postgresql"])
async def disk_db(request: pytest.FixtureRequest, tmpfs: Path) -> AsyncIterator[Database]:
    """SQLite inside the data directory on the tmpfs, or PostgreSQL on a disk of its own."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmpfs / "faxgate.db")
        db = open_database(f"sqlite+aiosqlite:///{tmpfs / 'faxgate.db'}")
        yield db
        await db.dispose()
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    await _admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{PG_TEMPLATE}"')
    db = open_database(_database(server, name))
    yield db
    await db.dispose()
    await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _settings(tmpfs: Path, db: Database, **overrides: Any) -> Settings:
    url = db.reader.url.render_as_string(hide_password=False)
    return make_settings(tmpfs, url, **{**_QUICK_RETRY, **overrides})


def _running(
    settings: Settings, db: Database, workers: bool
) -> AbstractAsyncContextManager[Service]:
    return start_service(settings, db, workers=workers)


def _fill(directory: Path, leave: int = 0) -> Path:
    """Write a file until the filesystem is full, then give back `leave` bytes."""
    filler = directory / f"filler-{uuid.uuid4().hex[:6]}"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:  # unbuffered: closing has nothing to flush
        try:
            for _ in range(2 * _SIZE // len(chunk)):
                out.write(chunk)
        except OSError:
            pass
        out.truncate(max(0, filler.stat().st_size - leave))
    return filler


def _noise_pdf() -> bytes:
    """A one-page PDF of about 1 MiB (random pixels do not compress)."""
    image = Image.frombytes("L", (1000, 1000), os.urandom(1000 * 1000))
    png = io.BytesIO()
    image.save(png, "PNG")
    document = FPDF(format="A4")
    document.add_page()
    document.image(io.BytesIO(png.getvalue()), x=10, y=10, w=150)
    return bytes(document.output())


async def _health(service: Service) -> tuple[int, dict[str, Any]]:
    response = await service.client.get("/faxgate/v1/health")
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def test_full_disk_health_delete_and_recovery(tmpfs: Path, disk_db: Database) -> None:
    # A minimum above the reserve: a write that releases the reserve on the full disk still
    # leaves the free space below the minimum, so the reason always names the free space.
    settings = _settings(tmpfs, disk_db, disk_min_free_bytes=2 << 20, disk_reserve_bytes=1 << 20)
    async with _running(settings, disk_db, workers=True) as service:
        assert (await _health(service))[0] == 200
        accepted = [await send(service.client, job("+4930123456")) for _ in range(6)]
        filler = _fill(tmpfs)
        status, body = await _health(service)
        assert status == 503, body
        assert body["status"] == "unavailable"
        assert "free space" in body["reason"], body
        for _ in range(4):  # refused before they can take the room deletes need
            response = await service.client.post(service.url(), json=job("+4930123456"))
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"]
            assert "disk" in response.json()["error"]
        # the client frees space by deleting reports, which must work on a full disk
        gone = accepted.pop(0)
        deleted = await service.client.delete(service.url(f"/reports/{gone}"))
        assert deleted.status_code == 200, deleted.text
        assert (await service.client.get(service.url(f"/reports/{gone}"))).status_code == 404
        bulk = await service.client.post(
            service.url("/reports"), json={"action": "DELETE", "jobIds": [accepted.pop(0)]}
        )
        assert bulk.status_code == 200, bulk.text
        assert bulk.json()["reports"][0]["deleted"] is True

        filler.unlink()
        with anyio.fail_after(30):
            while True:
                if (await _health(service))[0] == 200:
                    break
                await anyio.sleep(0.1)
        for job_id in accepted:
            report = await wait_final(service.client, job_id)
            assert report["recipientStatus"][0]["status"] == "OK", report


async def test_enospc_during_render_is_retried(tmpfs: Path, disk_db: Database) -> None:
    """The disk has room enough to take the work, not to render it: the render fails with
    ENOSPC, the recipient waits (no RENDERING_ERROR), and goes through once space returns."""
    settings = _settings(
        tmpfs, disk_db, disk_min_free_bytes=64 * 1024, disk_reserve_bytes=0, rasteriser="pdfium"
    )
    async with _running(settings, disk_db, workers=False) as service:
        body = {
            "recipients": [{"number": "+4930123456"}],
            "documents": [{"name": "noise.pdf", "data": b64(_noise_pdf())}],
        }
        job_id = await send(service.client, body)
        filler = _fill(tmpfs, leave=512 * 1024)
        await service.runtime.start_workers()
        with anyio.fail_after(30):
            while True:
                report = (await service.client.get(service.url(f"/reports/{job_id}"))).json()
                [recipient] = report["recipientStatus"]
                assert recipient["status"] == "PENDING", recipient
                if "space" in (recipient["reason"] or ""):
                    break  # the render met the full disk and will be tried again
                await anyio.sleep(0.05)
        filler.unlink()
        report = await wait_final(service.client, job_id)
        assert report["recipientStatus"][0]["status"] == "OK", report
