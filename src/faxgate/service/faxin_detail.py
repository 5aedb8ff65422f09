"""A received fax for its owner: the call's details with every push attempt of it, its files
(the TIFF as received, the PDF made of it) and its pages as PNG.

Only logins of the fax's account see it; to anyone else it does not exist (NotFound), so fax
IDs of other customers cannot be probed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread

from faxgate.domain.faxin import InboundFax
from faxgate.render import page_png
from faxgate.service.errors import FileNotReady, NotFound
from faxgate.store import faxin, outbox
from faxgate.store.db import Database
from faxgate.store.outbox import DeliveryRow
from faxgate.store.spool import ImageKey, ImageKind, Spool, servable


@dataclass(frozen=True)
class FaxInDetail:
    fax: InboundFax
    notifications: list[DeliveryRow]  # the inbound pushes of the fax, with their attempts


async def detail(db: Database, cust_nr: str, fax_id: str) -> FaxInDetail:
    async with db.snapshot.begin() as conn:
        fax = await faxin.get(conn, fax_id)
        if fax is None or fax.cust_nr != cust_nr:
            raise NotFound(fax_id)
        return FaxInDetail(fax, await outbox.for_job(conn, fax_id))


async def fax_file(
    db: Database, spool: Spool, cust_nr: str, fax_id: str, kind: ImageKind
) -> Path | bytes:
    """The TIFF or PDF: a plain local file to serve as it is, or its bytes."""
    key = await _key(db, cust_nr, fax_id, kind)
    found = await servable(spool, key)
    if found is None:  # purged between the look-up and the read
        raise NotFound(fax_id)
    return found


async def page(db: Database, spool: Spool, cust_nr: str, fax_id: str, number: int) -> bytes:
    """Page `number` (from 1) of the fax as received, as PNG."""
    data = await _get(spool, await _key(db, cust_nr, fax_id, ImageKind.FAXIN_TIFF))
    try:
        return await anyio.to_thread.run_sync(page_png, io.BytesIO(data), number)
    except IndexError as exc:
        raise FileNotReady(str(exc)) from None


async def _key(db: Database, cust_nr: str, fax_id: str, kind: ImageKind) -> ImageKey:
    async with db.reader.connect() as conn:
        fax = await faxin.get(conn, fax_id)
    if fax is None or fax.cust_nr != cust_nr:
        raise NotFound(fax_id)
    return ImageKey(fax_id, kind, 0)


async def _get(spool: Spool, key: ImageKey) -> bytes:
    data = await spool.get(key)
    if data is None:  # purged between the look-up and the read
        raise NotFound(key.job_id)
    return data
