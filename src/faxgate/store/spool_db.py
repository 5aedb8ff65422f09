"""The database spool (FAXGATE_SPOOL=database): fax images as rows of `fax_images`, keyed by
(job, kind, recipient), so API and worker processes on different hosts, each with a data
directory of its own, serve and redial every fax with nothing shared but the database.

A received fax's files (the FAXIN kinds) are rows of `faxin_files`, keyed by the fax, and go
with the fax's row in the same way.

The rows go with their job (a foreign key with ON DELETE CASCADE), in the same transaction
as the report delete or the purge. An image put for a job that is already gone (deleted
while its render or call ran) is not stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from pathlib import Path

import anyio.to_thread
from sqlalchemy import ColumnElement, and_, delete, insert, select

from faxgate.sealing.box import BYTES_PREFIX, SecretBox
from faxgate.store.db import Database
from faxgate.store.scratch import remove_scratch
from faxgate.store.spool import ImageKey
from faxgate.store.tables import fax_images, faxin_faxes, faxin_files, jobs


def _row(key: ImageKey) -> ColumnElement[bool]:
    if key.kind.is_faxin:
        return and_(faxin_files.c.fax_id == key.job_id, faxin_files.c.kind == key.kind.value)
    return and_(
        fax_images.c.job_id == key.job_id,
        fax_images.c.kind == key.kind.value,
        fax_images.c.recipient == key.recipient,
    )


class DatabaseSpool:
    def __init__(
        self, db: Database, box: Callable[[], SecretBox], encrypt: bool, data_dir: Path
    ) -> None:
        self.db = db
        self.data_dir = data_dir  # only for this host's scratch of deleted jobs
        self._box = box
        self._encrypt = encrypt

    async def put(self, key: ImageKey, data: bytes) -> None:
        if self._encrypt:
            data = await anyio.to_thread.run_sync(self._box().seal_bytes, data)
        table, owner = (faxin_files, faxin_faxes) if key.kind.is_faxin else (fax_images, jobs)
        owner_id = owner.c.fax_id if key.kind.is_faxin else owner.c.job_id
        values = {"kind": key.kind.value, "content": data, "stored_at": time.time()}
        if key.kind.is_faxin:
            values["fax_id"] = key.job_id
        else:
            values.update(job_id=key.job_id, recipient=key.recipient)
        async with self.db.writer.begin() as conn:
            # The owning row is locked against a concurrent delete until the image is in
            # (SQLite's write transactions are serial already).
            exists = select(owner_id).where(owner_id == key.job_id)
            if not self.db.is_sqlite:
                exists = exists.with_for_update(key_share=True)
            if (await conn.execute(exists)).first() is None:
                return
            await conn.execute(delete(table).where(_row(key)))
            await conn.execute(insert(table).values(**values))

    async def get(self, key: ImageKey) -> bytes | None:
        column = faxin_files.c.content if key.kind.is_faxin else fax_images.c.content
        async with self.db.reader.connect() as conn:
            content = (await conn.execute(select(column).where(_row(key)))).scalar_one_or_none()
        if content is None:
            return None
        data = bytes(content)
        if not data.startswith(BYTES_PREFIX):
            return data
        return await anyio.to_thread.run_sync(self._box().unseal_bytes, data)

    async def plain_file(self, key: ImageKey) -> Path | None:
        return None

    async def delete(self, key: ImageKey) -> None:
        table = faxin_files if key.kind.is_faxin else fax_images
        async with self.db.writer.begin() as conn:
            await conn.execute(delete(table).where(_row(key)))

    async def delete_jobs(self, job_ids: Collection[str]) -> None:
        # The rows went with the jobs (and `put` stores none for a job that is gone).
        if job_ids:
            await anyio.to_thread.run_sync(remove_scratch, self.data_dir, job_ids)
