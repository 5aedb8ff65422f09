"""The lease queue: recipient rows are the queue, one verb per statement.

A worker `claim`s a due recipient by writing its lease; it then works outside any
transaction and `record`s the call in one guarded transaction (only the lease holder may
write, so a reclaimed lease can never be recorded twice). An expired lease is simply due
again: a crashed worker loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.numbers import dialled_number
from faxgate.domain.retry import FailureCounts
from faxgate.domain.statuses import FaxStatus
from faxgate.store.tables import attempts, jobs, recipients


@dataclass(frozen=True)
class Claim:
    job_id: str
    idx: int
    number: str
    properties: tuple[tuple[str, str], ...]
    numbers: tuple[str, ...]
    number_index: int
    attempts: int  # calls made before this one
    failures: FailureCounts
    valid_end: float

    @property
    def destination(self) -> str:
        return self.numbers[self.number_index]


@dataclass(frozen=True)
class CallRecord:
    """One call as it goes into the attempts table."""

    number: str
    carrier: str
    started_at: float
    ended_at: float
    status: FaxStatus
    reason: str
    pages_sent: int
    line_seconds: float
    remote_csid: str
    details: str  # JSON


@dataclass(frozen=True)
class NextStep:
    """What the recipient row becomes after the call: final, or due again later."""

    final: bool
    status: FaxStatus
    reason: str
    number_index: int
    next_attempt_at: float
    failures: FailureCounts
    pages: int
    sent_ts: float | None
    duration_secs: int
    sent_to_number: str | None
    remote_csid: str | None


_CLAIM_TRIES = 8  # candidates one claim looks at before it reports nothing due
_LINE_LOCKS = 727276  # advisory-lock class of the per-destination guard (PostgreSQL)


async def claim(
    conn: AsyncConnection, worker: str, now: float, lease_secs: float, per_destination: int
) -> Claim | None:
    """Lease the most urgent due recipient whose line has a free channel (express first).

    On PostgreSQL claimers run side by side, with no lock they all queue on: the candidate
    row is locked with FOR UPDATE SKIP LOCKED (two claimers never take one row), then its
    destination with an advisory lock that is tried, not waited for (a busy line is skipped
    for the next candidate). Only the holder of that lock leases on the line, and the
    lease's UPDATE counts the line's live leases again: as a new statement under READ
    COMMITTED (the writer's level) it sees every lease committed before the lock was free,
    so the limit stays exact however many claimers run. SQLite's writers are serial, so
    there the counts alone are exact.
    """
    row_locks = conn.dialect.name == "postgresql"
    busy: set[str] = set()
    for _ in range(_CLAIM_TRIES):
        candidate = _candidate(now, per_destination, busy, row_locks)
        picked = (await conn.execute(candidate)).first()
        if picked is None:
            return None
        if not row_locks or await _try_line_lock(conn, picked.destination):
            leased = await _lease(
                conn, picked.job_id, picked.idx, worker, now, lease_secs, per_destination
            )
            if leased is not None:
                return leased
        busy.add(picked.destination)
    return None


def _candidate(
    now: float, per_destination: int, busy: set[str], row_locks: bool
) -> Select[tuple[str, int, str]]:
    """The most urgent due recipient on a line with a free channel, skipping `busy` lines."""
    query = (
        select(recipients.c.job_id, recipients.c.idx, recipients.c.destination)
        .where(_due(now), _live_leases(now) < per_destination)
        .order_by(
            recipients.c.express.desc(),
            recipients.c.next_attempt_at,
            recipients.c.job_id,
            recipients.c.idx,
        )
        .limit(1)
    )
    if busy:
        query = query.where(recipients.c.destination.not_in(sorted(busy)))
    if row_locks:
        query = query.with_for_update(skip_locked=True, of=recipients)
    return query


async def _try_line_lock(conn: AsyncConnection, destination: str) -> bool:
    """The destination's advisory lock until commit, if no other claimer holds it now."""
    got = await conn.scalar(
        text("SELECT pg_try_advisory_xact_lock(:lines, :key)"),
        {"lines": _LINE_LOCKS, "key": _line_key(destination)},
    )
    return bool(got)


def _line_key(destination: str) -> int:
    """A 32-bit key: two lines that share one only make a claimer skip a line briefly."""
    digest = hashlib.blake2b(destination.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def _due(now: float) -> ColumnElement[bool]:
    return and_(
        recipients.c.status == "PENDING",
        recipients.c.next_attempt_at <= now,
        or_(recipients.c.lease_owner.is_(None), recipients.c.lease_until <= now),
    )


def _live_leases(now: float) -> ScalarSelect[int]:
    """Unexpired leases on the line of the recipient row in the enclosing statement."""
    other = recipients.alias("other")
    return (
        select(func.count())
        .where(
            other.c.destination == recipients.c.destination,
            other.c.lease_owner.is_not(None),
            other.c.lease_until > now,
        )
        .scalar_subquery()
    )


async def _lease(
    conn: AsyncConnection,
    job_id: str,
    idx: int,
    worker: str,
    now: float,
    lease_secs: float,
    per_destination: int,
) -> Claim | None:
    """Write the lease if the row is still due and its line still has a free channel."""
    row = (
        await conn.execute(
            update(recipients)
            .where(
                recipients.c.job_id == job_id,
                recipients.c.idx == idx,
                _due(now),
                _live_leases(now) < per_destination,
            )
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
    ).first()
    if row is None:
        return None
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
