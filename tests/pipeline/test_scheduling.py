"""Scheduling: the validity window, express first, one call at a time per line, channels,
and leases that survive a crashed worker."""

from __future__ import annotations

import time
from itertools import pairwise
from typing import Any

import anyio
import pytest

from faxgate.domain.attempt import NextStep
from faxgate.domain.retry import FailureCounts
from faxgate.domain.statuses import FaxStatus
from faxgate.store import queue
from tests.api.helpers import send, wait_final
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio


async def _attempts(service: Any, job_id: str) -> list[dict[str, Any]]:
    response = await service.client.get(f"/faxgate/v1/jobs/{job_id}")
    attempts: list[dict[str, Any]] = response.json()["attempts"]
    return attempts


async def test_nothing_is_dialled_before_the_start(make_service: ServiceFactory) -> None:
    async with make_service(workers=False) as service:
        job_id = await send(service.client, job(meta={"jobValid": {"start": "PT1H"}}))
        await service.runtime.start_workers()
        pipeline = service.runtime.pipeline
        assert pipeline is not None
        assert await pipeline.run_once() is False
        report = (await service.client.get(service.url(f"/reports/{job_id}"))).json()
    assert report["recipientStatus"][0]["status"] == "PENDING"


async def test_unsent_at_the_end_of_the_window_expires(make_service: ServiceFactory) -> None:
    async with make_service(workers=False) as service:
        job_id = await send(service.client, job(meta={"jobValid": {"end": "PT0.3S"}}))
        await anyio.sleep(0.4)  # the window closes before any worker runs
        await service.runtime.start_workers()
        report = await wait_final(service.client, job_id)
        attempts = await _attempts(service, job_id)
    recipient = report["recipientStatus"][0]
    assert recipient["status"] == "CANCELLED"
    assert "validity window" in recipient["reason"]
    assert attempts == []


async def test_express_jobs_are_dialled_first(make_service: ServiceFactory) -> None:
    async with make_service(workers=False, channels=1) as service:
        normal = [await send(service.client, job(f"+4930100{i}")) for i in range(3)]
        express = await send(service.client, job("+4930999", transportOptions={"isExpress": True}))
        await service.runtime.start_workers()
        for job_id in [*normal, express]:
            await wait_final(service.client, job_id)
        started = {
            job_id: (await _attempts(service, job_id))[0]["startedAt"]
            for job_id in [*normal, express]
        }
    assert min(started, key=lambda k: started[k]) == express
    assert sorted(normal, key=lambda k: started[k]) == normal


async def test_one_call_at_a_time_to_one_line(make_service: ServiceFactory) -> None:
    async with make_service(channels=4, sim_delay_secs=0.2) as service:
        same_line = [await send(service.client, job("+49 30 777")) for _ in range(4)]
        for job_id in same_line:
            await wait_final(service.client, job_id)
        calls = []
        for job_id in same_line:
            calls += [(a["startedAt"], a["endedAt"]) for a in await _attempts(service, job_id)]
        calls.sort()
    assert len(calls) == 4
    for (_, end), (next_start, _) in pairwise(calls):
        assert next_start >= end, "two calls overlapped on one line"


async def test_a_busy_line_is_skipped_not_waited_for(make_service: ServiceFactory) -> None:
    """The claim hands out other lines while one line's channel is taken."""
    async with make_service(workers=False) as service:
        first = await send(service.client, job("+49 30 777"))
        second = await send(service.client, job("+49 30 777"))
        other = await send(service.client, job("+49 40 888"))
        now = time.time()
        async with service.db.writer.begin() as conn:
            a = await queue.claim(conn, "w1", now, 60, per_destination=1)
            b = await queue.claim(conn, "w2", now, 60, per_destination=1)
            c = await queue.claim(conn, "w3", now, 60, per_destination=1)
        async with service.db.writer.begin() as conn:
            wider = await queue.claim(conn, "w4", now, 60, per_destination=2)
    assert a is not None and b is not None and wider is not None
    assert (a.job_id, b.job_id, c) == (first, other, None)
    assert wider.job_id == second  # with two channels per line the second call may go


async def test_a_crashed_workers_lease_is_reclaimed_and_its_late_result_refused(
    make_service: ServiceFactory,
) -> None:
    async with make_service(workers=False, lease_secs=0.3) as service:
        job_id = await send(service.client, job("+99900"))
        async with service.db.writer.begin() as conn:
            crashed = await queue.claim(conn, "crashed-worker", time.time(), 0.3, 1)
        assert crashed is not None and crashed.job_id == job_id
        await service.runtime.start_workers()
        report = await wait_final(service.client, job_id)
        assert report["recipientStatus"][0]["status"] == "OK"
        late = NextStep(
            True, FaxStatus.BUSY, "late", 0, 0.0, FailureCounts(), 0, None, 0, None, None
        )
        async with service.db.writer.begin() as conn:
            assert (
                await queue.record(conn, crashed, "crashed-worker", None, late, time.time())
                is False
            )
        report = (await service.client.get(service.url(f"/reports/{job_id}"))).json()
    assert report["recipientStatus"][0]["status"] == "OK"


async def test_deleting_a_pending_job_stops_it(make_service: ServiceFactory) -> None:
    async with make_service(workers=False) as service:
        job_id = await send(service.client, job("+99900"))
        assert (await service.client.delete(service.url(f"/reports/{job_id}"))).status_code == 200
        await service.runtime.start_workers()
        pipeline = service.runtime.pipeline
        assert pipeline is not None
        assert await pipeline.run_once() is False
        assert (await service.client.get(service.url(f"/reports/{job_id}"))).status_code == 404
