"""The lease queue: recipient rows are the queue, one verb per statement.

A worker `claim`s a due recipient by writing its lease; it then works outside any
transaction and `record`s the call in one guarded transaction (only the lease holder may
write, so a reclaimed lease can never be recorded twice). An expired lease is simply due
again: a crashed worker loses nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.attempt import CallRecord, Claim, NextStep
from faxgate.domain.numbers import dialled_number
from faxgate.domain.retry import FailureCounts
from faxgate.store.tables import attempts, jobs, recipients

_CLAIM_TRIES = 4  # candidates one claim looks at before it reports nothing due
# Advisory-lock class of the per-destination guard (PostgreSQL); the line's key within it is
# hashtext(destination): two lines that share a key only make a claimer skip one briefly.
_LINE_LOCKS = 727276


# The claim's statements are built once (bound values only), so a claim costs the client
# little more than its round trips.
_other = recipients.alias("other")
_live_leases = (
    select(func.count())
    .where(
        _other.c.destination == recipients.c.destination,  # the line of the row at hand
        _other.c.lease_owner.is_not(None),
        _other.c.lease_until > bindparam("now"),
    )
    .scalar_subquery()
)
_due = and_(
    recipients.c.status == "PENDING",
    recipients.c.next_attempt_at <= bindparam("now"),
    or_(recipients.c.lease_owner.is_(None), recipients.c.lease_until <= bindparam("now")),
)
_line_free = _live_leases < bindparam("per_destination")
_most_urgent = (
    select(recipients.c.job_id, recipients.c.idx, recipients.c.destination)
    .where(_due, _line_free, recipients.c.destination.not_in(bindparam("busy", expanding=True)))
    .order_by(
        recipients.c.express.desc(),
        recipients.c.next_attempt_at,
        recipients.c.job_id,
        recipients.c.idx,
    )
    .limit(1)
)
_CANDIDATE = _most_urgent.add_columns(true().label("line_locked"))
# The line lock is tried outside the row's scan, so only for the one row returned.
_locked_row = _most_urgent.with_for_update(skip_locked=True, of=recipients).cte("candidate")
_CANDIDATE_ROW_LOCKS = select(
    _locked_row.c.job_id,
    _locked_row.c.idx,
    _locked_row.c.destination,
    func.pg_try_advisory_xact_lock(_LINE_LOCKS, func.hashtext(_locked_row.c.destination)).label(
        "line_locked"
    ),
)
_LEASE = (
    update(recipients)
    .where(
        recipients.c.job_id == bindparam("picked_job"),
        recipients.c.idx == bindparam("picked_idx"),
        _due,
        _line_free,
    )
    .values(lease_owner=bindparam("worker"), lease_until=bindparam("until"))
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


async def claim(
    conn: AsyncConnection, worker: str, now: float, lease_secs: float, per_destination: int
) -> Claim | None:
    """Lease the most urgent due recipient whose line has a free channel (express first).

    On PostgreSQL claimers run side by side, with no lock they all queue on: the candidate
    row is locked with FOR UPDATE SKIP LOCKED (two claimers never take one row), and in the
    same statement its destination with an advisory lock that is tried, not waited for (a
    busy line is skipped for the next candidate). Only the holder of that lock leases on the
    line, and the lease's UPDATE counts the line's live leases again: as a later statement
    under READ COMMITTED (the writer's level) it sees every lease committed before the lock
    was free, so the limit stays exact however many claimers run. SQLite's writers are
    serial, so there the counts alone are exact.
    """
    candidate = _CANDIDATE_ROW_LOCKS if conn.dialect.name == "postgresql" else _CANDIDATE
    busy: list[str] = []
    for _ in range(_CLAIM_TRIES):
        found = await conn.execute(
            candidate, {"now": now, "per_destination": per_destination, "busy": busy}
        )
        picked = found.first()
        if picked is None:
            return None
        if picked.line_locked:
            leased = await conn.execute(
                _LEASE,
                {
                    "picked_job": picked.job_id,
                    "picked_idx": picked.idx,
                    "now": now,
                    "per_destination": per_destination,
                    "worker": worker,
                    "until": now + lease_secs,
                },
            )
            row = leased.first()
            if row is not None:
                return _claim_from(row)
        busy.append(picked.destination)
    return None


def _claim_from(row: Row[Any]) -> Claim:
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
            destination=dialled_number(claim.numbers, step.number_index),
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
