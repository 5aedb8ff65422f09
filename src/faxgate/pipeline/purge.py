"""The retention purge: reports completed longer ago than the retention period go, with
their files. Runs in every worker process; deleting is idempotent, so several may run."""

from __future__ import annotations

import asyncio
import contextlib
import time

import anyio.to_thread
import structlog

from faxgate.config import Settings
from faxgate.pipeline.files import remove_job_files
from faxgate.store.db import Database
from faxgate.store.reports import purge_completed_before

log = structlog.get_logger("faxgate.purge")
_BATCH = 1000


class Purger:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._task: asyncio.Task[None] | None = None

    async def purge_once(self, now: float | None = None) -> int:
        cutoff = (now or time.time()) - self.settings.retention_days * 86400
        total = 0
        while True:
            async with self.db.writer.begin() as conn:
                ids = await purge_completed_before(conn, cutoff, _BATCH)
            await anyio.to_thread.run_sync(remove_job_files, self.settings.data_dir, ids)
            total += len(ids)
            if len(ids) < _BATCH:
                break
        if total:
            log.info("reports purged", count=total, retention_days=self.settings.retention_days)
        return total

    async def _run(self) -> None:
        while True:
            try:
                await self.purge_once()
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
