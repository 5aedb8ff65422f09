"""The retention purge: reports completed longer ago than the retention period go, with
their files, and so do received faxes (Fax-In) older than theirs, acknowledged or not; then
this host's scratch of jobs no longer pending. Runs in every worker process; deleting is
idempotent, so several may run."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable

import structlog

from faxgate.config import Settings
from faxgate.store.accounts import retention_overrides
from faxgate.store.db import Database
from faxgate.store.disk import with_room
from faxgate.store.faxin import purge_received_before
from faxgate.store.reports import purge_completed_before
from faxgate.store.scratch_sweep import sweep_scratch
from faxgate.store.spools import open_spool

log = structlog.get_logger("faxgate.purge")
_BATCH = 1000
# A received fax whose files never arrived (the intake crashed between its steps) goes after
# this; an intake under way takes seconds.
_UNREADY_SECS = 3600.0


class Purger:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.spool = open_spool(settings, db)
        self._task: asyncio.Task[None] | None = None

    async def purge_once(self, now: float | None = None) -> int:
        """Purge every account's reports (its own retention if it has one, else the
        service's) and received faxes; how many of both went."""
        moment = now or time.time()
        async with self.db.reader.connect() as conn:
            overrides = await retention_overrides(conn)
        total = await self._purge(moment - self.settings.retention_days * 86400, None, overrides)
        for cust_nr, days in overrides.items():
            total += await self._purge(moment - days * 86400, cust_nr, ())
        return total + await self.purge_received(moment)

    async def purge_received(self, now: float) -> int:
        """Received faxes older than FAXGATE_FAXIN_RETENTION_DAYS, acknowledged or not, and
        those never made ready an hour on, then their files (a poll no longer sees them)."""
        cutoff = now - self.settings.faxin_retention_days * 86400

        async def batch() -> list[str]:
            async with self.db.writer.begin() as conn:
                return await purge_received_before(conn, cutoff, now - _UNREADY_SECS, _BATCH)

        total = await self._in_batches(batch)
        if total:
            log.info("received faxes purged", count=total)
        return total

    async def _purge(self, cutoff: float, only: str | None, excluding: Iterable[str]) -> int:
        async def batch() -> list[str]:
            async with self.db.writer.begin() as conn:
                return await purge_completed_before(conn, cutoff, _BATCH, only, tuple(excluding))

        total = await self._in_batches(batch)
        if total:
            log.info("reports purged", count=total, account=only or "all others")
        return total

    async def _in_batches(self, batch: Callable[[], Awaitable[list[str]]]) -> int:
        """Run `batch` (delete up to _BATCH rows, return their IDs) until it deletes fewer,
        removing each batch's files; how many went."""
        total = 0
        while True:
            # purging makes room: on a full disk the reserve gives it the room to commit
            ids = await with_room(self.settings.data_dir, batch)
            await self.spool.delete_jobs(ids)
            total += len(ids)
            if len(ids) < _BATCH:
                return total

    async def _run(self) -> None:
        while True:
            try:
                await self.purge_once()
                await sweep_scratch(self.db, self.settings.data_dir)
            except Exception:
                log.exception("purge failed")
            await asyncio.sleep(self.settings.purge_interval_secs)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="purge")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
