"""Reading and deleting status reports (a report is a job with its recipients)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.ids import recipient_id
from faxgate.domain.report import JobReport, RecipientReport, Reference
from faxgate.domain.statuses import FaxStatus
from faxgate.store.tables import deliveries, jobs, recipients

REPORT_LIMIT = 1000
MAIL_OF_DELETED_REPORT = "the report was deleted before its mail was sent: not sent"


def _utc(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _owned(row: Any, login: str, dc: str | None) -> bool:
    return bool(row.login == login and (dc is None or row.dc == dc))


def _scope(login: str, dc: str | None) -> list[ColumnElement[bool]]:
    clauses = [jobs.c.login == login]
    if dc is not None:
        clauses.append(jobs.c.dc == dc)
    return clauses


async def load_reports(
    conn: AsyncConnection, login: str, job_ids: Sequence[str], dc: str | None = None
) -> list[JobReport]:
    """Reports of the given jobs that this login owns, in the order of `job_ids`."""
    if not job_ids:
        return []
    unique_ids = list(dict.fromkeys(job_ids))
    job_rows = {
        row.job_id: row
        for row in await conn.execute(
            select(
                jobs.c.job_id,
                jobs.c.pages,
                jobs.c.customer_defined_id,
                jobs.c.billing_code,
                jobs.c.billing_info,
                jobs.c.created_at,
                jobs.c.completed_at,
                jobs.c.login,
                jobs.c.dc,
            ).where(jobs.c.job_id.in_(unique_ids))
        )
        # By primary key only, ownership checked here: with `login = ?` in the WHERE, SQLite
        # (no statistics) walks the login's index over every job it ever had.
        if _owned(row, login, dc)
    }
    if not job_rows:
        return []
    by_job: dict[str, list[RecipientReport]] = {job_id: [] for job_id in job_rows}
    # The job's pages are stored when it completes; a pending job shows what was sent so far.
    pages_sent: dict[str, int] = dict.fromkeys(job_rows, 0)
    rows = await conn.execute(
        select(
            recipients.c.job_id,
            recipients.c.idx,
            recipients.c.number,
            recipients.c.properties,
            recipients.c.status,
            recipients.c.reason,
            recipients.c.sent_ts,
            recipients.c.duration_secs,
            recipients.c.sent_to_number,
            recipients.c.remote_csid,
            recipients.c.pages,
        )
        .where(recipients.c.job_id.in_(list(job_rows)))
        .order_by(recipients.c.job_id, recipients.c.idx)
    )
    for r in rows:
        pages_sent[r.job_id] = max(pages_sent[r.job_id], r.pages)
        by_job[r.job_id].append(
            RecipientReport(
                number=r.number,
                properties=tuple((k, v) for k, v in json.loads(r.properties)),
                status=FaxStatus(r.status),
                reason=r.reason,
                sent_ts=_utc(r.sent_ts),
                duration_secs=r.duration_secs,
                sent_to_number=r.sent_to_number,
                remote_csid=r.remote_csid,
                num_id=recipient_id(r.job_id, r.idx),
            )
        )
    reports = []
    for job_id in unique_ids:
        row = job_rows.get(job_id)
        if row is None:
            continue
        reports.append(
            JobReport(
                job_id=job_id,
                recipients=tuple(by_job[job_id]),
                pages=row.pages if row.completed_at is not None else pages_sent[job_id],
                reference=Reference(row.customer_defined_id, row.billing_code, row.billing_info),
                created_at=datetime.fromtimestamp(row.created_at, UTC),
                completed_at=_utc(row.completed_at),
            )
        )
    return reports


async def oldest_completed(
    conn: AsyncConnection, login: str, dc: str | None = None, limit: int = REPORT_LIMIT
) -> list[str]:
    """IDs of the oldest completed jobs: by completion time, then creation, then job ID."""
    rows = await conn.execute(
        select(jobs.c.job_id)
        .where(jobs.c.completed_at.is_not(None), *_scope(login, dc))
        .order_by(jobs.c.completed_at, jobs.c.created_at, jobs.c.job_id)
        .limit(limit)
    )
    return [row.job_id for row in rows]


async def delete_jobs(
    conn: AsyncConnection, login: str, job_ids: Sequence[str], dc: str | None = None
) -> set[str]:
    """Delete the jobs this login owns among `job_ids`; returns the IDs deleted."""
    if not job_ids:
        return set()
    candidates = await conn.execute(
        select(jobs.c.job_id, jobs.c.login, jobs.c.dc).where(jobs.c.job_id.in_(list(set(job_ids))))
    )
    owned = [row.job_id for row in candidates if _owned(row, login, dc)]
    if not owned:
        return set()
    rows = await conn.execute(delete(jobs).where(jobs.c.job_id.in_(owned)).returning(jobs.c.job_id))
    deleted = {row.job_id for row in rows}
    if deleted:
        # A report mail is a copy of the report: once its owner deleted the report (and its
        # fax image), it is not sent, nor retried. A push outlives the report (Fax4A's
        # contract: it carries its own snapshot).
        await conn.execute(
            update(deliveries)
            .where(
                deliveries.c.job_id.in_(deleted),
                deliveries.c.channel == "mail",
                deliveries.c.state == "pending",
            )
            .values(state="failed", last_error=MAIL_OF_DELETED_REPORT)
        )
    return deleted


async def purge_completed_before(
    conn: AsyncConnection,
    cutoff: float,
    limit: int,
    only: str | None = None,
    excluding: Sequence[str] = (),
) -> list[str]:
    """Delete up to `limit` reports completed before `cutoff`, of the account `only` or of
    every account but those `excluding`; returns their IDs."""
    query = select(jobs.c.job_id).where(jobs.c.completed_at < cutoff)
    if only is not None:
        query = query.where(jobs.c.cust_nr == only)
    if excluding:
        query = query.where(jobs.c.cust_nr.not_in(list(excluding)))
    ids = [
        row.job_id for row in await conn.execute(query.order_by(jobs.c.completed_at).limit(limit))
    ]
    if ids:
        await conn.execute(delete(jobs).where(jobs.c.job_id.in_(ids)))
    return ids
