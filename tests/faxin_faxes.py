"""Received faxes for the Fax-In tests: topics with inbound numbers, and faxes handed in
through the one intake every carrier and gateway uses (pipeline/faxin_intake.py)."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image

from faxgate.config import Settings
from faxgate.domain.faxin import InboundFax, ReceivedFax
from faxgate.domain.statuses import FaxStatus
from faxgate.pipeline.faxin_intake import accept_received
from faxgate.service.inbound import add_number
from faxgate.store.db import Database
from faxgate.store.spool import Spool
from tests.conftest import CUST_NR, OTHER_CUST_NR

TOPIC, TOPIC_PASSWORD = "sales", "sales>?>pw"  # its urlsafe and standard base64 differ
OTHER_TOPIC, OTHER_TOPIC_PASSWORD = "support", "support-pw"
FOREIGN_PASSWORD = "foreign-pw"  # of OTHER_CUST_NR's topic, also named TOPIC
NUMBER = "0049305550100"  # TOPIC's
OTHER_NUMBER = "0049305550101"  # OTHER_TOPIC's
FOREIGN_NUMBER = "0049305550200"  # OTHER_CUST_NR's
CALLING = "0049891234567"


async def add_topics(db: Database) -> None:
    await add_number(db, CUST_NR, NUMBER, TOPIC, TOPIC_PASSWORD)
    await add_number(db, CUST_NR, OTHER_NUMBER, OTHER_TOPIC, OTHER_TOPIC_PASSWORD)
    await add_number(db, OTHER_CUST_NR, FOREIGN_NUMBER, TOPIC, FOREIGN_PASSWORD)


def fax_tiff(pages: int) -> bytes:
    """A G4 fax TIFF of `pages` pages, each with a black box somewhere else."""
    images = []
    for n in range(pages):
        image = Image.new("1", (1728, 400), 1)
        image.paste(0, (100 * n, 50, 100 * n + 80, 130))
        images.append(image)
    out = io.BytesIO()
    images[0].save(
        out,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=images[1:],
        dpi=(204, 196),
    )
    return out.getvalue()


def received_fax(
    number: str = NUMBER, pages: int = 1, received_at: float | None = None, **changes: Any
) -> ReceivedFax:
    """What a carrier hands in for a clean call to `number`; `changes` replace fields."""
    received = ReceivedFax(
        called_number=number,
        calling_number=CALLING,
        remote_csid="+49 89 1234567",
        local_csid="faxgate",
        pages=pages,
        fine=True,
        bit_rate=14400,
        duration_secs=21.4,
        status=FaxStatus.OK,
        reason="",
        received_at=time.time() if received_at is None else received_at,
    )
    return replace(received, **changes)


async def receive(
    settings: Settings,
    db: Database,
    spool: Spool,
    number: str = NUMBER,
    pages: int = 1,
    received_at: float | None = None,
) -> InboundFax:
    """A fax to `number`, as a carrier would hand it in."""
    tiff = settings.data_dir / f"in-{time.monotonic_ns()}.tif"
    tiff.write_bytes(fax_tiff(pages))
    received = received_fax(number, pages, received_at)
    fax = await accept_received(settings, db, spool, Path(tiff), received)
    assert fax is not None, f"no account owns {number}"
    return fax
