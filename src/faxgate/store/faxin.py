"""Received faxes (Fax-In): stored not ready, made ready once their files are in, fetched
under a lock, acknowledged, purged. One statement per verb, as in queue.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.faxin import FaxSource, InboundFax, ReceivedFax
from faxgate.domain.statuses import FaxStatus
from faxgate.store.tables import faxin_faxes, faxin_topics


async def insert(conn: AsyncConnection, fax: InboundFax) -> None:
    """Keep the fax, not yet visible to polls (its files are stored next)."""
    received = fax.fax
    await conn.execute(
        faxin_faxes.insert().values(
            fax_id=fax.fax_id,
            cust_nr=fax.cust_nr,
            topic=fax.topic,
            called_number=received.called_number,
            calling_number=received.calling_number[:64],
            remote_csid=received.remote_csid[:64],
            local_csid=received.local_csid[:64],
            pages=received.pages,
            fine=received.fine,
            bit_rate=received.bit_rate,
            duration_secs=received.duration_secs,
            status=received.status.value,
            reason=received.reason,
            source=received.source.value,
            received_at=received.received_at,
            ready=False,
            locked_until=0.0,
        )
    )


async def mark_ready(conn: AsyncConnection, fax_id: str) -> bool:
    """The fax's files are in: polls may see it. False when the fax is gone (purged)."""
    result = await conn.execute(
        update(faxin_faxes)
        .where(faxin_faxes.c.fax_id == fax_id)
        .values(ready=True)
        .returning(faxin_faxes.c.fax_id)
    )
    return result.first() is not None


async def get(conn: AsyncConnection, fax_id: str) -> InboundFax | None:
    row = (await conn.execute(select(faxin_faxes).where(faxin_faxes.c.fax_id == fax_id))).first()
    return None if row is None or not row.ready else _fax(row)


async def fetch(
    conn: AsyncConnection,
    cust_nr: str,
    topic: str,
    count: int,
    lock_secs: float,
    now: float,
    received_after: float = 0.0,
) -> list[InboundFax]:
    """Up to `count` visible faxes of the topic received after `received_after` (older ones
    have expired), oldest first, hidden for `lock_secs` from now. Concurrent fetches never
    return the same fax while it is locked: PostgreSQL skips the rows another fetch holds;
    SQLite's write transactions are serial."""
    if count <= 0:
        return []
    visible = (
        select(faxin_faxes.c.fax_id)
        .where(
            faxin_faxes.c.cust_nr == cust_nr,
            faxin_faxes.c.topic == topic,
            faxin_faxes.c.ready.is_(True),
            faxin_faxes.c.acknowledged_at.is_(None),
            faxin_faxes.c.locked_until <= now,
            faxin_faxes.c.received_at >= received_after,
        )
        .order_by(faxin_faxes.c.received_at, faxin_faxes.c.fax_id)
        .limit(count)
    )
    if conn.dialect.name == "postgresql":
        visible = visible.with_for_update(skip_locked=True)
    ids = list((await conn.execute(visible)).scalars())
    if not ids:
        return []
    rows = (
        await conn.execute(
            update(faxin_faxes)
            .where(faxin_faxes.c.fax_id.in_(ids))
            .values(locked_until=now + lock_secs)
            .returning(faxin_faxes)
        )
    ).all()
    return sorted((_fax(row) for row in rows), key=lambda f: (f.fax.received_at, f.fax_id))


async def acknowledge(
    conn: AsyncConnection, cust_nr: str, topic: str, fax_ids: Sequence[str], now: float
) -> int:
    """Acknowledge the topic's faxes among `fax_ids` (others are ignored); how many were."""
    if not fax_ids:
        return 0
    result = await conn.execute(
        update(faxin_faxes)
        .where(
            faxin_faxes.c.fax_id.in_(list(fax_ids)),
            faxin_faxes.c.cust_nr == cust_nr,
            faxin_faxes.c.topic == topic,
            faxin_faxes.c.acknowledged_at.is_(None),
        )
        .values(acknowledged_at=now)
        .returning(faxin_faxes.c.fax_id)
    )
    return len(result.all())


async def purge_received_before(
    conn: AsyncConnection, cutoff: float, unready_cutoff: float, limit: int
) -> list[str]:
    """Delete up to `limit` faxes received before `cutoff` (acknowledged or not), and those
    whose files never arrived (a crash mid-way) received before `unready_cutoff`."""
    ids = list(
        (
            await conn.execute(
                select(faxin_faxes.c.fax_id)
                .where(
                    or_(
                        faxin_faxes.c.received_at < cutoff,
                        (faxin_faxes.c.ready.is_(False))
                        & (faxin_faxes.c.received_at < unready_cutoff),
                    )
                )
                .order_by(faxin_faxes.c.received_at)
                .limit(limit)
            )
        ).scalars()
    )
    if ids:
        await conn.execute(delete(faxin_faxes).where(faxin_faxes.c.fax_id.in_(ids)))
    return ids


async def topic_password_hash(conn: AsyncConnection, cust_nr: str, topic: str) -> str | None:
    hashed: str | None = await conn.scalar(
        select(faxin_topics.c.password_hash).where(
            faxin_topics.c.cust_nr == cust_nr, faxin_topics.c.name == topic
        )
    )
    return hashed


def _fax(row: Row[Any]) -> InboundFax:
    return InboundFax(
        fax_id=row.fax_id,
        cust_nr=row.cust_nr,
        topic=row.topic,
        fax=ReceivedFax(
            called_number=row.called_number,
            calling_number=row.calling_number,
            remote_csid=row.remote_csid,
            local_csid=row.local_csid,
            pages=row.pages,
            fine=bool(row.fine),
            bit_rate=row.bit_rate,
            duration_secs=row.duration_secs,
            status=FaxStatus(row.status),
            reason=row.reason,
            received_at=row.received_at,
            source=FaxSource(row.source),
        ),
        locked_until=row.locked_until,
        acknowledged_at=row.acknowledged_at,
    )
