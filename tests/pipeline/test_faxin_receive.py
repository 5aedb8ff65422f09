"""A fax dialled to an inbound number of this installation is answered by our own receiving
terminal, through the real pipeline and carrier, and arrives in the topic owning the number.

The sender's report and the receiver's record come from the same call and must agree: the
sender sees the terminal's CSID, the receiver the sender's TSI, both the same pages and status.
The delivered PDF is rasterised and compared with the pages the sender spooled, bit for bit.
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageChops, ImageSequence
from sqlalchemy import select

from faxgate.carriers.spandsp import spandsp_available
from faxgate.domain.faxin import MAX_FETCH, InboundFax
from faxgate.domain.number_plan import DEFAULT_REMOTE_CSID
from faxgate.service.inbound import add_number
from faxgate.store import faxin
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool
from faxgate.store.tables import faxin_faxes
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR, OTHER_CUST_NR, Service
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio

# The receiving account (bob's) owns TARGET; the sending account (alice's) owns two numbers,
# the lower of which its calls present as the calling number.
TARGET, TARGET_NORMALISED, TARGET_CSID = "+49 40 7000 100", "0049407000100", "+49407000100"
SENDER_NUMBERS = ("+49 30 9000 070", "+49 30 9000 050")
SENDER_FIRST = "0049309000050"
TOPIC = "inbox"
TSI = "ACME SALES 42"


def needs_spandsp() -> None:
    if spandsp_available():
        return
    if os.environ.get("CI"):
        pytest.fail("libspandsp2 is not installed: the spandsp carrier cannot run")
    pytest.skip("libspandsp2 not installed (apt-get install libspandsp2)")


SPANDSP = {"carrier": "spandsp", "spandsp_transport": "audio"}
SPANDSP_T38 = {"carrier": "spandsp", "spandsp_transport": "t38"}
ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def own(db: Database, cust_nr: str, number: str, topic: str = TOPIC) -> None:
    await add_number(db, cust_nr, number, topic, "topic-password")


async def received(db: Database, cust_nr: str = OTHER_CUST_NR) -> list[InboundFax]:
    """The topic's ready faxes, oldest first (fetched without a lock that hides them)."""
    async with db.writer.begin() as conn:
        return await faxin.fetch(conn, cust_nr, TOPIC, MAX_FETCH, 0, time.time())


async def attempts(service: Service, job_id: str) -> list[dict[str, Any]]:
    response = await service.client.get(f"/faxgate/v1/jobs/{job_id}")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["attempts"]
    return found


def tiff_pages(data: bytes) -> list[Image.Image]:
    with Image.open(io.BytesIO(data)) as image:
        return [page.convert("1") for page in ImageSequence.Iterator(image)]


def rasterise(pdf: bytes, sizes: list[tuple[int, int]]) -> list[Image.Image]:
    """Each PDF page drawn onto exactly the pixel grid of the fax page it should hold (fax
    pixels are not square, so x and y scale apart), without image smoothing."""
    document = pdfium.PdfDocument(pdf)
    assert len(document) == len(sizes), f"{len(document)} PDF pages, {len(sizes)} expected"
    pages = []
    for page, (width, height) in zip(document, sizes, strict=True):
        page_width, page_height = page.get_size()
        bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGR)
        pdfium_c.FPDFBitmap_FillRect(bitmap.raw, 0, 0, width, height, 0xFFFFFFFF)
        matrix = pdfium_c.FS_MATRIX(width / page_width, 0, 0, height / page_height, 0, 0)
        clip = pdfium_c.FS_RECTF(0, 0, width, height)
        flags = pdfium_c.FPDF_RENDER_NO_SMOOTHIMAGE
        pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap.raw, page.raw, matrix, clip, flags)
        grey = bitmap.to_pil().convert("L")
        pages.append(grey.point(lambda v: 255 if v >= 128 else 0).convert("1"))
    return pages


def differing_pixels(a: Image.Image, b: Image.Image) -> int:
    assert a.size == b.size, (a.size, b.size)
    return sum(ImageChops.logical_xor(a, b).histogram()[1:])


async def assert_delivered_pages_are_sent_pages(
    service: Service, fax: InboundFax, job_id: str
) -> None:
    """The received TIFF holds the first `pages` pages the sender spooled, and the PDF made
    for delivery shows the same bits (a clean line with ECM loses none)."""
    spool = open_spool(service.settings, service.db)
    sent = await spool.get(ImageKey(job_id, ImageKind.SENT, 0))
    tiff = await spool.get(ImageKey(fax.fax_id, ImageKind.FAXIN_TIFF, 0))
    pdf = await spool.get(ImageKey(fax.fax_id, ImageKind.FAXIN_PDF, 0))
    assert sent is not None and tiff is not None and pdf is not None
    sent_pages = tiff_pages(sent)[: fax.fax.pages]
    received_pages = tiff_pages(tiff)
    assert len(received_pages) == fax.fax.pages
    drawn = rasterise(pdf, [page.size for page in sent_pages])
    for number, (want, got, shown) in enumerate(
        zip(sent_pages, received_pages, drawn, strict=True), 1
    ):
        assert differing_pixels(want, got) == 0, f"received TIFF page {number}"
        assert differing_pixels(want, shown) == 0, f"delivered PDF page {number}"


