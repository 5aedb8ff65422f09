"""FAXGATE_ENCRYPT_FILES: the stored documents and the spooled and received fax images are
encrypted at rest, and the fax still goes out, and the inspection endpoints still serve them."""

from __future__ import annotations

import io
import time
from email import message_from_bytes
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa
from PIL import Image

from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spool_dir import image_file
from faxgate.store.tables import documents
from tests.api.helpers import send, wait_final
from tests.documents import job, pdf
from tests.notify.smtp_server import running_smtp
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio
TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


def _scratch_tiffs(data_dir: Path) -> list[Path]:
    return list(data_dir.glob("cache/*/*.tiff"))


async def test_documents_and_fax_images_are_encrypted_at_rest(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    document = pdf(2)
    piece = document[len(document) // 2 : len(document) // 2 + 48]
    async with make_service(encrypt_files=True) as service:
        job_id = await send(service.client, job("+99900", pages=2))
        report = await wait_final(service.client, job_id)
        assert [r["status"] for r in report["recipientStatus"]] == ["OK"]

        async with service.db.reader.connect() as conn:
            (stored,) = (
                await conn.execute(
                    sa.select(documents.c.content).where(documents.c.job_id == job_id)
                )
            ).one()
        assert bytes(stored).startswith(b"enc:v1:") and piece not in bytes(stored)
        if service.db.is_sqlite:
            for name in ("faxgate.db", "faxgate.db-wal"):
                raw = tmp_path / name
                assert not raw.exists() or piece not in raw.read_bytes(), name

        sent = image_file(tmp_path, ImageKey(job_id, ImageKind.SENT, 0))
        received = image_file(tmp_path, ImageKey(job_id, ImageKind.RECEIVED, 0))
        for path in (sent, received):
            data = path.read_bytes()
            assert data.startswith(b"enc:v1:"), path
            assert not data.startswith(TIFF_MAGIC), path

        base = f"/faxgate/v1/jobs/{job_id}/recipients/0"
        for which in ("fax.tiff", "received.tiff"):
            response = await service.client.get(f"{base}/{which}")
            assert response.status_code == 200, response.text
            assert response.content.startswith(TIFF_MAGIC)
            with Image.open(io.BytesIO(response.content)) as image:
                assert getattr(image, "n_frames", 1) == 2
        page = await service.client.get(f"{base}/pages/2.png")
        assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    # the plain copies the render and the call worked on are gone with the job's scratch
    assert _scratch_tiffs(tmp_path) == []


async def test_the_report_mail_attaches_the_decrypted_fax(make_service: ServiceFactory) -> None:
    with running_smtp() as mailbox:
        async with make_service(encrypt_files=True, smtp_port=mailbox.port) as service:
            mail = {"successAddress": "ok@example.com", "attachedFaxImageMode": "ALWAYS"}
            job_id = await send(
                service.client, job("+99900", statusReportOptions={"reportMail": mail})
            )
            await wait_final(service.client, job_id)
            deadline = time.monotonic() + 60
            while not mailbox.messages:
                assert time.monotonic() < deadline, "no report mail"
                await anyio.sleep(0.05)
    (message,) = [message_from_bytes(data) for _, _, data in mailbox.messages]
    (attachment,) = [
        bytes(part.get_payload(decode=True)) for part in message.walk() if part.get_filename()
    ]
    assert attachment.startswith(TIFF_MAGIC)
