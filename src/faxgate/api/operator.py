"""faxgate's own endpoints beyond Fax4A, under /faxgate/v1: health, metrics, number plan, job
detail."""

from __future__ import annotations

import json

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import select, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate_login
from faxgate.api.context import context
from faxgate.api.inspect import inspect_routes
from faxgate.api.metrics import render
from faxgate.api.wire_out import report_json
from faxgate.domain.number_plan import PLAN
from faxgate.service import reports
from faxgate.store import outbox
from faxgate.store.tables import attempts


async def health(request: Request) -> JSONResponse:
    ctx = context(request)
    try:
        async with ctx.db.reader.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any database fault means: take this instance out of rotation
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    disk = await ctx.disk.state(fresh=True)  # one statvfs: cheap enough for every probe
    if disk.trouble:  # a full disk refuses new jobs: out of rotation until space returns
        return JSONResponse(
            {
                "status": "unavailable",
                "error": "disk",
                "reason": disk.trouble,
                "freeBytes": disk.free_bytes,
            },
            503,
        )
    return JSONResponse(
        {
            "status": "ok",
            "dc": ctx.settings.dc,
            "carrier": ctx.carrier_name,
            "database": ctx.db.reader.dialect.name,
        }
    )


async def metrics(request: Request) -> Response:
    """Counts only, no customer data: open like /health (restrict it at the proxy if needed).
    A database fault propagates to the 503 handler, so a scrape never reports stale zeros."""
    return Response(await render(context(request).db), media_type=CONTENT_TYPE_LATEST)


async def number_plan(request: Request) -> JSONResponse:
    return JSONResponse(
        [
            {
                "number": entry.number,
                "status": entry.status.value,
                "description": entry.description,
                "behaviour": entry.line.value,
                "remoteCsid": entry.remote_csid,
            }
            for entry in PLAN
        ]
    )


async def job_detail(request: Request) -> JSONResponse:
    """The report plus every call made for it (beyond Retarus: the attempt history)."""
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    job_id = request.path_params["jobId"]
    report = await reports.get_report(ctx.db, reports.Scope(who.login), job_id)
    async with ctx.db.reader.connect() as conn:
        rows = await conn.execute(
            select(attempts)
            .where(attempts.c.job_id == job_id)
            .order_by(attempts.c.recipient_idx, attempts.c.attempt_no)
        )
        calls = [
            {
                "recipient": r.recipient_idx,
                "attempt": r.attempt_no,
                "number": r.number,
                "carrier": r.carrier,
                "startedAt": r.started_at,
                "endedAt": r.ended_at,
                "status": r.status,
                "reason": r.reason,
                "pagesSent": r.pages_sent,
                "lineSeconds": r.line_seconds,
                "remoteCsid": r.remote_csid,
                "details": json.loads(r.details),
            }
            for r in rows
        ]
        notifications = await outbox.for_job(conn, job_id)
    return JSONResponse(
        {
            **report_json(report),
            "createdAt": report.created_at.isoformat(),
            "completedAt": report.completed_at.isoformat() if report.completed_at else None,
            "attempts": calls,
            "notifications": notifications,
        }
    )


def operator_routes() -> list[BaseRoute]:
    return [
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/number-plan", number_plan, methods=["GET"]),
        Route("/jobs/{jobId}", job_detail, methods=["GET"]),
        *inspect_routes(),
    ]
