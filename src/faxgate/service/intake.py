"""Committing new jobs with group commit.

Submissions that arrive while a transaction is being written wait for the next one, which
takes them all: one BEGIN, one executemany per table, one COMMIT (one fsync) for the batch.
Each request is still answered only after the commit that holds its job, so a 201 keeps
meaning "on disk". A job refused by a check (duplicate, unknown overlay) is answered alone;
the rest of its batch commits. If a batch fails as a whole, its jobs are retried one by
one, so one job can never take others down with it.
"""

from __future__ import annotations

import asyncio
import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.config import Settings
from faxgate.service.errors import DuplicateJob, InvalidRequest
from faxgate.store.db import Database
from faxgate.store.jobs import NewJob, find_duplicate, insert_jobs
from faxgate.store.work import find_template

Outcome = Exception | None
_MAX_BATCH = 64


class JobWriter:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._pending: list[tuple[NewJob, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None

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
            async with self.db.writer.begin() as conn:
                outcomes = await self._check(conn, batch)
                accepted = [job for job, o in zip(batch, outcomes, strict=True) if o is None]
                if accepted:
                    await insert_jobs(conn, accepted)
            return outcomes
        except Exception as exc:  # handed to the waiting request(s), never lost
            if len(batch) == 1:
                return [exc]
            return [(await self._write([job]))[0] for job in batch]

    async def _check(self, conn: AsyncConnection, batch: list[NewJob]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        earlier: dict[tuple[str, str], str] = {}  # duplicates inside this batch
        for job in batch:
            outcome = await self._overlay_missing(conn, job)
            cdid = job.reference.customer_defined_id
            if outcome is None and cdid and self.settings.duplicate_window_secs > 0:
                key = (job.login, cdid)
                existing = earlier.get(key) or await self._duplicate_of(conn, job)
                if existing is not None:
                    outcome = DuplicateJob(existing)
                else:
                    earlier[key] = job.job_id
            outcomes.append(outcome)
        return outcomes

    async def _duplicate_of(self, conn: AsyncConnection, job: NewJob) -> str | None:
        cdid = job.reference.customer_defined_id
        if conn.dialect.name == "postgresql":
            # Two writers (processes) checking the same customerDefinedId take turns.
            digest = hashlib.sha256(f"{job.login}\0{cdid}".encode()).digest()
            key = int.from_bytes(digest[:8], signed=True)
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return await find_duplicate(
            conn, job.login, cdid, job.created_at - self.settings.duplicate_window_secs
        )

    @staticmethod
    async def _overlay_missing(conn: AsyncConnection, job: NewJob) -> Outcome:
        if job.overlay_name is None:
            return None
        found = await find_template(conn, job.cust_nr, "overlay", job.overlay_name, fallback=False)
        if found is not None:
            return None
        return InvalidRequest(
            "renderingOptions.overlay.name",
            f"no overlay template {job.overlay_name!r} for this account "
            "(add one with: faxgate templates add --kind overlay)",
        )
