"""The notification outbox: enqueue with the job's completion (or a received fax's arrival),
claim with a lease, record every attempt, replay what failed. One statement per verb, as in
queue.py. A received fax's rows have its fax ID in `job_id` and the channel `faxin`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.notification import (
    FaxInSnapshot,
    FaxInTarget,
    JobSnapshot,
    JobTarget,
    PushTarget,
    Target,
)
from faxgate.domain.redact import without_password
from faxgate.store.outbox_json import (
    faxin_snapshot_from_json,
    snapshot_from_json,
    snapshot_to_json,
    target_from_json,
    target_to_json,
)
from faxgate.store.tables import deliveries, delivery_attempts


@dataclass(frozen=True)
class OutboxRow:
    """What recording an attempt needs of a claimed row."""

    id: int
    job_id: str
    channel: str  # push | mail | faxin
    delivery_id: str
    attempts: int
    created_at: float


@dataclass(frozen=True)
class Delivery(OutboxRow):
    target: JobTarget
    snapshot: JobSnapshot


@dataclass(frozen=True)
class FaxInDelivery(OutboxRow):
    """The inbound push of a received fax (`job_id` is the fax ID)."""

    target: FaxInTarget
    snapshot: FaxInSnapshot


@dataclass(frozen=True)
class UnreadableDelivery(OutboxRow):
    """A row no version of this code could have written: failed for good, not retried."""

    error: str


async def enqueue(
    conn: AsyncConnection,
    job_id: str,
    login: str,
    snapshot: JobSnapshot | FaxInSnapshot,
    targets: Sequence[Target],
    now: float,
) -> None:
    """Queue one delivery per target; `job_id` and `login` are a fax ID and its customer
    number for a received fax."""
    if not targets:
        return
    text = snapshot_to_json(snapshot)
    await conn.execute(
        insert(deliveries),
        [
            {
                "job_id": job_id,
                "login": login,
                "channel": target.channel.value,
                "target": target_to_json(target),
                "snapshot": text,
                "delivery_id": str(uuid.uuid4()),
                "created_at": now,
                "next_attempt_at": now,
            }
            for target in targets
        ],
    )


async def claim(
    conn: AsyncConnection, worker: str, now: float, lease_secs: float
) -> Delivery | FaxInDelivery | UnreadableDelivery | None:
    due = (
        select(deliveries.c.id)
        .where(
            deliveries.c.state == "pending",
            deliveries.c.next_attempt_at <= now,
            or_(deliveries.c.lease_owner.is_(None), deliveries.c.lease_until <= now),
        )
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    picked = await conn.scalar(due)
    if picked is None:
        return None
    row = (
        await conn.execute(
            update(deliveries)
            .where(deliveries.c.id == picked)
            .values(lease_owner=worker, lease_until=now + lease_secs)
            .returning(deliveries)
        )
    ).one()
    return _delivery(row)


def _delivery(row: Row[Any]) -> Delivery | FaxInDelivery | UnreadableDelivery:
    head = (row.id, row.job_id, row.channel, row.delivery_id, row.attempts, row.created_at)
    try:
        target = target_from_json(row.channel, row.target)
        if isinstance(target, FaxInTarget):
            return FaxInDelivery(
                *head, target=target, snapshot=faxin_snapshot_from_json(row.snapshot)
            )
        return Delivery(*head, target=target, snapshot=snapshot_from_json(row.snapshot))
    except _UNREADABLE as exc:
        error = f"unreadable outbox row: {type(exc).__name__}: {exc}"
        return UnreadableDelivery(*head, error=error)


# what parsing a stored document that no version of this code wrote can raise
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


async def record(
    conn: AsyncConnection,
    delivery: OutboxRow,
    worker: str,
    now: float,
    delivered: bool,
    status_code: int | None,
    error: str | None,
    next_attempt_at: float | None,
) -> None:
    """Keep the attempt; the delivery is delivered, due again, or failed for good."""
    state = "delivered" if delivered else ("pending" if next_attempt_at is not None else "failed")
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery.id, deliveries.c.lease_owner == worker)
        .values(
            state=state,
            attempts=delivery.attempts + 1,
            next_attempt_at=next_attempt_at if next_attempt_at is not None else now,
            last_error=error,
            lease_owner=None,
            lease_until=None,
        )
        .returning(deliveries.c.id)
    )
    if result.first() is None:
        return  # the lease was lost: the new holder records its own attempt
    await conn.execute(
        insert(delivery_attempts).values(
            delivery=delivery.id, at=now, status_code=status_code, error=error, delivered=delivered
        )
    )


@dataclass(frozen=True)
class DeliveryAttemptRow:
    at: float
    status_code: int | None
    error: str | None
    delivered: bool


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery as the job detail (or a received fax's detail) shows it."""

    channel: str
    delivery_id: str
    target: str  # the push URL without a password, or the mail's success address
    state: str  # pending | delivered | failed
    attempts: tuple[DeliveryAttemptRow, ...]


async def for_job(conn: AsyncConnection, job_id: str) -> list[DeliveryRow]:
    """Every delivery of a job (or received fax) with its attempts, for the detail endpoints."""
    rows = (
        await conn.execute(
            select(deliveries).where(deliveries.c.job_id == job_id).order_by(deliveries.c.id)
        )
    ).all()
    attempts: dict[int, list[DeliveryAttemptRow]] = {row.id: [] for row in rows}
    if rows:
        for a in await conn.execute(
            select(delivery_attempts)
            .where(delivery_attempts.c.delivery.in_(list(attempts)))
            .order_by(delivery_attempts.c.id)
        ):
            attempts[a.delivery].append(
                DeliveryAttemptRow(a.at, a.status_code, a.error, bool(a.delivered))
            )
    return [
        DeliveryRow(
            channel=row.channel,
            delivery_id=row.delivery_id,
            target=_shown(row.channel, row.target),
            state=row.state,
            attempts=tuple(attempts[row.id]),
        )
        for row in rows
    ]


def _shown(channel: str, text: str) -> str:
    """The target as the job detail names it: the push URL without a password, or the
    success address of a mail (empty when it has none, or the row cannot be read)."""
    try:
        target = target_from_json(channel, text)
    except _UNREADABLE:
        return ""
    if isinstance(target, FaxInTarget):
        target = target.push
    if isinstance(target, PushTarget):
        return without_password(target.url)
    return target.mail.success_address or ""


async def replay(conn: AsyncConnection, job_id: str, now: float) -> int:
    """Make the failed deliveries of a job (or received fax) due again, with a fresh retry
    period."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.job_id == job_id, deliveries.c.state == "failed")
        .values(state="pending", next_attempt_at=now, created_at=now, attempts=0)
        .returning(deliveries.c.id)
    )
    return len(result.all())
