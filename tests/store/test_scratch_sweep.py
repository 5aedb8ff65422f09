"""The sweep removes this host's scratch of jobs that are complete or gone, and keeps the
scratch of pending jobs: what a worker keeps of a job another worker completed or the API
deleted, when the processes do not share a data directory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from faxgate.store.db import Database
from faxgate.store.scratch import cache_dir, scratch_file
from faxgate.store.scratch_sweep import sweep_scratch
from faxgate.store.tables import jobs
from tests.conftest import CUST_NR, LOGIN

pytestmark = pytest.mark.anyio


async def _add_job(db: Database, job_id: str, completed: bool) -> None:
    now = time.time()
    async with db.writer.begin() as conn:
        await conn.execute(
            sa.insert(jobs).values(
                job_id=job_id,
                login=LOGIN,
                cust_nr=CUST_NR,
                dc="dc1",
                created_at=now,
                completed_at=now if completed else None,
                options="{}",
                payload_hash="0" * 64,
                valid_start=now,
                valid_end=now + 3600,
            )
        )


async def test_scratch_of_jobs_no_longer_pending_is_swept(db: Database, tmp_path: Path) -> None:
    await _add_job(db, "FJPENDING", completed=False)
    await _add_job(db, "FJDONE", completed=True)
    for job_id in ("FJPENDING", "FJDONE", "FJGONE"):
        (cache_dir(tmp_path, job_id) / "pages-abc").mkdir(parents=True)
        scratch_file(tmp_path, job_id, "sent-0").write_bytes(b"II*\x00")
    assert await sweep_scratch(db, tmp_path) == 2
    assert cache_dir(tmp_path, "FJPENDING").exists()
    assert not cache_dir(tmp_path, "FJDONE").exists()
    assert not cache_dir(tmp_path, "FJGONE").exists()
    assert await sweep_scratch(db, tmp_path) == 0


async def test_a_host_without_scratch_sweeps_nothing(db: Database, tmp_path: Path) -> None:
    assert await sweep_scratch(db, tmp_path / "never-made") == 0
