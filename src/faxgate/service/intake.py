"""Committing new jobs with group commit.

Submissions that arrive while a transaction is being written wait for the next one, which
takes them all: one BEGIN, one executemany per table, one COMMIT (one fsync) for the batch.
Each request is still answered only after the commit that holds its job, so a 201 keeps
meaning "on disk". A job refused by a check (duplicate, unknown overlay) is answered alone;
the rest of its batch commits. If a batch fails as a whole, its jobs are retried one by
one, so one job can never take others down with it.

A batch is written by one synchronous function: on SQLite in the writer's own thread with
a blocking connection (one hand-off per batch; aiosqlite would hand off every statement),
on PostgreSQL through `run_sync` on an asyncpg connection.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor

from faxgate.config import Settings
from faxgate.service.errors import DuplicateJob, InvalidRequest
from faxgate.store.db import Database, SyncConnection
from faxgate.store.jobs import (
    NewJob,
    find_duplicate,
    has_template,
    insert_jobs,
    lock_for_duplicate_check,
)

Outcome = Exception | None
_MAX_BATCH = 64


class JobWriter:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._pending: list[tuple[NewJob, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._thread = (
            ThreadPoolExecutor(1, thread_name_prefix="faxgate-intake")
            if db.blocking_writer is not None
            else None
        )

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)

    async def store(self, job: NewJob) -> None:
        """Return once the job is committed; raise what refused it."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        # A client that goes away must not cancel the batch's bookkeeping.
        await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[:_MAX_BATCH]
            del self._pending[:_MAX_BATCH]
            outcomes = await self._write([job for job, _ in batch])
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if outcome is None:
                    future.set_result(None)
                else:
                    future.set_exception(outcome)

    async def _write(self, batch: list[NewJob]) -> list[Outcome]:
        try:
            if self._thread is not None:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._thread, self._write_blocking, batch)
            async with self.db.writer.begin() as conn:
                return await conn.run_sync(self._write_batch, batch)
        except Exception as exc:  # handed to the waiting request(s), never lost
            if len(batch) == 1:
                return [exc]
            return [(await self._write([job]))[0] for job in batch]

    def _write_blocking(self, batch: list[NewJob]) -> list[Outcome]:
        assert self.db.blocking_writer is not None
        with self.db.blocking_writer.begin() as conn:
            return self._write_batch(conn, batch)

    def _write_batch(self, conn: SyncConnection, batch: list[NewJob]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        earlier: dict[tuple[str, str], str] = {}  # customerDefinedIds taken inside this batch
        for job in batch:
            outcome = self._overlay_missing(conn, job)
            cdid = job.reference.customer_defined_id
            if outcome is None and cdid and self.settings.duplicate_window_secs > 0:
                key = (job.login, cdid)
                existing = earlier.get(key) or self._duplicate_of(conn, job)
                if existing is None:
                    earlier[key] = job.job_id
                else:
                    outcome = DuplicateJob(existing)
            outcomes.append(outcome)
        accepted = [job for job, outcome in zip(batch, outcomes, strict=True) if outcome is None]
        if accepted:
            insert_jobs(conn, accepted)
        return outcomes

    def _duplicate_of(self, conn: SyncConnection, job: NewJob) -> str | None:
        cdid = job.reference.customer_defined_id
        # Writers in other processes checking the same customerDefinedId take turns.
        digest = hashlib.sha256(f"{job.login}\0{cdid}".encode()).digest()
        lock_for_duplicate_check(conn, int.from_bytes(digest[:8], signed=True))
        return find_duplicate(
            conn, job.login, cdid, job.created_at - self.settings.duplicate_window_secs
        )

    @staticmethod
    def _overlay_missing(conn: SyncConnection, job: NewJob) -> Outcome:
        if job.overlay_name is None or has_template(conn, job.cust_nr, "overlay", job.overlay_name):
            return None
        return InvalidRequest(
            "renderingOptions.overlay.name",
            f"no overlay template {job.overlay_name!r} for this account "
            "(add one with: faxgate templates add --kind overlay)",
        )
