"""The notification outbox: enqueue with the job's completion, claim with a lease, record
every attempt, replay what failed. One statement per verb, as in queue.py."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.redact import without_password
from faxgate.store.tables import deliveries, delivery_attempts


@dataclass(frozen=True)
class Delivery:
    id: int
    job_id: str
    channel: str  # push | mail
    target: dict[str, Any]
    snapshot: dict[str, Any]
    delivery_id: str
    attempts: int
    created_at: float


async def enqueue(
    conn: AsyncConnection,
    job_id: str,
    login: str,
    snapshot: dict[str, Any],
    targets: list[tuple[str, dict[str, Any]]],
    now: float,
) -> None:
    if not targets:
        return
    text = json.dumps(snapshot)
    await conn.execute(
        insert(deliveries),
        [
            {
                "job_id": job_id,
                "login": login,
                "channel": channel,
                "target": json.dumps(target),
                "snapshot": text,
                "delivery_id": str(uuid.uuid4()),
                "created_at": now,
                "next_attempt_at": now,
            }
            for channel, target in targets
        ],
    )


async def claim(
    conn: AsyncConnection, worker: str, now: float, lease_secs: float
) -> Delivery | None:
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
    return Delivery(
        id=row.id,
        job_id=row.job_id,
        channel=row.channel,
        target=json.loads(row.target),
        snapshot=json.loads(row.snapshot),
        delivery_id=row.delivery_id,
        attempts=row.attempts,
        created_at=row.created_at,
    )


async def record(
    conn: AsyncConnection,
    delivery: Delivery,
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


async def for_job(conn: AsyncConnection, job_id: str) -> list[dict[str, Any]]:
    """Every delivery of a job with its attempts, for the job detail endpoint."""
    rows = (
        await conn.execute(
            select(deliveries).where(deliveries.c.job_id == job_id).order_by(deliveries.c.id)
        )
    ).all()
    attempts: dict[int, list[dict[str, Any]]] = {row.id: [] for row in rows}
    if rows:
        for a in await conn.execute(
            select(delivery_attempts)
            .where(delivery_attempts.c.delivery.in_(list(attempts)))
            .order_by(delivery_attempts.c.id)
        ):
            attempts[a.delivery].append(
                {
                    "at": a.at,
                    "statusCode": a.status_code,
                    "error": a.error,
                    "delivered": a.delivered,
                }
            )
    result = []
    for row in rows:
        target = json.loads(row.target)
        result.append(
            {
                "channel": row.channel,
                "deliveryId": row.delivery_id,
                "target": without_password(target.get("url") or "")
                or target.get("successAddress")
                or "",
                "state": row.state,
                "attempts": attempts[row.id],
            }
        )
    return result


async def replay(conn: AsyncConnection, job_id: str, now: float) -> int:
    """Make the failed deliveries of a job due again, with a fresh retry period."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.job_id == job_id, deliveries.c.state == "failed")
        .values(state="pending", next_attempt_at=now, created_at=now, attempts=0)
        .returning(deliveries.c.id)
    )
    return len(result.all())
