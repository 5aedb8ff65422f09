"""One page of a login's jobs, newest first, for the listing (pending jobs included)."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.job_filter import Cursor, JobFilter
from faxgate.store.tables import jobs, recipients


async def page_of_jobs(
    conn: AsyncConnection,
    login: str,
    dc: str | None,
    filters: JobFilter,
    after: Cursor | None,
    limit: int,
) -> list[Cursor]:
    """Up to `limit` jobs after `after`, as (created_at, job_id), by ix_jobs_login_created."""
    clauses = [jobs.c.login == login]
    if dc is not None:
        clauses.append(jobs.c.dc == dc)
    if after is not None:
        clauses.append(
            or_(
                jobs.c.created_at < after.created_at,
                and_(jobs.c.created_at == after.created_at, jobs.c.job_id < after.job_id),
            )
        )
    if filters.final is not None:
        done = jobs.c.completed_at.is_not(None)
        clauses.append(done if filters.final else jobs.c.completed_at.is_(None))
    if filters.customer_defined_id is not None:
        clauses.append(jobs.c.customer_defined_id == filters.customer_defined_id)
    if filters.created_from is not None:
        clauses.append(jobs.c.created_at >= filters.created_from.timestamp())
    if filters.created_to is not None:
        clauses.append(jobs.c.created_at < filters.created_to.timestamp())
    recipient = [recipients.c.job_id == jobs.c.job_id]
    if filters.status is not None:
        recipient.append(recipients.c.status == filters.status.value)
    if filters.number is not None:  # normalised digits: no LIKE wildcards in it
        recipient.append(recipients.c.numbers.like(f'%"{filters.number}"%'))
    if filters.status is not None or filters.number is not None:
        clauses.append(exists().where(*recipient))
    rows = await conn.execute(
        select(jobs.c.created_at, jobs.c.job_id)
        .where(*clauses)
        .order_by(jobs.c.created_at.desc(), jobs.c.job_id.desc())
        .limit(limit)
    )
    return [Cursor(row.created_at, row.job_id) for row in rows]
