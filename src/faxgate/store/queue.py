"""The lease queue: recipient rows are the queue, one verb per statement.

A worker `claim`s a due recipient by writing its lease; it then works outside any
transaction and `record`s the call in one guarded transaction (only the lease holder may
write, so a reclaimed lease can never be recorded twice). An expired lease is simply due
again: a crashed worker loses nothing.
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.attempt import CallRecord, NextStep
from faxgate.domain.attempt import Claim as Claim  # noqa: PLC0414 - re-export, see below
from faxgate.domain.retry import FailureCounts
from faxgate.store.tables import attempts, jobs, recipients

# pipeline/render_step.py still imports Claim from here; once it takes it from
# faxgate.domain.attempt, the re-export above goes.


async def claim(
    conn: AsyncConnection, worker: str, now: float, lease_secs: float, per_destination: int
) -> Claim | None:
    """Lease the most urgent due recipient whose line has a free channel (express first)."""
    if conn.dialect.name == "postgresql":
        # One claimer at a time, so the per-destination count below is exact; claims are short.
        await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727275)")
    other = recipients.alias("other")
    line_in_use = (
        select(func.count())
        .where(
            other.c.destination == recipients.c.destination,
            other.c.lease_owner.is_not(None),
            other.c.lease_until > now,
        )
        .scalar_subquery()
    )
    candidate = (
        select(recipients.c.job_id, recipients.c.idx)
        .where(
            recipients.c.status == "PENDING",
            recipients.c.next_attempt_at <= now,
            or_(recipients.c.lease_owner.is_(None), recipients.c.lease_until <= now),
            line_in_use < per_destination,
        )
        .order_by(
            recipients.c.express.desc(),
            recipients.c.next_attempt_at,
            recipients.c.job_id,
            recipients.c.idx,
        )
        .limit(1)
    )
    picked = (await conn.execute(candidate)).first()
    if picked is None:
        return None
    row = (
        await conn.execute(
            update(recipients)
            .where(recipients.c.job_id == picked.job_id, recipients.c.idx == picked.idx)
            .values(lease_owner=worker, lease_until=now + lease_secs)
            .returning(
                recipients.c.job_id,
                recipients.c.idx,
                recipients.c.number,
                recipients.c.properties,
                recipients.c.numbers,
                recipients.c.number_index,
                recipients.c.attempts,
                recipients.c.no_connect_failures,
                recipients.c.mid_fax_failures,
                recipients.c.valid_end,
            )
        )
    ).one()
    return Claim(
        job_id=row.job_id,
        idx=row.idx,
        number=row.number,
        properties=tuple((k, v) for k, v in json.loads(row.properties)),
        numbers=tuple(json.loads(row.numbers)),
        number_index=row.number_index,
        attempts=row.attempts,
        failures=FailureCounts(row.no_connect_failures, row.mid_fax_failures),
        valid_end=row.valid_end,
    )


async def renew(conn: AsyncConnection, claim: Claim, worker: str, until: float) -> bool:
    """Extend a lease while a long call runs; False when the lease was lost."""
    result = await conn.execute(
        update(recipients)
        .where(_held_by(claim, worker))
        .values(lease_until=until)
        .returning(recipients.c.idx)
    )
    return result.first() is not None


def _held_by(claim: Claim, worker: str) -> ColumnElement[bool]:
    return and_(
        recipients.c.job_id == claim.job_id,
        recipients.c.idx == claim.idx,
        recipients.c.lease_owner == worker,
        recipients.c.status == "PENDING",
    )


async def record(
    conn: AsyncConnection,
    claim: Claim,
    worker: str,
    call: CallRecord | None,
    step: NextStep,
    now: float,
) -> bool:
    """Write the call and the recipient's next state, if the lease is still ours.

    Returns False (and writes nothing) when the lease was lost or the job was deleted.
    """
    result = await conn.execute(
        update(recipients)
        .where(_held_by(claim, worker))
        .values(
            status=step.status.value,
            reason=step.reason,
            number_index=step.number_index,
            next_attempt_at=step.next_attempt_at,
            attempts=claim.attempts + (1 if call else 0),
            no_connect_failures=step.failures.no_connect,
            mid_fax_failures=step.failures.mid_fax,
            destination=claim.numbers[step.number_index],
            pages=step.pages,
            sent_ts=step.sent_ts,
            duration_secs=step.duration_secs,
            sent_to_number=step.sent_to_number,
            remote_csid=step.remote_csid,
            lease_owner=None,
            lease_until=None,
        )
        .returning(recipients.c.idx)
    )
    if result.first() is None:
        return False
    if call is not None:
        await conn.execute(
            insert(attempts).values(
                job_id=claim.job_id,
                recipient_idx=claim.idx,
                attempt_no=claim.attempts + 1,
                number=call.number,
                carrier=call.carrier,
                started_at=call.started_at,
                ended_at=call.ended_at,
                status=call.status.value,
                reason=call.reason,
                pages_sent=call.pages_sent,
                line_seconds=call.line_seconds,
                remote_csid=call.remote_csid,
                details=call.details,
            )
        )
    return True


async def release(conn: AsyncConnection, claim: Claim, worker: str) -> None:
    """Give a lease back untouched (shutdown): the recipient is due again at once."""
    await conn.execute(
        update(recipients).where(_held_by(claim, worker)).values(lease_owner=None, lease_until=None)
    )


async def complete_job_if_final(conn: AsyncConnection, job_id: str, now: float) -> bool:
    """Mark the job complete when no recipient is pending; True if this call completed it."""
    pending = select(recipients.c.idx).where(
        recipients.c.job_id == job_id, recipients.c.status == "PENDING"
    )
    pages = (
        select(func.coalesce(func.max(recipients.c.pages), 0))
        .where(recipients.c.job_id == job_id)
        .scalar_subquery()
    )
    result = await conn.execute(
        update(jobs)
        .where(jobs.c.job_id == job_id, jobs.c.completed_at.is_(None), ~pending.exists())
        .values(completed_at=now, pages=pages)
        .returning(jobs.c.job_id)
    )
    return result.first() is not None


async def job_exists(conn: AsyncConnection, job_id: str) -> bool:
    """False once the job's report was deleted (by its owner or the retention purge)."""
    found = await conn.execute(select(jobs.c.job_id).where(jobs.c.job_id == job_id))
    return found.first() is not None