async def send_to_self(service: Service, pages: int = 3) -> tuple[InboundFax, dict[str, Any]]:
    """Alice's account sends a fax to bob's inbound number; returns bob's received fax and
    the call as alice's job records it."""
    await own(service.db, OTHER_CUST_NR, TARGET)
    for number in SENDER_NUMBERS:
        await own(service.db, CUST_NR, number, topic="alice-in")
    job_id = await send(service.client, job(TARGET, pages=pages, transportOptions={"csid": TSI}))
    report = await wait_final(service.client, job_id)
    (recipient,) = report["recipientStatus"]
    assert recipient["status"] == "OK", recipient
    assert recipient["remoteCsid"] == TARGET_CSID  # the sender's report names our terminal
    (call,) = await attempts(service, job_id)
    (fax,) = await received(service.db)
    assert fax.cust_nr == OTHER_CUST_NR and fax.topic == TOPIC
    assert await received(service.db, CUST_NR) == []  # nothing in the sender's own topic
    got = fax.fax
    assert got.called_number == TARGET_NORMALISED
    assert got.calling_number == SENDER_FIRST
    assert got.remote_csid == TSI == call["details"]["tsi"]
    assert got.local_csid == TARGET_CSID == call["remoteCsid"]
    assert got.pages == pages == call["pagesSent"]
    assert got.fine is True and got.resolution == "HIGH"
    assert got.status.value == "OK" and got.reason == "OK"
    assert got.bit_rate is not None and got.bit_rate > 0
    assert got.bit_rate == call["details"]["bitRate"]
    assert got.duration_secs == call["lineSeconds"] > 0
    assert call["startedAt"] <= got.received_at <= call["endedAt"]
    await assert_delivered_pages_are_sent_pages(service, fax, job_id)
    return fax, call


async def test_a_fax_to_an_own_number_arrives_in_its_topic(make_service: ServiceFactory) -> None:
    async with make_service() as service:
        _, call = await send_to_self(service)
    assert call["carrier"] == "simulator"


@ONLY_SQLITE
@pytest.mark.parametrize("carrier", [SPANDSP, SPANDSP_T38], ids=["audio", "t38"])
async def test_send_to_self_through_a_real_t30_session(
    make_service: ServiceFactory, carrier: dict[str, str]
) -> None:
    needs_spandsp()
    async with make_service(**carrier) as service:
        _, call = await send_to_self(service)
    assert call["carrier"] == "spandsp"
    assert call["details"]["transport"] == carrier["spandsp_transport"]
    assert call["details"]["ecm"] is True and call["details"]["compression"] == "T.6"
    assert call["details"]["bad_rows"] == 0


async def hang_up_after_page_two(service: Service) -> None:
    """A 3-page fax to an inbound number on the plan's line that hangs up after page 2,
    from an account without inbound numbers (its calling number is withheld)."""
    await own(service.db, OTHER_CUST_NR, "+999402")
    job_id = await send(service.client, job("+999402", pages=3))
    report = await wait_final(service.client, job_id)
    (recipient,) = report["recipientStatus"]
    (call,) = await attempts(service, job_id)
    (fax,) = await received(service.db)
    assert recipient["status"] == call["status"] == fax.fax.status.value == "REM_DIS"
    assert fax.fax.reason == call["reason"]
    assert fax.fax.pages == call["pagesSent"] == 2
    assert fax.fax.remote_csid == call["details"]["tsi"] == service.settings.default_csid
    assert fax.fax.local_csid == call["remoteCsid"] == "+999402"
    assert fax.fax.calling_number == ""
    await assert_delivered_pages_are_sent_pages(service, fax, job_id)


async def test_a_line_fault_delivers_the_pages_that_arrived(
    make_service: ServiceFactory,
) -> None:
    async with make_service(retry_mid_fax_attempts=1) as service:
        await hang_up_after_page_two(service)


@ONLY_SQLITE
async def test_a_line_fault_on_a_real_t30_session(make_service: ServiceFactory) -> None:
    needs_spandsp()
    async with make_service(retry_mid_fax_attempts=1, **SPANDSP) as service:
        await hang_up_after_page_two(service)


