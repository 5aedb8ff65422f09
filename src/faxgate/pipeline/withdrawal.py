"""Noticing, while a channel works on a recipient, that its job was withdrawn: the report was
deleted (by its owner, a bulk delete or the purge), or the validity window ended.

The channel races its render (or call) against `watch`; whichever ends first decides.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import structlog

from faxgate.domain.attempt import Claim
from faxgate.store import queue
from faxgate.store.db import Database

log = structlog.get_logger("faxgate.pipeline")
T = TypeVar("T")


class Withdrawn(enum.Enum):
    DELETED = "deleted"
    EXPIRED = "expired"


async def watch(db: Database, claim: Claim, interval: float, *, expiry: bool) -> Withdrawn:
    """Return once the job is deleted, or (with `expiry`) once its validity window ends.

    A database fault is no withdrawal: the work goes on and the next look decides."""
    while True:
        wait = interval
        if expiry:
            wait = max(0.0, min(interval, claim.valid_end - time.time()))
        await asyncio.sleep(wait)
        if expiry and time.time() >= claim.valid_end:
            return Withdrawn.EXPIRED
        try:
            async with db.reader.connect() as conn:
                if not await queue.job_exists(conn, claim.job_id):
                    return Withdrawn.DELETED
        except Exception:
            log.warning("job check failed", job_id=claim.job_id, exc_info=True)


async def unless_withdrawn(
    work: Coroutine[Any, Any, T], withdrawal: Coroutine[Any, Any, Withdrawn]
) -> T | Withdrawn:
    """Run `work` until it ends or `withdrawal` returns first; then `work` is cancelled (a
    render cancelled this way has its processes killed)."""
    task = asyncio.create_task(work)
    watcher = asyncio.create_task(withdrawal)
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        return watcher.result()
    finally:
        task.cancel()
        watcher.cancel()
        await asyncio.gather(task, watcher, return_exceptions=True)
