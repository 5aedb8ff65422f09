"""One job in detail, for the operator endpoint: its report, every call, every notification."""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.domain.report import JobReport
from faxgate.service.reports import Scope, get_report
from faxgate.store import attempts, outbox
from faxgate.store.attempts import CallRow
from faxgate.store.db import Database
from faxgate.store.outbox import DeliveryRow


@dataclass(frozen=True)
class JobDetail:
    report: JobReport
    calls: tuple[CallRow, ...]
    notifications: tuple[DeliveryRow, ...]


async def job_detail(db: Database, scope: Scope, job_id: str) -> JobDetail:
    """NotFound when the job is not the scope's login's."""
    report = await get_report(db, scope, job_id)
    async with db.reader.connect() as conn:
        calls = await attempts.for_job(conn, job_id)
        notifications = await outbox.for_job(conn, job_id)
    return JobDetail(report, tuple(calls), tuple(notifications))