async def test_every_attempt_that_brings_pages_is_a_fax(make_service: ServiceFactory) -> None:
    """A redial after a break-off is a new call: the receiver keeps each partial fax."""
    async with make_service(retry_mid_fax_attempts=3) as service:
        await own(service.db, OTHER_CUST_NR, "+999401")
        job_id = await send(service.client, job("+999401", pages=2))
        await wait_final(service.client, job_id)
        calls = await attempts(service, job_id)
        faxes = await received(service.db)
    assert [c["status"] for c in calls] == ["REM_DIS"] * 3
    assert [(f.fax.pages, f.fax.status.value) for f in faxes] == [(1, "REM_DIS")] * 3


@ONLY_SQLITE
async def test_a_page_sent_but_never_confirmed_still_arrived(
    make_service: ServiceFactory,
) -> None:
    """On the plan's line where the remote stops answering at page 2 (+999502), page 2 reaches
    our terminal whole but is never confirmed: the sender counts 1 page, the receiver keeps 2,
    as fax machines on a real line do. The status agrees."""
    needs_spandsp()
    async with make_service(retry_mid_fax_attempts=1, **SPANDSP) as service:
        await own(service.db, OTHER_CUST_NR, "+999502")
        job_id = await send(service.client, job("+999502", pages=3))
        await wait_final(service.client, job_id)
        (call,) = await attempts(service, job_id)
        (fax,) = await received(service.db)
        assert call["status"] == fax.fax.status.value == "PAGE_SEND_ERR"
        assert (call["pagesSent"], fax.fax.pages) == (1, 2)
        await assert_delivered_pages_are_sent_pages(service, fax, job_id)


async def kept_called_numbers(db: Database) -> list[str]:
    """The called number of every received fax kept, ready or not, of every account."""
    async with db.reader.connect() as conn:
        return list(await conn.scalars(select(faxin_faxes.c.called_number)))


async def test_a_fax_to_a_number_nobody_owns_keeps_nothing(make_service: ServiceFactory) -> None:
    """One job to a number nobody owns and to an own number: only the second is received."""
    async with make_service() as service:
        await own(service.db, OTHER_CUST_NR, TARGET)
        job_id = await send(service.client, job("+49 40 7000 101", TARGET, pages=2))
        report = await wait_final(service.client, job_id)
        elsewhere, ours = report["recipientStatus"]
        assert elsewhere["status"] == ours["status"] == "OK"
        assert elsewhere["remoteCsid"] == DEFAULT_REMOTE_CSID  # the plan's fax machine
        assert ours["remoteCsid"] == TARGET_CSID
        assert await kept_called_numbers(service.db) == [TARGET_NORMALISED]


async def no_page_arrives(service: Service, number: str, status: str) -> None:
    """One job to an own number whose line brings no page and to one whose line is clean:
    only the second is received."""
    await own(service.db, OTHER_CUST_NR, number)
    await own(service.db, OTHER_CUST_NR, TARGET)
    job_id = await send(service.client, job(number, TARGET, pages=1))
    report = await wait_final(service.client, job_id)
    assert [r["status"] for r in report["recipientStatus"]] == [status, "OK"]
    calls = await attempts(service, job_id)
    assert [(c["recipient"], c["pagesSent"]) for c in calls] == [(0, 0), (1, 1)]
    assert await kept_called_numbers(service.db) == [TARGET_NORMALISED]


async def test_a_call_that_brings_no_page_is_not_delivered(make_service: ServiceFactory) -> None:
    async with make_service(retry_mid_fax_attempts=1) as service:
        await no_page_arrives(service, "+999501", "PAGE_SEND_ERR")  # page 1 never arrives


@ONLY_SQLITE
async def test_a_real_call_that_brings_no_page_is_not_delivered(
    make_service: ServiceFactory,
) -> None:
    needs_spandsp()
    async with make_service(retry_mid_fax_attempts=1, **SPANDSP) as service:
        await no_page_arrives(service, "+99910", "BAD_LINES")  # too noisy to train


async def test_a_fax_that_cannot_be_stored_is_not_reported_sent(
    make_service: ServiceFactory,
) -> None:
    """Fax-In's files cannot be written (a file stands where its folder should be): the
    sender's call is not recorded as delivered but retried, and nothing becomes visible."""
    async with make_service(retry_mid_fax_attempts=2) as service:
        await own(service.db, OTHER_CUST_NR, TARGET)
        (service.settings.data_dir / "faxin").write_text("in the way")
        job_id = await send(service.client, job(TARGET, pages=1))
        report = await wait_final(service.client, job_id)
        calls = await attempts(service, job_id)
        faxes = await received(service.db)
    assert report["recipientStatus"][0]["status"] == "COMERROR"
    assert [c["status"] for c in calls] == ["COMERROR", "COMERROR"]
    assert all("the received fax could not be stored" in c["reason"] for c in calls)
    assert faxes == []
