"""A job whose options were stored before the versioned form (the camelCase request) is
still worked as it asked: claimed, rendered with its header, CSID and resolution, sent, and
its push and report mail planned."""

from __future__ import annotations

import io
import time
from typing import Any

import anyio
import httpx
import pytest
from PIL import Image, ImageChops
from sqlalchemy import update

from faxgate.sealing.keys import secret_box
from faxgate.store.tables import jobs
from tests.api.helpers import send, wait_final
from tests.documents import job
from tests.legacy_rows import legacy_options
from tests.notify.receiver import PASSWORD, USER, running_receiver
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio
CSID = "OLD ROW CSID"


def request(header: str, **extra: Any) -> dict[str, Any]:
    return job(
        "+4930123456",
        pages=2,
        transportOptions={"csid": CSID, "isExpress": True},
        renderingOptions={"resolution": "low", "header": header},
        **extra,
    )


async def sent_pages(client: httpx.AsyncClient, job_id: str) -> list[Image.Image]:
    response = await client.get(f"/faxgate/v1/jobs/{job_id}/recipients/0/fax.tiff")
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    pages = []
    for n in range(getattr(image, "n_frames", 1)):
        image.seek(n)
        pages.append(image.convert("1").copy())
    assert image.info["dpi"][1] < 100, image.info  # LOW: 98 lines per inch, not 196
    return pages


def same(a: list[Image.Image], b: list[Image.Image]) -> bool:
    return len(a) == len(b) and all(
        x.size == y.size and ImageChops.difference(x, y).getbbox() is None
        for x, y in zip(a, b, strict=True)
    )


async def notifications_ended(client: httpx.AsyncClient, job_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        detail: dict[str, Any] = (await client.get(f"/faxgate/v1/jobs/{job_id}")).json()
        found: list[dict[str, Any]] = detail["notifications"]
        if any(n["channel"] == "push" and n["state"] != "pending" for n in found):
            return found
        assert time.monotonic() < deadline, detail
        await anyio.sleep(0.05)


async def test_a_job_stored_in_the_camel_case_form_is_sent_as_it_asked(
    make_service: ServiceFactory,
) -> None:
    with running_receiver() as receiver:
        push = {
            "targetUrl": receiver.url("/basic"),
            "authMethod": "HTTP_BASIC",
            "principal": USER,
            "credentials": PASSWORD,
        }
        mail = {"successAddress": "ok@example.test", "failureAddress": "ops@example.test"}
        old = request("OLD %C", statusReportOptions={"httpStatusPush": push, "reportMail": mail})
        async with make_service(workers=False, allow_networks=("127.0.0.0/8",)) as service:
            old_id = await send(service.client, old)
            seal = secret_box(service.settings).seal
            async with service.db.writer.begin() as conn:
                await conn.execute(
                    update(jobs)
                    .where(jobs.c.job_id == old_id)
                    .values(options=legacy_options(old, seal))
                )
            like_old = await send(service.client, request("OLD %C"))
            other_header = await send(service.client, request("NEW %C"))
            await service.runtime.start_workers()
            reports = {j: await wait_final(service.client, j) for j in (old_id, like_old)}
            await wait_final(service.client, other_header)
            old_pages = await sent_pages(service.client, old_id)
            like_old_pages = await sent_pages(service.client, like_old)
            other_pages = await sent_pages(service.client, other_header)
            notifications = await notifications_ended(service.client, old_id)

    for report in reports.values():
        assert [r["status"] for r in report["recipientStatus"]] == ["OK"]
        assert report["pages"] == 2
    assert same(old_pages, like_old_pages), "the old row rendered unlike the same request today"
    assert not same(old_pages, other_pages), "the header of the old row was not drawn"
    assert sorted(n["channel"] for n in notifications) == ["mail", "push"]
    (pushed,) = receiver.received
    assert pushed.path == "/basic"  # the sealed credentials of the old row opened
    assert CSID.encode() in pushed.body and old_id.encode() in pushed.body
