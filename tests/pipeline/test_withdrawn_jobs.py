"""A job deleted (or past its validity end) while a worker is on it: its render is stopped,
its call hung up, its channel freed, nothing of it stays on disk, and shutdown does not wait.

The documents are long enough that a render left to run would take a minute or more, the
simulated call five minutes: the generous bounds below are liveness bounds, far from both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio
import pytest
from sqlalchemy import select

from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spool_dir import image_file
from faxgate.store.tables import recipients
from tests.api.helpers import send, wait_final
from tests.conftest import Service
from tests.documents import b64, job
from tests.pipeline.conftest import ServiceFactory
from tests.processes import all_gone, all_stopped_working
from tests.render.test_render_timeout import long_pdf

pytestmark = pytest.mark.anyio

# A render of this many pdfium pages takes a minute or more (about 65 ms a page or slower).
_LONG_PAGES = 1000
_SLOW = {"rasteriser": "pdfium", "render_processes": 1, "channels": 1, "max_pages": 2000}
_BOUND = 20.0  # seconds: far below what the render or the call would take if left to run


def _long_job(**extra: Any) -> dict[str, Any]:
    return {
        "recipients": [{"number": "+4930123456"}],
        "documents": [{"name": "long.pdf", "data": b64(long_pdf(_LONG_PAGES))}],
        **extra,
    }


async def _wait_leased(db: Database, job_id: str) -> None:
    """Until a worker has claimed the job's recipient (its render then starts at once)."""
    with anyio.fail_after(_BOUND):
        while True:
            async with db.reader.connect() as conn:
                owner = (
                    await conn.execute(
                        select(recipients.c.lease_owner).where(recipients.c.job_id == job_id)
                    )
                ).scalar()
            if owner is not None:
                return
            await anyio.sleep(0.02)


def _render_pids(service: Service) -> set[int]:
    renderer = service.runtime.renderer
    assert renderer is not None
    return set(renderer._pool._processes)


def _job_files(service: Service, job_id: str) -> Iterable[str]:
    data_dir = service.settings.data_dir
    return [area for area in ("cache", "spool", "received") if (data_dir / area / job_id).exists()]


async def test_deleting_a_job_stops_its_render(make_service: ServiceFactory) -> None:
    async with make_service(**_SLOW) as service:
        job_id = await send(service.client, _long_job())
        await _wait_leased(service.db, job_id)
        await anyio.sleep(1.0)  # well into the render
        busy = _render_pids(service)
        assert busy
        deleted = await service.client.delete(service.url(f"/reports/{job_id}"))
        assert deleted.status_code == 200
        # the render is stopped, not left to finish a document nobody wants: its process is
        # killed, or idle when the delete removed its files first and the render gave up
        stopped = await anyio.to_thread.run_sync(all_stopped_working, busy, _BOUND)
        assert stopped, "render still running"
        # the only channel is free again: the next job goes through
        other = await send(service.client, job("+4930123456"))
        report = await wait_final(service.client, other, within=_BOUND)
        assert report["recipientStatus"][0]["status"] == "OK"
        assert not _job_files(service, job_id)
        # and shutting down right after a deleted render does not wait for anything
        second = await send(service.client, _long_job())
        await _wait_leased(service.db, second)
        await anyio.sleep(1.0)
        assert (await service.client.delete(service.url(f"/reports/{second}"))).status_code == 200
        with anyio.fail_after(_BOUND):
            await service.runtime.stop_workers()
        assert not _job_files(service, second)


async def test_a_render_past_the_validity_end_is_stopped(make_service: ServiceFactory) -> None:
    async with make_service(**_SLOW) as service:
        job_id = await send(service.client, _long_job(meta={"jobValid": {"end": "PT6S"}}))
        await _wait_leased(service.db, job_id)
        busy = _render_pids(service)
        report = await wait_final(service.client, job_id, within=_BOUND + 6)
        [recipient] = report["recipientStatus"]
        assert recipient["status"] == "CANCELLED"
        assert recipient["reason"].startswith("JOB_EXPIRED")
        assert await anyio.to_thread.run_sync(all_gone, busy, _BOUND), "render still running"
        assert not image_file(
            service.settings.data_dir, ImageKey(job_id, ImageKind.SENT, 0)
        ).exists()


async def test_a_deleted_jobs_call_is_hung_up(make_service: ServiceFactory) -> None:
    async with make_service(channels=1, sim_delay_secs=300.0) as service:
        job_id = await send(service.client, job("+4930123456"))
        spooled = image_file(service.settings.data_dir, ImageKey(job_id, ImageKind.SENT, 0))
        with anyio.fail_after(_BOUND):  # rendered: the five-minute call is under way
            while True:
                if spooled.exists():
                    break
                await anyio.sleep(0.02)
        await anyio.sleep(0.5)
        deleted = await service.client.delete(service.url(f"/reports/{job_id}"))
        assert deleted.status_code == 200
        # the channel takes the next job: it has put the deleted job's line down
        other = await send(service.client, job("+4930123457"))
        await _wait_leased(service.db, other)
        assert not _job_files(service, job_id)
        assert (await service.client.delete(service.url(f"/reports/{other}"))).status_code == 200
        with anyio.fail_after(_BOUND):
            await service.runtime.stop_workers()
