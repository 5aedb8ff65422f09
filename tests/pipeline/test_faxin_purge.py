"""The retention purge deletes received faxes older than FAXGATE_FAXIN_RETENTION_DAYS,
acknowledged or not, with their files; faxes whose intake never finished go after an hour."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from faxgate.domain.faxin import InboundFax
from faxgate.pipeline.purge import Purger
from faxgate.store import faxin
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind, Spool
from faxgate.store.tables import faxin_faxes
from tests.conftest import CUST_NR, make_settings
from tests.faxin_faxes import TOPIC, add_topics, receive

pytestmark = pytest.mark.anyio
DAY = 86400.0


async def _stored_ids(db: Database) -> set[str]:
    async with db.reader.connect() as conn:
        return set((await conn.execute(select(faxin_faxes.c.fax_id))).scalars())


async def _has_files(spool: Spool, fax_id: str) -> bool:
    kinds = (ImageKind.FAXIN_TIFF, ImageKind.FAXIN_PDF)
    return all([await spool.get(ImageKey(fax_id, kind, 0)) is not None for kind in kinds])


async def _unready(db: Database, spool: Spool, template: InboundFax, received_at: float) -> str:
    """A fax whose intake stopped after its files, before it was made visible (a crash)."""
    fax_id = "FI" + f"{int(received_at)}".rjust(20, "0")
    unready = InboundFax(
        fax_id=fax_id,
        cust_nr=template.cust_nr,
        topic=template.topic,
        fax=template.fax,
        locked_until=0.0,
        acknowledged_at=None,
    )
    async with db.writer.begin() as conn:
        await faxin.insert(conn, unready)
        await conn.execute(
            faxin_faxes.update()
            .where(faxin_faxes.c.fax_id == fax_id)
            .values(received_at=received_at)
        )
    await spool.put(ImageKey(fax_id, ImageKind.FAXIN_TIFF, 0), b"II*\0partial")
    return fax_id


async def test_old_received_faxes_and_their_files_go(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, faxin_retention_days=7.0)
    purger = Purger(settings, db)
    spool = purger.spool
    await add_topics(db)
    now = time.time()
    old = await receive(settings, db, spool, received_at=now - 7 * DAY - 60)
    old_acknowledged = await receive(settings, db, spool, received_at=now - 8 * DAY)
    async with db.writer.begin() as conn:
        await faxin.acknowledge(conn, CUST_NR, TOPIC, [old_acknowledged.fax_id], now)
    young = await receive(settings, db, spool, received_at=now - 7 * DAY + 3600)
    stuck = await _unready(db, spool, young, now - 2 * 3600)
    starting = await _unready(db, spool, young, now - 60)  # its intake may be under way
    assert await _stored_ids(db) == {
        old.fax_id, old_acknowledged.fax_id, young.fax_id, stuck, starting
    }  # fmt: skip

    assert await purger.purge_received(now) == 3

    assert await _stored_ids(db) == {young.fax_id, starting}
    for gone in (old.fax_id, old_acknowledged.fax_id, stuck):
        assert await spool.get(ImageKey(gone, ImageKind.FAXIN_TIFF, 0)) is None, gone
        assert await spool.get(ImageKey(gone, ImageKind.FAXIN_PDF, 0)) is None, gone
    assert await _has_files(spool, young.fax_id)
    assert await spool.get(ImageKey(starting, ImageKind.FAXIN_TIFF, 0)) is not None
    assert await purger.purge_received(now) == 0  # nothing left to purge


async def test_the_regular_purge_includes_received_faxes(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, faxin_retention_days=1.0)
    purger = Purger(settings, db)
    await add_topics(db)
    now = time.time()
    old = await receive(settings, db, purger.spool, received_at=now - 2 * DAY)
    young = await receive(settings, db, purger.spool, received_at=now - 3600)

    assert await purger.purge_once(now) == 1
    assert await _stored_ids(db) == {young.fax_id}
    assert await purger.spool.get(ImageKey(old.fax_id, ImageKind.FAXIN_PDF, 0)) is None
