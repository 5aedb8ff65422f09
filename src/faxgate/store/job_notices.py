"""What queueing a finished job's notifications reads: the job's owner and options and its
document names, as typed values (the account's settings: store/accounts.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.job import JobOptions
from faxgate.store.job_json import options_from_json
from faxgate.store.tables import documents, jobs


@dataclass(frozen=True)
class NotifiedJob:
    login: str
    cust_nr: str
    options: JobOptions


async def notified_job(conn: AsyncConnection, job_id: str) -> NotifiedJob:
    row = (
        await conn.execute(
            select(jobs.c.login, jobs.c.cust_nr, jobs.c.options).where(jobs.c.job_id == job_id)
        )
    ).one()
    return NotifiedJob(row.login, row.cust_nr, options_from_json(row.options))


async def document_names(conn: AsyncConnection, job_id: str) -> tuple[str, ...]:
    rows = await conn.execute(
        select(documents.c.name).where(documents.c.job_id == job_id).order_by(documents.c.idx)
    )
    return tuple(name for (name,) in rows)
