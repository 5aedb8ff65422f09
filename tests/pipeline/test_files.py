"""The fax as sent and as received, served per recipient with the reports' isolation, and
removed with the report or by the retention purge."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageChops
from sqlalchemy import update

from faxgate.carriers.spandsp import spandsp_available
from faxgate.domain.job import AccountChanges
from faxgate.sealing.keys import secret_box
from faxgate.service.account_admin import configure
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spool_dir import image_file
from faxgate.store.tables import jobs
from tests.api.helpers import send, wait_final
from tests.conftest import OTHER_CUST_NR, OTHER_LOGIN, OTHER_PASSWORD
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio


def _frames(data: bytes) -> list[Image.Image]:
    image = Image.open(io.BytesIO(data))
    frames = []
    for n in range(getattr(image, "n_frames", 1)):
        image.seek(n)
        frames.append(image.convert("1").copy())
    return frames


async def test_sent_fax_and_pages_are_served_to_the_owner_only(
    make_service: ServiceFactory,
) -> None:
    async with make_service() as service:
        job_id = await send(service.client, job("+99900", pages=2))
        await wait_final(service.client, job_id)
        base = f"/faxgate/v1/jobs/{job_id}/recipients/0"
        tiff = await service.client.get(base + "/fax.tiff")
        png = await service.client.get(base + "/pages/2.png")
        missing_page = await service.client.get(base + "/pages/3.png")
        no_recipient = await service.client.get(f"/faxgate/v1/jobs/{job_id}/recipients/5/fax.tiff")
        other = await service.client.get(base + "/fax.tiff", auth=(OTHER_LOGIN, OTHER_PASSWORD))
    assert tiff.status_code == 200 and tiff.headers["content-type"] == "image/tiff"
    frames = _frames(tiff.content)
    assert len(frames) == 2 and all(f.width == 1728 for f in frames)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert missing_page.status_code == 404 and "2 pages" in missing_page.json()["error"]
    assert no_recipient.status_code == 404
    assert other.status_code == 404


@pytest.mark.skipif(
    not spandsp_available(), reason="libspandsp2 not installed (apt-get install libspandsp2)"
)
async def test_real_t30_session_delivers_pixel_identical_pages(
    make_service: ServiceFactory,
) -> None:
    async with make_service(carrier="spandsp") as service:
        job_id = await send(
            service.client, job("+99900", pages=2, transportOptions={"csid": "ACME"})
        )
        report = await wait_final(service.client, job_id)
        base = f"/faxgate/v1/jobs/{job_id}/recipients/0"
        sent = await service.client.get(base + "/fax.tiff")
        received = await service.client.get(base + "/received.tiff")
        detail = (await service.client.get(f"/faxgate/v1/jobs/{job_id}")).json()
    recipient = report["recipientStatus"][0]
    assert recipient["status"] == "OK"
    assert recipient["remoteCsid"] == "FAXGATE TEST 00"
    (attempt,) = detail["attempts"]
    assert attempt["carrier"] == "spandsp"
    assert attempt["details"]["completionCode"] == "T30_ERR_OK"
    assert attempt["details"]["bitRate"] > 0
    sent_frames, received_frames = _frames(sent.content), _frames(received.content)
    assert len(sent_frames) == len(received_frames) == 2
    for a, b in zip(sent_frames, received_frames, strict=True):
        assert a.size == b.size
        assert ImageChops.difference(a, b).getbbox() is None


async def test_files_go_with_the_report_and_with_the_purge(make_service: ServiceFactory) -> None:
    async with make_service(retention_days=1) as service:
        deleted = await send(service.client, job("+99900"))
        purged = await send(service.client, job("+99900"))
        for job_id in (deleted, purged):
            await wait_final(service.client, job_id)
        data_dir = service.settings.data_dir
        assert image_file(data_dir, ImageKey(deleted, ImageKind.SENT, 0)).exists()
        await service.client.delete(service.url(f"/reports/{deleted}"))
        assert not image_file(data_dir, ImageKey(deleted, ImageKind.SENT, 0)).exists()
        async with service.db.writer.begin() as conn:
            await conn.execute(
                update(jobs)
                .where(jobs.c.job_id == purged)
                .values(completed_at=time.time() - 2 * 86400)
            )
        purger = service.runtime.purger
        assert purger is not None
        assert await purger.purge_once() == 1
        assert (await service.client.get(service.url(f"/reports/{purged}"))).status_code == 404
        assert not image_file(data_dir, ImageKey(purged, ImageKind.SENT, 0)).exists()


async def test_retention_is_per_account(make_service: ServiceFactory) -> None:
    bob = (OTHER_LOGIN, OTHER_PASSWORD)
    async with make_service(retention_days=30) as service:
        await configure(
            service.db,
            secret_box(service.settings),
            OTHER_CUST_NR,
            AccountChanges(retention_days=1),
        )
        mine = await send(service.client, job("+99900"))
        response = await service.client.post(f"/rest/v1/{OTHER_CUST_NR}/fax", json=job(), auth=bob)
        theirs = response.json()["jobId"]
        await wait_final(service.client, mine)
        await wait_final(service.client, theirs, auth=bob, cust_nr=OTHER_CUST_NR)
        async with service.db.writer.begin() as conn:
            await conn.execute(update(jobs).values(completed_at=time.time() - 2 * 86400))
        purger = service.runtime.purger
        assert purger is not None
        assert await purger.purge_once() == 1
        assert (await service.client.get(service.url(f"/reports/{mine}"))).status_code == 200
        gone = await service.client.get(f"/rest/v1/{OTHER_CUST_NR}/fax/reports/{theirs}", auth=bob)
        assert gone.status_code == 404
