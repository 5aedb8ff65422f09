"""Reading the calls made for a job (store/queue.py writes them, one row per call)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.store.tables import attempts


@dataclass(frozen=True)
class CallRow:
    recipient: int  # the recipient's index in the job
    attempt: int  # 1 for the first call to that recipient
    number: str  # the number dialled
    carrier: str
    started_at: float
    ended_at: float
    status: str
    reason: str
    pages_sent: int
    line_seconds: float
    remote_csid: str
    details: dict[str, object]  # T.30 statistics, as the carrier reported them


async def for_job(conn: AsyncConnection, job_id: str) -> list[CallRow]:
    """Every call of the job, by recipient, in the order they were made."""
    rows = await conn.execute(
        select(attempts)
        .where(attempts.c.job_id == job_id)
        .order_by(attempts.c.recipient_idx, attempts.c.attempt_no)
    )
    return [
        CallRow(
            recipient=r.recipient_idx,
            attempt=r.attempt_no,
            number=r.number,
            carrier=r.carrier,
            started_at=r.started_at,
            ended_at=r.ended_at,
            status=r.status,
            reason=r.reason,
            pages_sent=r.pages_sent,
            line_seconds=r.line_seconds,
            remote_csid=r.remote_csid,
            details=json.loads(r.details),
        )
        for r in rows
    ]
