"""The spool's two backends behave alike: the same tests run on the data directory and on
the database (SQLite and PostgreSQL), with and without FAXGATE_ENCRYPT_FILES."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from faxgate.config import Settings
from faxgate.sealing.keys import new_key
from faxgate.store import reports
from faxgate.store.db import Database
from faxgate.store.scratch import cache_dir, scratch_file
from faxgate.store.spool import ImageKey, ImageKind, Spool, fetch_file, put_file
from faxgate.store.spool_dir import image_file
from faxgate.store.spools import open_spool, spool_kind
from faxgate.store.tables import fax_images, jobs
from tests.conftest import LOGIN
from tests.documents import pdf

pytestmark = pytest.mark.anyio
TIFF = b"II*\x00" + pdf(2)  # any bytes do: the spool does not look inside
OTHER = b"MM\x00*" + pdf(1)
SEALED = b"enc:v1:"
KEY = new_key().decode()


def _settings(data_dir: Path, kind: str, encrypt: bool) -> Settings:
    # hosts with data dirs of their own share the key by setting, as they must
    return Settings(data_dir=data_dir, spool=kind, encrypt_files=encrypt, secret_key=KEY)


async def _add_job(db: Database, job_id: str) -> None:
    now = time.time()
    async with db.writer.begin() as conn:
        await conn.execute(
            sa.insert(jobs).values(
                job_id=job_id,
                login=LOGIN,
                cust_nr="99999TE",
                dc="dc1",
                created_at=now,
                options="{}",
                payload_hash="0" * 64,
                valid_start=now,
                valid_end=now + 3600,
            )
        )


@pytest.fixture(params=["data-dir", "database"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[False, True], ids=["plain", "encrypted"])
def encrypt(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
async def spool(db: Database, tmp_path: Path, backend: str, encrypt: bool) -> AsyncIterator[Spool]:
    for job_id in ("FJ1", "FJ2"):
        await _add_job(db, job_id)
    yield open_spool(_settings(tmp_path / "host1", backend, encrypt), db)


async def _stored(db: Database, data_dir: Path, backend: str, key: ImageKey) -> bytes | None:
    """The image as it lies at rest, read around the spool."""
    if backend == "data-dir":
        path = image_file(data_dir, key)
        return path.read_bytes() if path.exists() else None
    async with db.reader.connect() as conn:
        row = (
            await conn.execute(
                sa.select(fax_images.c.content).where(
                    fax_images.c.job_id == key.job_id,
                    fax_images.c.kind == key.kind.value,
                    fax_images.c.recipient == key.recipient,
                )
            )
        ).first()
    return None if row is None else bytes(row[0])


async def test_images_round_trip_by_job_kind_and_recipient(spool: Spool) -> None:
    sent0, sent1 = ImageKey("FJ1", ImageKind.SENT, 0), ImageKey("FJ1", ImageKind.SENT, 1)
    received0 = ImageKey("FJ1", ImageKind.RECEIVED, 0)
    assert await spool.get(sent0) is None
    await spool.put(sent0, TIFF)
    await spool.put(sent1, OTHER)
    await spool.put(received0, OTHER)
    assert await spool.get(sent0) == TIFF
    assert await spool.get(sent1) == OTHER
    assert await spool.get(received0) == OTHER
    assert await spool.get(ImageKey("FJ2", ImageKind.SENT, 0)) is None
    await spool.put(sent0, OTHER)  # replaced, e.g. the received image after a crash-redial
    assert await spool.get(sent0) == OTHER
    await spool.delete(sent0)
    assert await spool.get(sent0) is None
    assert await spool.get(sent1) == OTHER


async def test_images_are_sealed_at_rest_when_files_are_encrypted(
    spool: Spool, db: Database, tmp_path: Path, backend: str, encrypt: bool
) -> None:
    key = ImageKey("FJ1", ImageKind.SENT, 0)
    await spool.put(key, TIFF)
    stored = await _stored(db, tmp_path / "host1", backend, key)
    assert stored is not None
    if encrypt:
        assert stored.startswith(SEALED) and TIFF[100:160] not in stored
    else:
        assert stored == TIFF
    # the other setting reads it too: switching needs no conversion
    flipped = open_spool(_settings(tmp_path / "host1", backend, not encrypt), db)
    assert await flipped.get(key) == TIFF
    plain = await spool.plain_file(key)
    if backend == "data-dir" and not encrypt:
        assert plain is not None and plain.read_bytes() == TIFF
    else:
        assert plain is None


async def test_local_files_in_and_out(spool: Spool, tmp_path: Path) -> None:
    key = ImageKey("FJ1", ImageKind.RECEIVED, 3)
    source = tmp_path / "rendered.tiff"
    source.write_bytes(TIFF)
    await put_file(spool, key, source)
    assert source.read_bytes() == TIFF  # the local file stays for the call
    copy = tmp_path / "copy.tiff"
    assert await fetch_file(spool, key, copy)
    assert copy.read_bytes() == TIFF
    assert not await fetch_file(spool, ImageKey("FJ1", ImageKind.SENT, 3), tmp_path / "none")
    assert not (tmp_path / "none").exists()


async def test_images_and_scratch_go_with_the_deleted_job(
    spool: Spool, db: Database, tmp_path: Path, backend: str
) -> None:
    data_dir = tmp_path / "host1"
    gone, kept = ImageKey("FJ1", ImageKind.SENT, 0), ImageKey("FJ2", ImageKind.SENT, 0)
    for key in (gone, kept, ImageKey("FJ1", ImageKind.RECEIVED, 0)):
        await spool.put(key, TIFF)
    scratch = scratch_file(data_dir, "FJ1", "sent-0")
    scratch.parent.mkdir(parents=True)
    scratch.write_bytes(TIFF)
    async with db.writer.begin() as conn:
        assert await reports.delete_jobs(conn, LOGIN, ["FJ1"], None) == {"FJ1"}
    if backend == "database":  # the rows went in the delete's own transaction
        assert await _stored(db, data_dir, backend, gone) is None
    await spool.delete_jobs(["FJ1"])
    assert await spool.get(gone) is None
    assert await spool.get(ImageKey("FJ1", ImageKind.RECEIVED, 0)) is None
    assert not cache_dir(data_dir, "FJ1").exists()
    assert await spool.get(kept) == TIFF


async def test_an_image_of_a_job_deleted_meanwhile_is_not_stored(
    db: Database, tmp_path: Path, encrypt: bool
) -> None:
    spool = open_spool(_settings(tmp_path, "database", encrypt), db)
    await spool.put(ImageKey("FJ9", ImageKind.SENT, 0), TIFF)  # no such job (any more)
    assert await spool.get(ImageKey("FJ9", ImageKind.SENT, 0)) is None


async def test_the_database_spool_is_shared_by_hosts_with_their_own_data_dirs(
    db: Database, tmp_path: Path, encrypt: bool
) -> None:
    await _add_job(db, "FJ1")
    worker = open_spool(_settings(tmp_path / "worker", "database", encrypt), db)
    api = open_spool(_settings(tmp_path / "api", "database", encrypt), db)
    await worker.put(ImageKey("FJ1", ImageKind.SENT, 0), TIFF)
    assert await api.get(ImageKey("FJ1", ImageKind.SENT, 0)) == TIFF
    assert not (tmp_path / "api" / "spool").exists()


def test_an_unknown_spool_is_refused_by_name() -> None:
    assert spool_kind(Settings(spool=" Database ")) == "database"
    with pytest.raises(ValueError, match="FAXGATE_SPOOL: unknown spool 's3'"):
        spool_kind(Settings(spool="s3"))
