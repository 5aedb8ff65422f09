"""POST /faxgate/v1/faxin: a fax a site's own gateway received, handed in as a TIFF or PDF,
becomes a ready fax of the topic that owns the number; a bad hand-in is a 4xx naming the
field and stores nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image, ImageChops

from faxgate.domain.faxin import FaxSource, InboundFax
from faxgate.service.inbound import add_number
from faxgate.store import faxin
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool
from faxgate.store.tables import faxin_faxes, faxin_files
from tests.conftest import (
    CUST_NR,
    OTHER_CUST_NR,
    OTHER_LOGIN,
    OTHER_PASSWORD,
    Service,
    make_settings,
    start_service,
)
from tests.documents import pdf
from tests.handin_documents import (
    broken_fax_tiff,
    colour_tiff,
    fax_tiff,
    mixed_fax_tiff,
    png,
    truncated,
)

pytestmark = pytest.mark.anyio

NUMBER = "+49 30 1234567"  # an inbound number of CUST_NR, topic "sales"
STORED = "0049301234567"
OTHERS = "+1 212 555 0100"  # an inbound number of OTHER_CUST_NR
MAX_BYTES = 200_000
MAX_PAGES = 3
MAX_PIXELS = 5_000_000  # a fax page of 1728 × 2200 is 3.8 million


@pytest.fixture
async def api(db: Database, tmp_path: Path, database_url: str) -> AsyncIterator[Service]:
    settings = make_settings(
        tmp_path, database_url, max_document_bytes=MAX_BYTES, max_pages=MAX_PAGES,
        max_image_pixels=MAX_PIXELS,
    )  # fmt: skip
    await add_number(db, CUST_NR, NUMBER, "sales", "topic-pw")
    await add_number(db, OTHER_CUST_NR, OTHERS, "bob-in", "bob-pw")
    async with start_service(settings, db, workers=False) as service:
        yield service


async def hand_in(
    client: httpx.AsyncClient,
    body: bytes,
    content_type: str = "image/tiff",
    **query: str,
) -> httpx.Response:
    params = {"to": NUMBER, **query}
    headers = {"Content-Type": content_type}
    return await client.post("/faxgate/v1/faxin", params=params, content=body, headers=headers)


async def stored_fax(api: Service, answer: httpx.Response) -> InboundFax:
    assert answer.status_code == 201, answer.text
    async with api.db.reader.connect() as conn:
        fax = await faxin.get(conn, answer.json()["faxId"])  # ready faxes only
    assert fax is not None
    return fax


async def spooled(api: Service, fax_id: str, kind: ImageKind) -> bytes:
    data = await open_spool(api.settings, api.db).get(ImageKey(fax_id, kind, 0))
    assert data is not None, f"{kind} of {fax_id} is not in the spool"
    return data


def pages_of(tiff: bytes) -> list[Image.Image]:
    with Image.open(io.BytesIO(tiff)) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            assert image.size[0] == 1728 and image.mode == "1"
            assert image.info["compression"] in ("group3", "group4")
            frames.append(image.copy())
        return frames


async def test_a_fax_tiff_is_kept_as_it_came(api: Service) -> None:
    original = fax_tiff(pages=2, fine=False)
    answer = await hand_in(api.client, original, **{"from": "+49 89 7654321", "csid": "ACME Fax"})
    fax = await stored_fax(api, answer)
    assert answer.json() == {"faxId": fax.fax_id, "topic": "sales", "pages": 2}
    assert fax.cust_nr == CUST_NR and fax.topic == "sales"
    received = fax.fax
    assert (received.called_number, received.calling_number) == (STORED, "0049897654321")
    assert (received.remote_csid, received.pages, received.fine) == ("ACME Fax", 2, False)
    assert received.source is FaxSource.GATEWAY and received.status.value == "OK"
    # byte for byte: its pixels are what the remote sent
    assert await spooled(api, fax.fax_id, ImageKind.FAXIN_TIFF) == original
    delivered = await spooled(api, fax.fax_id, ImageKind.FAXIN_PDF)
    assert delivered.startswith(b"%PDF-")


async def test_a_g3_fax_tiff_in_fine_resolution_is_kept_too(api: Service) -> None:
    original = fax_tiff(pages=1, coding="group3")
    fax = await stored_fax(api, await hand_in(api.client, original, "application/octet-stream"))
    assert fax.fax.fine and fax.fax.pages == 1
    assert await spooled(api, fax.fax_id, ImageKind.FAXIN_TIFF) == original


async def test_a_colour_tiff_is_rasterised_into_fax_pages(api: Service) -> None:
    fax = await stored_fax(api, await hand_in(api.client, colour_tiff()))
    assert (fax.fax.pages, fax.fax.fine) == (1, True)
    (page,) = pages_of(await spooled(api, fax.fax_id, ImageKind.FAXIN_TIFF))
    assert page.info["dpi"] == (204, 196) and page.info["compression"] == "group4"
    # the dark red box is black in the middle of the page, the white around it paper
    assert page.getpixel((864, page.height // 2)) == 0
    assert page.getpixel((20, 20)) == 255 and page.getpixel((1700, page.height - 20)) == 255
    assert (await spooled(api, fax.fax_id, ImageKind.FAXIN_PDF)).startswith(b"%PDF-")


async def test_a_pdf_is_rasterised_page_by_page(api: Service) -> None:
    fax = await stored_fax(api, await hand_in(api.client, pdf(3), "application/pdf"))
    assert (fax.fax.pages, fax.fax.fine, fax.topic) == (3, True, "sales")
    pages = pages_of(await spooled(api, fax.fax_id, ImageKind.FAXIN_TIFF))
    assert len(pages) == 3
    inked = [page.convert("L").point(lambda v: 255 - v).getbbox() for page in pages]
    assert all(box is not None for box in inked)  # each page has its line of text
    assert (await spooled(api, fax.fax_id, ImageKind.FAXIN_PDF)).startswith(b"%PDF-")


async def test_a_fax_tiff_of_two_resolutions_is_made_one(api: Service) -> None:
    fax = await stored_fax(api, await hand_in(api.client, mixed_fax_tiff()))
    assert (fax.fax.pages, fax.fax.fine) == (2, True)
    pages = pages_of(await spooled(api, fax.fax_id, ImageKind.FAXIN_TIFF))
    # the normal page keeps its physical size: its rows are doubled, not squeezed
    boxes = [ImageChops.invert(page.convert("L")).getbbox() for page in pages]
    heights = [box[3] - box[1] for box in boxes if box is not None]
    assert len(heights) == 2 and abs(heights[1] - 2 * heights[0]) <= 4, heights


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("no to", {"query": {"to": ""}}, 400, "to"),
    ("bad to", {"query": {"to": "not a number"}}, 400, "to"),
    ("bad from", {"query": {"from": "call me"}}, 400, "from"),
    ("long csid", {"query": {"csid": "x" * 21}}, 400, "csid"),
    ("non-ASCII csid", {"query": {"csid": "Jörg"}}, 400, "csid"),
    ("control in csid", {"query": {"csid": "a\tb"}}, 400, "csid"),
    ("empty body", {"body": b""}, 400, "body"),
    ("too large", {"body": fax_tiff(1)[:8] + bytes(MAX_BYTES)}, 413, "body"),
    ("form post", {"type": "application/x-www-form-urlencoded"}, 415, "Content-Type"),
    ("no type", {"type": ""}, 415, "Content-Type"),
    ("png", {"body": png(), "type": "application/octet-stream"}, 415, "body"),
    ("text", {"body": b"hello fax", "type": "application/octet-stream"}, 415, "body"),
    ("tiff said pdf", {"type": "application/pdf"}, 415, "body"),
    ("pdf said tiff", {"body": pdf(1), "type": "image/tiff"}, 415, "body"),
    ("truncated tiff", {"body": truncated(fax_tiff(1))}, 400, "body"),
    ("broken g4 data", {"body": broken_fax_tiff()}, 400, "body"),
    ("truncated pdf", {"body": truncated(pdf(2)), "type": "application/pdf"}, 400, "body"),
    ("fax tiff over the pages", {"body": fax_tiff(MAX_PAGES + 1)}, 400, "body"),
    ("pdf over the pages", {"body": pdf(MAX_PAGES + 1), "type": "application/pdf"}, 400, "body"),
    ("fax tiff over the pixels", {"body": fax_tiff(1, rows=3000)}, 400, "body"),
    ("colour tiff over the pixels", {"body": colour_tiff(2500, 2100)}, 400, "body"),
]


async def nothing_stored(api: Service) -> None:
    async with api.db.reader.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(faxin_faxes)) == 0
        assert await conn.scalar(sa.select(sa.func.count()).select_from(faxin_files)) == 0
    spool_dir = api.settings.data_dir / "faxin"
    assert not spool_dir.exists() or not any(spool_dir.iterdir())


@pytest.mark.parametrize(("case", "bad", "status", "field"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_names_the_field_and_stores_nothing(
    api: Service, case: str, bad: dict[str, Any], status: int, field: str
) -> None:
    answer = await hand_in(
        api.client, bad.get("body", fax_tiff(1)), bad.get("type", "image/tiff"),
        **bad.get("query", {}),
    )  # fmt: skip
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field, answer.text
    assert answer.json()["error"]
    await nothing_stored(api)


async def test_a_number_that_is_not_the_accounts_is_404_like_no_number(api: Service) -> None:
    unknown = await hand_in(api.client, fax_tiff(1), to="+49 30 999999")
    foreign = await hand_in(api.client, fax_tiff(1), to=OTHERS)
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json() == {
        "status": 404,
        "field": None,
        "error": f"to: 004930999999 is not an inbound number of customer {CUST_NR}",
    }
    # the same sentence: nothing tells that the other customer has the number
    assert foreign.json()["error"] == unknown.json()["error"].replace(
        "004930999999", "0012125550100"
    )
    await nothing_stored(api)


async def test_another_account_cannot_hand_in_to_this_accounts_number(api: Service) -> None:
    async with api.anonymous() as anonymous:
        anonymous.auth = (OTHER_LOGIN, OTHER_PASSWORD)
        answer = await hand_in(anonymous, fax_tiff(1))
        assert answer.status_code == 404
        assert OTHER_CUST_NR in answer.json()["error"]
        # and its own number takes it, into its own topic
        own = await hand_in(anonymous, fax_tiff(1), to=OTHERS)
    fax = await stored_fax(api, own)
    assert (fax.cust_nr, fax.topic) == (OTHER_CUST_NR, "bob-in")


async def test_a_hand_in_needs_a_login(api: Service) -> None:
    async with api.anonymous() as anonymous:
        missing = await hand_in(anonymous, fax_tiff(1))
        anonymous.auth = ("alice", "wrong")
        wrong = await hand_in(anonymous, fax_tiff(1))
    assert (missing.status_code, wrong.status_code) == (401, 401)
    await nothing_stored(api)


async def test_a_conversion_over_the_time_limit_is_refused(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    await add_number(db, CUST_NR, NUMBER, "sales", "topic-pw")
    settings = make_settings(tmp_path, database_url, render_timeout_secs=0.0)
    async with start_service(settings, db, workers=False) as api:
        answer = await hand_in(api.client, pdf(1), "application/pdf")
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == "body"
        assert "FAXGATE_RENDER_TIMEOUT_SECS" in answer.json()["error"]
        await nothing_stored(api)
