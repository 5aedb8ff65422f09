"""Aggregates for the metrics endpoint: the queue, the outbox and Fax-In as the database sees
them.

Computed at scrape time from the shared database, so every process reports the same figures.
Each function is one aggregate over the PENDING (or pending) rows only, the rows the partial
indexes `ix_recipients_due` and `ix_deliveries_due` cover: the cost follows the backlog, not
the history kept for retention. Fax-In's figures count every received fax kept, which its
retention (FAXGATE_FAXIN_RETENTION_DAYS, a week) bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.domain.statuses import FaxStatus
from faxgate.store.tables import deliveries, faxin_faxes, recipients

# The outbox channels (pipeline/notifications.py). Listed so an empty outbox still reports
# 0 for each: an alert on a missing series would stay silent.
CHANNELS = ("push", "mail")


@dataclass(frozen=True)
class QueueFigures:
    due: int  # may be dialled now and nobody holds it
    scheduled: int  # waits for a retry back-off or a future jobValid start
    in_progress: int  # a worker holds a live lease
    oldest_due_secs: float  # how long the oldest due recipient has waited; 0 when none


@dataclass(frozen=True)
class OutboxFigures:
    pending: int
    oldest_pending_secs: float  # since it was queued (or replayed); 0 when none


@dataclass(frozen=True)
class FaxInFigures:
    by_status: dict[str, int]  # received faxes kept, by status (OK always present)
    unacknowledged: int
    oldest_unacknowledged_secs: float  # since it was received; 0 when none


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def queue_figures(conn: AsyncConnection, now: float) -> QueueFigures:
    """The pending recipients split into disjoint states, as `queue.claim` would see them."""
    leased = and_(recipients.c.lease_owner.is_not(None), recipients.c.lease_until > now)
    # The same test as claim(): an expired lease is free again (its worker died).
    free = or_(recipients.c.lease_owner.is_(None), recipients.c.lease_until <= now)
    due = and_(free, recipients.c.next_attempt_at <= now)
    row = (
        await conn.execute(
            select(
                _count(due).label("due"),
                _count(and_(free, recipients.c.next_attempt_at > now)).label("scheduled"),
                _count(leased).label("in_progress"),
                func.min(case((due, recipients.c.next_attempt_at))).label("oldest_due"),
            ).where(recipients.c.status == "PENDING")
        )
    ).one()
    return QueueFigures(
        due=int(row.due),
        scheduled=int(row.scheduled),
        in_progress=int(row.in_progress),
        oldest_due_secs=_age(now, row.oldest_due),
    )


async def outbox_figures(conn: AsyncConnection, now: float) -> dict[str, OutboxFigures]:
    """Undelivered notifications per channel (pending = not yet delivered nor given up)."""
    rows = await conn.execute(
        select(deliveries.c.channel, func.count(), func.min(deliveries.c.created_at))
        .where(deliveries.c.state == "pending")
        .group_by(deliveries.c.channel)
    )
    figures = dict.fromkeys(CHANNELS, OutboxFigures(0, 0.0))
    for channel, pending, oldest in rows:
        figures[channel] = OutboxFigures(int(pending), _age(now, oldest))
    return figures


async def faxin_figures(conn: AsyncConnection, now: float) -> FaxInFigures:
    """The received faxes visible to polls (stored with their files), by status, and those
    not yet acknowledged."""
    unacknowledged = faxin_faxes.c.acknowledged_at.is_(None)
    rows = await conn.execute(
        select(
            faxin_faxes.c.status,
            func.count(),
            _count(unacknowledged),
            func.min(case((unacknowledged, faxin_faxes.c.received_at))),
        )
        .where(faxin_faxes.c.ready.is_(True))
        .group_by(faxin_faxes.c.status)
    )
    by_status = {FaxStatus.OK.value: 0}
    waiting = 0
    oldest: float | None = None
    for status, count, status_waiting, status_oldest in rows:
        by_status[status] = int(count)
        waiting += int(status_waiting)
        if status_oldest is not None and (oldest is None or status_oldest < oldest):
            oldest = status_oldest
    return FaxInFigures(by_status, waiting, _age(now, oldest))


def _age(now: float, since: float | None) -> float:
    # Clamped: another process's clock may run a little ahead of ours.
    return 0.0 if since is None else max(0.0, now - since)
