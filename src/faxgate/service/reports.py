"""Reading and deleting reports, for one login (and, in strict HA mode, one DC).

Deleting is how a client makes room, so it must work on a full disk: a delete that fails for
lack of space releases the disk reserve (store/disk.py) and is tried once more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from faxgate.domain.report import JobReport
from faxgate.service.errors import NotFound
from faxgate.store import reports as store
from faxgate.store.db import Database
from faxgate.store.disk import with_room
from faxgate.store.spool import Spool

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    login: str
    dc: str | None = None  # None: every DC of this store
    data_dir: Path | None = None  # its disk's reserve makes room for deletes on a full disk
    spool: Spool | None = None  # where the jobs' fax images are removed with their reports


async def _writing(scope: Scope, attempt: Callable[[], Awaitable[T]]) -> T:
    if scope.data_dir is None:
        return await attempt()
    return await with_room(scope.data_dir, attempt)


async def _remove_files(scope: Scope, job_ids: set[str]) -> None:
    if scope.spool is not None and job_ids:
        await scope.spool.delete_jobs(job_ids)


@dataclass(frozen=True)
class Deletion:
    job_id: str
    deleted: bool
    reason: str | None = None  # NOT_FOUND when there was nothing to delete


async def get_report(db: Database, scope: Scope, job_id: str) -> JobReport:
    async with db.snapshot.begin() as conn:
        found = await store.load_reports(conn, scope.login, [job_id], scope.dc)
    if not found:
        raise NotFound(job_id)
    return found[0]


async def oldest_completed(db: Database, scope: Scope) -> list[JobReport]:
    async with db.snapshot.begin() as conn:
        ids = await store.oldest_completed(conn, scope.login, scope.dc)
        return await store.load_reports(conn, scope.login, ids, scope.dc)


async def bulk_get(db: Database, scope: Scope, job_ids: Sequence[str]) -> list[JobReport]:
    async with db.snapshot.begin() as conn:
        return await store.load_reports(conn, scope.login, job_ids, scope.dc)


async def _delete(db: Database, scope: Scope, job_ids: Sequence[str]) -> set[str]:
    async def attempt() -> set[str]:
        async with db.writer.begin() as conn:
            return await store.delete_jobs(conn, scope.login, job_ids, scope.dc)

    return await _writing(scope, attempt)


async def delete_one(db: Database, scope: Scope, job_id: str) -> Deletion:
    deleted = await _delete(db, scope, [job_id])
    if not deleted:
        raise NotFound(job_id)
    await _remove_files(scope, deleted)
    return Deletion(job_id, True)


async def bulk_delete(db: Database, scope: Scope, job_ids: Sequence[str]) -> list[Deletion]:
    """One entry per requested ID, in request order."""
    deleted = await _delete(db, scope, job_ids)
    await _remove_files(scope, deleted)
    return [
        Deletion(job_id, True) if job_id in deleted else Deletion(job_id, False, "NOT_FOUND")
        for job_id in job_ids
    ]


async def delete_oldest(db: Database, scope: Scope) -> list[Deletion]:
    """Delete up to 1000 completed reports, oldest first, in one transaction."""

    async def attempt() -> tuple[list[str], set[str]]:
        async with db.writer.begin() as conn:
            ids = await store.oldest_completed(conn, scope.login, scope.dc)
            return ids, await store.delete_jobs(conn, scope.login, ids, scope.dc)

    ids, deleted = await _writing(scope, attempt)
    await _remove_files(scope, deleted)
    return [Deletion(job_id, True) for job_id in ids if job_id in deleted]
