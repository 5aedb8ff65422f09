"""Fax-In's intake on SQLite and PostgreSQL, with either spool: a received fax for an owned
number becomes visible only with its files; one for a number nobody owns keeps nothing; a fax
whose files never arrived stays invisible and is purged."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from faxgate.domain.faxin import InboundFax, ReceivedFax
from faxgate.domain.ids import FAXIN_ID_PATTERN
from faxgate.pipeline.faxin_intake import accept_received, owns
from faxgate.service import inbound
from faxgate.service.accounts import add_login
from faxgate.store import faxin
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool
from faxgate.store.tables import faxin_faxes
from tests.conftest import make_settings
from tests.faxin_faxes import fax_tiff, received_fax

pytestmark = pytest.mark.anyio
NUMBER = "0049301234567"


def write_tiff(path: Path, pages: int) -> Path:
    path.write_bytes(fax_tiff(pages))
    return path


@pytest.fixture(params=["data-dir", "database"])
def spool_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_received_fax_is_kept_with_its_files_for_the_numbers_topic(
    db: Database, tmp_path: Path, database_url: str, spool_kind: str
) -> None:
    settings = make_settings(tmp_path, database_url, spool=spool_kind)
    spool = open_spool(settings, db)
    await add_login(db, "11111AA", "alice", "s")
    await inbound.add_number(db, "11111AA", "+49 30 1234567", "sales", "pw")
    assert await owns(db, NUMBER)

    fax = await accept_received(
        settings, db, spool, write_tiff(tmp_path / "rx.tif", 2), received_fax(NUMBER, 2)
    )

    assert fax is not None
    assert FAXIN_ID_PATTERN.fullmatch(fax.fax_id)
    assert (fax.cust_nr, fax.topic) == ("11111AA", "sales")
    tiff = await spool.get(ImageKey(fax.fax_id, ImageKind.FAXIN_TIFF, 0))
    assert tiff == (tmp_path / "rx.tif").read_bytes()
    pdf = await spool.get(ImageKey(fax.fax_id, ImageKind.FAXIN_PDF, 0))
    assert pdf is not None
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    async with db.reader.connect() as conn:
        stored = await faxin.get(conn, fax.fax_id)
    assert stored is not None
    assert stored.fax == fax.fax


async def test_a_fax_for_a_number_nobody_owns_keeps_nothing(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    spool = open_spool(settings, db)
    assert not await owns(db, NUMBER)
    fax = await accept_received(
        settings, db, spool, write_tiff(tmp_path / "rx.tif", 1), received_fax(NUMBER)
    )
    assert fax is None
    async with db.reader.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(faxin_faxes)) == 0
    assert not (tmp_path / "faxin").exists()


async def test_fetch_locks_acknowledge_ends_and_unready_faxes_stay_hidden(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    spool = open_spool(settings, db)
    await add_login(db, "11111AA", "alice", "s")
    await inbound.add_number(db, "11111AA", NUMBER, "sales", "pw")
    tiff = write_tiff(tmp_path / "rx.tif", 1)
    first = await accept_received(settings, db, spool, tiff, received_fax(NUMBER))
    second = await accept_received(settings, db, spool, tiff, received_fax(NUMBER))
    assert first is not None and second is not None
    stuck = received_fax(NUMBER)
    async with db.writer.begin() as conn:  # a crash after the row, before its files
        await faxin.insert(conn, replace_id(first, "FI00000000000DC1STUCK0", stuck))

    now = time.time()
    async with db.writer.begin() as conn:
        batch = await faxin.fetch(conn, "11111AA", "sales", 10, 60, now)
    assert [f.fax_id for f in batch] == [first.fax_id, second.fax_id]
    async with db.writer.begin() as conn:
        assert await faxin.fetch(conn, "11111AA", "sales", 10, 60, now + 1) == []
        assert await faxin.acknowledge(conn, "11111AA", "sales", [first.fax_id, "FIX"], now) == 1
        assert await faxin.acknowledge(conn, "11111AA", "other", [second.fax_id], now) == 0
    async with db.writer.begin() as conn:  # the lock ran out: only the unacknowledged returns
        again = await faxin.fetch(conn, "11111AA", "sales", 10, 60, now + 61)
    assert [f.fax_id for f in again] == [second.fax_id]

    async with db.writer.begin() as conn:
        gone = await faxin.purge_received_before(conn, now - 86400, now + 3600, 100)
    assert gone == ["FI00000000000DC1STUCK0"]


def replace_id(fax: InboundFax, fax_id: str, received_fax: ReceivedFax) -> InboundFax:
    return InboundFax(fax_id, fax.cust_nr, fax.topic, received_fax, 0.0, None)
