"""Listing a login's jobs, pending ones included, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.domain.job_filter import Cursor, JobFilter
from faxgate.domain.report import JobReport
from faxgate.service.reports import Scope
from faxgate.store import job_listing as store
from faxgate.store.db import Database
from faxgate.store.reports import load_reports


@dataclass(frozen=True, slots=True)
class JobPage:
    jobs: tuple[JobReport, ...]
    next_cursor: Cursor | None  # None: this was the last page


async def list_jobs(
    db: Database, scope: Scope, filters: JobFilter, *, cursor: Cursor | None, limit: int
) -> JobPage:
    async with db.snapshot.begin() as conn:
        found = await store.page_of_jobs(conn, scope.login, scope.dc, filters, cursor, limit + 1)
        page = found[:limit]
        reports = await load_reports(conn, scope.login, [c.job_id for c in page], scope.dc)
    return JobPage(tuple(reports), page[-1] if len(found) > limit else None)
