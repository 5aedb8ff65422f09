"""Fax-In's one entry: a received fax and its TIFF, from any carrier or a site's gateway,
becomes a fax of the topic that owns the called number.

Three steps, each durable before the next: the fax's row (not yet visible), its files in the
spool (the TIFF as received and a PDF made of it), then visible to polls. A crash between
them leaves an invisible row that the purge removes; a visible fax always has its files.
The transaction that makes it visible also queues its inbound push when the topic has one,
so a visible fax always has its push queued.
"""

from __future__ import annotations

import time
from pathlib import Path

import anyio.to_thread
import structlog

from faxgate.config import Settings
from faxgate.domain.faxin import InboundFax, ReceivedFax
from faxgate.domain.ids import new_faxin_id
from faxgate.domain.notification import FaxInSnapshot, plan_faxin_target
from faxgate.notify.images import tiff_to_pdf
from faxgate.store import faxin, inbound, outbox
from faxgate.store.accounts import load_account_settings
from faxgate.store.db import Database, Transaction
from faxgate.store.spool import ImageKey, ImageKind, Spool

log = structlog.get_logger("faxgate.faxin")


async def owns(db: Database, number: str) -> bool:
    """Whether a normalised number is an inbound number of this installation."""
    async with db.reader.connect() as conn:
        return await inbound.owner_of(conn, number) is not None


async def accept_received(
    settings: Settings, db: Database, spool: Spool, tiff: Path, received: ReceivedFax
) -> InboundFax | None:
    """Store the fax for the owner of `received.called_number`; None when no account owns
    that number (the fax is then not kept)."""
    async with db.reader.connect() as conn:
        owner = await inbound.owner_of(conn, received.called_number)
    if owner is None:
        log.warning("fax for a number nobody owns", number=received.called_number)
        return None
    image = await anyio.to_thread.run_sync(tiff.read_bytes)
    pdf = await anyio.to_thread.run_sync(tiff_to_pdf, image)
    fax = InboundFax(
        fax_id=new_faxin_id(settings.dc, int(time.time() * 1000)),
        cust_nr=owner.cust_nr,
        topic=owner.topic,
        fax=received,
        locked_until=0.0,
        acknowledged_at=None,
    )
    async with db.writer.begin() as conn:
        await faxin.insert(conn, fax)
    await spool.put(ImageKey(fax.fax_id, ImageKind.FAXIN_TIFF, 0), image)
    await spool.put(ImageKey(fax.fax_id, ImageKind.FAXIN_PDF, 0), pdf)
    async with db.writer.begin() as conn:
        if await faxin.mark_ready(conn, fax.fax_id):
            await _enqueue_push(conn, fax)
    log.info(
        "fax received",
        fax_id=fax.fax_id,
        account=fax.cust_nr,
        topic=fax.topic,
        number=received.called_number,
        pages=received.pages,
        status=received.status.value,
        source=received.source.value,
    )
    return fax


async def _enqueue_push(conn: Transaction, fax: InboundFax) -> None:
    """Queue the fax's inbound push when its topic has a push target."""
    topic_push = await inbound.topic_push(conn, fax.cust_nr, fax.topic)
    if topic_push is None:
        return
    target = plan_faxin_target(topic_push, await load_account_settings(conn, fax.cust_nr))
    if target is not None:
        snapshot = FaxInSnapshot(fax.fax_id, fax.cust_nr, fax.topic, fax.fax)
        await outbox.enqueue(conn, fax.fax_id, fax.cust_nr, snapshot, [target], time.time())
