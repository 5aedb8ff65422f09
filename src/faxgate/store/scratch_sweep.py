"""Sweeping this host's scratch of jobs that are complete or gone.

The process that completes or deletes a job removes its own scratch of it; another process
that worked on the job (rendered one of its recipients, or an earlier attempt) keeps its
copy of the render cache until this sweep, which every worker process runs with the
retention purge. With a shared data directory that copy was the same directory; with data
directories of their own (FAXGATE_SPOOL=database) it would stay for ever.
"""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from sqlalchemy import select

from faxgate.store.db import Database
from faxgate.store.scratch import remove_scratch, scratch_jobs
from faxgate.store.tables import jobs

_MAX_JOBS = 10_000  # per sweep; the next sweep takes the rest
_CHUNK = 500  # job IDs per query


async def sweep_scratch(db: Database, data_dir: Path) -> int:
    """Remove the scratch of every job that is no longer pending; how many were removed."""
    names = await anyio.to_thread.run_sync(scratch_jobs, data_dir, _MAX_JOBS)
    pending: set[str] = set()
    async with db.reader.connect() as conn:
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            query = select(jobs.c.job_id).where(
                jobs.c.job_id.in_(chunk), jobs.c.completed_at.is_(None)
            )
            pending.update((await conn.execute(query)).scalars())
    stale = [name for name in names if name not in pending]
    if stale:
        await anyio.to_thread.run_sync(remove_scratch, data_dir, stale)
    return len(stale)
