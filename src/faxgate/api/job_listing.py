"""GET /faxgate/v1/jobs: the signed-in login's jobs, pending ones included, newest first.

Each job is its Fax4A report with `createdAt` and `completedAt` (ISO 8601, UTC, as in the job
detail); `next` is the cursor of the following page, or null on the last one.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from faxgate.api.auth import authenticate_login
from faxgate.api.context import context
from faxgate.domain.job_filter import FilterError, parse_listing
from faxgate.domain.report import JobReport, report_body
from faxgate.service.errors import InvalidRequest
from faxgate.service.job_listing import list_jobs
from faxgate.service.reports import Scope


def job_json(report: JobReport) -> dict[str, Any]:
    return {
        **report_body(report),
        "createdAt": report.created_at.isoformat(),
        "completedAt": report.completed_at.isoformat() if report.completed_at else None,
    }


async def jobs(request: Request) -> JSONResponse:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    try:
        asked = parse_listing(request.query_params)
    except FilterError as exc:
        raise InvalidRequest(exc.field, exc.fault) from None
    page = await list_jobs(
        ctx.db, Scope(who.login), asked.filters, cursor=asked.cursor, limit=asked.limit
    )
    return JSONResponse(
        {
            "jobs": [job_json(report) for report in page.jobs],
            "next": page.next_cursor.encode() if page.next_cursor else None,
        }
    )
