"""GET /faxgate/v1/metrics: the queue, the outbox and Fax-In as the database sees them, and
this process's request counter, parsed as Prometheus would parse them."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from faxgate.api.app import create_app
from faxgate.api.context import ApiContext
from faxgate.domain.faxin import InboundFax, ReceivedFax
from faxgate.domain.ids import new_faxin_id
from faxgate.domain.statuses import FaxStatus
from faxgate.service.inbound import add_number
from faxgate.store import faxin, queue
from faxgate.store.db import Database, open_database
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR, Service, make_settings, start_service
from tests.documents import job
from tests.pg_server import free_port

pytestmark = pytest.mark.anyio
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
STATES = ("due", "scheduled", "in_progress")


async def scrape(service: Service) -> Samples:
    async with service.anonymous() as anonymous:  # no credentials, like a Prometheus server
        response = await anonymous.get("/faxgate/v1/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def pending(samples: Samples) -> dict[str, float]:
    return {s: value(samples, "faxgate_recipients_pending", state=s) for s in STATES}


def requests(samples: Samples, method: str, status: int) -> float:
    # A series appears only once counted; absent means 0, as Prometheus would read it.
    key = ("faxgate_http_requests_total", frozenset({("method", method), ("status", str(status))}))
    return samples.get(key, 0.0)


@pytest.fixture
async def pushing(db: Database, tmp_path: Path, database_url: str) -> AsyncIterator[Service]:
    """Workers; pushes may go to loopback, and a failed one is retried only after a minute."""
    settings = make_settings(
        tmp_path, database_url, allow_networks=("127.0.0.0/8",), push_backoff_secs=(60.0,)
    )
    async with start_service(settings, db, workers=True) as service:
        yield service


async def test_an_empty_store_reports_zeros_for_every_series(api: Service) -> None:
    samples = await scrape(api)
    assert pending(samples) == dict.fromkeys(STATES, 0)
    assert value(samples, "faxgate_queue_oldest_due_seconds") == 0
    for kind in ("push", "mail"):
        assert value(samples, "faxgate_notifications_pending", kind=kind) == 0
        assert value(samples, "faxgate_notifications_oldest_pending_seconds", kind=kind) == 0
    assert value(samples, "faxgate_faxin_faxes", status="OK") == 0
    assert value(samples, "faxgate_faxin_unacknowledged") == 0
    assert value(samples, "faxgate_faxin_oldest_unacknowledged_seconds") == 0


async def test_submitted_jobs_are_due_and_their_wait_grows(api: Service) -> None:
    for _ in range(3):
        await send(api.client, job())
    first = await scrape(api)
    await anyio.sleep(0.3)
    second = await scrape(api)
    assert pending(first) == {"due": 3, "scheduled": 0, "in_progress": 0}
    assert pending(second) == pending(first)  # nobody works the queue: it stands still
    waited = value(first, "faxgate_queue_oldest_due_seconds")
    assert 0 <= waited < 60
    assert value(second, "faxgate_queue_oldest_due_seconds") >= waited + 0.25


async def test_a_job_valid_only_later_is_scheduled_not_due(api: Service) -> None:
    await send(api.client, job("+4930123456", "+4930123457", meta={"jobValid": {"start": "PT1H"}}))
    await send(api.client, job())
    samples = await scrape(api)
    assert pending(samples) == {"due": 1, "scheduled": 2, "in_progress": 0}


async def test_a_live_lease_is_in_progress_and_an_expired_one_due_again(api: Service) -> None:
    await send(api.client, job("+4930123456", "+4930123457"))
    now = time.time()
    async with api.db.writer.begin() as conn:  # two workers claim, as the pipeline would
        assert await queue.claim(conn, "w-live", now, 600, per_destination=1)
        # a lease that ran out a second ago: its worker died
        assert await queue.claim(conn, "w-dead", now, -1, per_destination=1)
    samples = await scrape(api)
    assert pending(samples) == {"due": 1, "scheduled": 0, "in_progress": 1}
    # the recipient whose worker died has been due since submission, not since its lease
    assert 0 <= value(samples, "faxgate_queue_oldest_due_seconds") < 60


async def test_a_finished_job_leaves_nothing_pending(service: Service) -> None:
    job_id = await send(service.client, job("+99900", "+99901"))
    await wait_final(service.client, job_id)
    samples = await scrape(service)
    assert pending(samples) == dict.fromkeys(STATES, 0)
    assert value(samples, "faxgate_queue_oldest_due_seconds") == 0
    assert value(samples, "faxgate_notifications_pending", kind="push") == 0


async def test_a_push_to_a_dead_receiver_stays_pending(pushing: Service) -> None:
    push = {"targetUrl": f"http://127.0.0.1:{free_port()}/report", "authMethod": "NONE"}
    job_id = await send(pushing.client, job("+99900", statusReportOptions={"httpStatusPush": push}))
    await wait_final(pushing.client, job_id)
    deadline = time.monotonic() + 30
    while True:  # until the first attempt has failed and the retry is a minute away
        (notification,) = (await pushing.client.get(f"/faxgate/v1/jobs/{job_id}")).json()[
            "notifications"
        ]
        if notification["attempts"]:
            break
        assert time.monotonic() < deadline, notification
        await anyio.sleep(0.05)
    assert notification["state"] == "pending"
    samples = await scrape(pushing)
    assert value(samples, "faxgate_notifications_pending", kind="push") == 1
    assert value(samples, "faxgate_notifications_pending", kind="mail") == 0
    assert 0 < value(samples, "faxgate_notifications_oldest_pending_seconds", kind="push") < 60
    assert value(samples, "faxgate_notifications_oldest_pending_seconds", kind="mail") == 0
    assert pending(samples) == dict.fromkeys(STATES, 0)


async def test_requests_are_counted_by_method_and_status_only(api: Service) -> None:
    before = await scrape(api)
    await send(api.client, job())  # 201
    assert (await api.client.post(api.url(), json={"recipients": []})).status_code == 400
    assert (await api.client.request("BREW", api.url())).status_code == 405
    after = await scrape(api)
    for method, status in (("POST", 201), ("POST", 400), ("OTHER", 405), ("GET", 200)):
        # GET 200: the first scrape, counted once its response was sent
        assert requests(after, method, status) - requests(before, method, status) == 1
    series = [labels for name, labels in after if name == "faxgate_http_requests_total"]
    assert series and all({k for k, _ in labels} == {"method", "status"} for labels in series)
    if sys.platform == "linux":  # prometheus_client reads them from /proc
        assert value(after, "process_resident_memory_bytes") > 0


async def test_an_unreachable_database_is_503(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing-listens-here"
    db = open_database(url)
    app = create_app(ApiContext.create(make_settings(tmp_path, url), db, "simulator"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://faxgate.test"
    ) as client:
        response = await client.get("/faxgate/v1/metrics")
    await db.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


async def _received(
    api: Service, status: FaxStatus, age_secs: float, ready: bool = True, acked: bool = False
) -> None:
    now = time.time()
    received = ReceivedFax(
        called_number="0049301234567", calling_number="", remote_csid="", local_csid="",
        pages=1, fine=True, bit_rate=14400, duration_secs=20.0, status=status, reason="",
        received_at=now - age_secs,
    )  # fmt: skip
    fax_id = new_faxin_id("dc1", int(now * 1000))
    fax = InboundFax(fax_id, CUST_NR, "sales", received, locked_until=0.0, acknowledged_at=None)
    async with api.db.writer.begin() as conn:
        await faxin.insert(conn, fax)
        if ready:
            await faxin.mark_ready(conn, fax.fax_id)
        if acked:
            await faxin.acknowledge(conn, CUST_NR, "sales", [fax.fax_id], now)
    await anyio.sleep(0.002)  # the next fax gets another ID (they carry the millisecond)


async def test_received_faxes_by_status_and_the_oldest_unacknowledged(api: Service) -> None:
    await add_number(api.db, CUST_NR, "+49 30 1234567", "sales", "topic-pw")
    await _received(api, FaxStatus.OK, age_secs=5000, acked=True)  # acknowledged: not waiting
    await _received(api, FaxStatus.OK, age_secs=100)
    await _received(api, FaxStatus.OK, age_secs=10)
    await _received(api, FaxStatus.REM_DIS, age_secs=50)  # broke off: delivered partial
    await _received(api, FaxStatus.OK, age_secs=9000, ready=False)  # files not in: not counted
    samples = await scrape(api)
    assert value(samples, "faxgate_faxin_faxes", status="OK") == 3
    assert value(samples, "faxgate_faxin_faxes", status="REM_DIS") == 1
    assert value(samples, "faxgate_faxin_unacknowledged") == 3
    assert 100 <= value(samples, "faxgate_faxin_oldest_unacknowledged_seconds") < 160
    async with api.db.writer.begin() as conn:
        fetched = await faxin.fetch(conn, CUST_NR, "sales", 10, 60, time.time())
        await faxin.acknowledge(conn, CUST_NR, "sales", [f.fax_id for f in fetched], time.time())
    samples = await scrape(api)
    assert value(samples, "faxgate_faxin_faxes", status="OK") == 3  # kept until the purge
    assert value(samples, "faxgate_faxin_unacknowledged") == 0
    assert value(samples, "faxgate_faxin_oldest_unacknowledged_seconds") == 0
