"""GET /faxgate/v1/faxin/{faxId} and its files: a received fax's details with every push
attempt, the TIFF as received, its PDF and its pages as PNG, for logins of its account only
(on either spool)."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageChops

from faxgate.domain.faxin import FaxSource, InboundFax, ReceivedFax
from faxgate.domain.ids import new_faxin_id
from faxgate.domain.job import JobOptions
from faxgate.domain.notification import JobSnapshot, PushTarget
from faxgate.domain.report import JobReport, Reference
from faxgate.domain.statuses import FaxStatus
from faxgate.service.inbound import add_number
from faxgate.store import faxin, outbox
from faxgate.store.db import Database
from tests.conftest import (
    CUST_NR,
    LOGIN,
    OTHER_CUST_NR,
    OTHER_LOGIN,
    OTHER_PASSWORD,
    Service,
    make_settings,
    start_service,
)
from tests.handin_documents import fax_pages, fax_tiff

pytestmark = pytest.mark.anyio
NUMBER = "+49 30 1234567"


@pytest.fixture(params=["data-dir", "database"])
async def api(
    request: pytest.FixtureRequest, db: Database, tmp_path: Path, database_url: str
) -> AsyncIterator[Service]:
    settings = make_settings(tmp_path, database_url, spool=request.param)
    await add_number(db, CUST_NR, NUMBER, "sales", "topic-pw")
    await add_number(db, OTHER_CUST_NR, "+1 212 555 0100", "bob-in", "bob-pw")
    async with start_service(settings, db, workers=False) as service:
        yield service


ORIGINAL = fax_tiff(pages=2, fine=False)


async def handed_in(api: Service) -> str:
    answer = await api.client.post(
        "/faxgate/v1/faxin",
        params={"to": NUMBER, "from": "+49 89 7654321", "csid": "ACME Fax"},
        content=ORIGINAL,
        headers={"Content-Type": "image/tiff"},
    )
    assert answer.status_code == 201, answer.text
    fax_id: str = answer.json()["faxId"]
    return fax_id


def iso(value: float) -> str:
    return datetime.fromtimestamp(value, UTC).isoformat()


async def test_the_detail_shows_every_stored_field(api: Service) -> None:
    before = time.time()
    fax_id = await handed_in(api)
    answer = await api.client.get(f"/faxgate/v1/faxin/{fax_id}")
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    received_at = datetime.fromisoformat(shown.pop("receivedAt")).timestamp()
    assert before <= received_at <= time.time()
    assert shown == {
        "faxId": fax_id,
        "topic": "sales",
        "calledNumber": "0049301234567",
        "callingNumber": "0049897654321",
        "remoteCsid": "ACME Fax",
        "localCsid": "",
        "pages": 2,
        "resolution": "LOW",
        "bitRate": None,
        "durationInSecs": 0.0,
        "status": "OK",
        "reason": "",
        "source": "gateway",
        "lockedUntil": None,
        "acknowledgedAt": None,
        "notifications": [],
    }


async def test_a_fetched_and_acknowledged_fax_shows_when(api: Service) -> None:
    fax_id = await handed_in(api)
    now = time.time()
    async with api.db.writer.begin() as conn:
        (fetched,) = await faxin.fetch(conn, CUST_NR, "sales", 10, 60, now)
        assert fetched.fax_id == fax_id
    locked = (await api.client.get(f"/faxgate/v1/faxin/{fax_id}")).json()
    assert (locked["lockedUntil"], locked["acknowledgedAt"]) == (iso(now + 60), None)
    async with api.db.writer.begin() as conn:
        assert await faxin.acknowledge(conn, CUST_NR, "sales", [fax_id], now + 1) == 1
    done = (await api.client.get(f"/faxgate/v1/faxin/{fax_id}")).json()
    assert done["acknowledgedAt"] == iso(now + 1)


async def test_the_detail_lists_the_inbound_pushes_and_their_attempts(api: Service) -> None:
    fax_id = await handed_in(api)
    report = JobReport(fax_id, (), 0, Reference(), datetime.now(UTC), None)
    target = PushTarget("https://user:pw@push.example/faxin")
    now = time.time()
    async with api.db.writer.begin() as conn:
        await outbox.enqueue(
            conn, fax_id, LOGIN, JobSnapshot(report, JobOptions(), ()), [target], now
        )
        claimed = await outbox.claim(conn, "w1", now, 60)
        assert isinstance(claimed, outbox.Delivery) and claimed.job_id == fax_id
        await outbox.record(conn, claimed, "w1", now, False, 500, "HTTP 500", now + 30)
    (shown,) = (await api.client.get(f"/faxgate/v1/faxin/{fax_id}")).json()["notifications"]
    assert shown == {
        "channel": "push",
        "deliveryId": claimed.delivery_id,
        "target": "https://user:***@push.example/faxin",  # never the password
        "state": "pending",
        "attempts": [{"at": now, "statusCode": 500, "error": "HTTP 500", "delivered": False}],
    }


async def test_the_files_and_pages_of_the_fax(api: Service) -> None:
    fax_id = await handed_in(api)
    tiff = await api.client.get(f"/faxgate/v1/faxin/{fax_id}/fax.tiff")
    assert tiff.status_code == 200 and tiff.headers["content-type"] == "image/tiff"
    assert tiff.content == ORIGINAL

    pdf = await api.client.get(f"/faxgate/v1/faxin/{fax_id}/fax.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.content)
    try:
        assert len(document) == 2
        width, height = document[0].get_size()  # points: a normal fax page keeps its size
        assert abs(width - 1728 / 204 * 72) < 1 and abs(height - 1100 / 98 * 72) < 1
    finally:
        document.close()

    for number, sent in enumerate(fax_pages(2, fine=False), start=1):
        png = await api.client.get(f"/faxgate/v1/faxin/{fax_id}/pages/{number}.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(png.content)) as shown:
            # a normal-resolution page is shown with square pixels: each row twice
            expected = sent.resize((1728, 2200), Image.Resampling.NEAREST).convert("L")
            assert ImageChops.difference(shown.convert("L"), expected).getbbox() is None
    for missing in (0, 3):
        answer = await api.client.get(f"/faxgate/v1/faxin/{fax_id}/pages/{missing}.png")
        assert answer.status_code == 404


async def test_only_logins_of_the_faxs_account_see_it(api: Service) -> None:
    fax_id = await handed_in(api)
    paths = ["", "/fax.tiff", "/fax.pdf", "/pages/1.png"]
    async with api.anonymous() as other:
        other.auth = ("carol", "carol-secret")  # another login of the same account
        for path in paths:
            assert (await other.get(f"/faxgate/v1/faxin/{fax_id}{path}")).status_code == 200
        other.auth = (OTHER_LOGIN, OTHER_PASSWORD)  # another customer: no such fax
        for path in paths:
            answer = await other.get(f"/faxgate/v1/faxin/{fax_id}{path}")
            assert (answer.status_code, answer.content) == (404, b"")
    async with api.anonymous() as anonymous:
        assert (await anonymous.get(f"/faxgate/v1/faxin/{fax_id}")).status_code == 401
    for path in paths:  # an ID nobody has: the same 404
        answer = await api.client.get(f"/faxgate/v1/faxin/FI0000000000DC10000000{path}")
        assert (answer.status_code, answer.content) == (404, b"")


async def test_a_fax_whose_files_are_not_in_yet_is_not_shown(api: Service) -> None:
    received = ReceivedFax(
        called_number="0049301234567", calling_number="", remote_csid="", local_csid="",
        pages=1, fine=True, bit_rate=14400, duration_secs=30.0, status=FaxStatus.OK,
        reason="", received_at=time.time(), source=FaxSource.NETWORK,
    )  # fmt: skip
    fax = InboundFax(
        new_faxin_id("dc1", int(time.time() * 1000)), CUST_NR, "sales", received, 0.0, None
    )
    async with api.db.writer.begin() as conn:
        await faxin.insert(conn, fax)  # the intake's first step only
    for path in ("", "/fax.tiff", "/fax.pdf", "/pages/1.png"):
        answer = await api.client.get(f"/faxgate/v1/faxin/{fax.fax_id}{path}")
        assert answer.status_code == 404, path
