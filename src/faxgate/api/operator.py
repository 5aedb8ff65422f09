"""faxgate's own endpoints beyond Fax4A, under /faxgate/v1: health, metrics, number plan, the
job listing (api/job_listing.py), job detail, and Fax-In hand-in and detail (api/faxin_admin.py)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate_login
from faxgate.api.context import context
from faxgate.api.deliveries import delivery_json
from faxgate.api.faxin_admin import faxin_admin_routes
from faxgate.api.inspect import inspect_routes
from faxgate.api.job_listing import job_json
from faxgate.api.job_listing import jobs as list_jobs
from faxgate.api.metrics import render
from faxgate.domain.number_plan import PLAN
from faxgate.service import jobs, reports
from faxgate.service.health import check as check_health
from faxgate.store.attempts import CallRow


async def health(request: Request) -> JSONResponse:
    ctx = context(request)
    found = await check_health(ctx.db, ctx.disk)
    if found.database_fault is not None:
        return JSONResponse({"status": "unavailable", "error": found.database_fault}, 503)
    if found.disk is not None and found.disk.trouble:
        # a full disk refuses new jobs: out of rotation until space returns
        return JSONResponse(
            {
                "status": "unavailable",
                "error": "disk",
                "reason": found.disk.trouble,
                "freeBytes": found.disk.free_bytes,
            },
            503,
        )
    return JSONResponse(
        {
            "status": "ok",
            "dc": ctx.settings.dc,
            "carrier": ctx.carrier_name,
            "database": found.database,
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


def _call_json(call: CallRow) -> dict[str, Any]:
    return {
        "recipient": call.recipient,
        "attempt": call.attempt,
        "number": call.number,
        "carrier": call.carrier,
        "startedAt": call.started_at,
        "endedAt": call.ended_at,
        "status": call.status,
        "reason": call.reason,
        "pagesSent": call.pages_sent,
        "lineSeconds": call.line_seconds,
        "remoteCsid": call.remote_csid,
        "details": call.details,
    }


async def job_detail(request: Request) -> JSONResponse:
    """The report plus every call made for it (beyond Retarus: the attempt history)."""
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    detail = await jobs.job_detail(ctx.db, reports.Scope(who.login), request.path_params["jobId"])
    report = detail.report
    return JSONResponse(
        {
            **job_json(report),
            "attempts": [_call_json(call) for call in detail.calls],
            "notifications": [delivery_json(d) for d in detail.notifications],
        }
    )


def operator_routes() -> list[BaseRoute]:
    return [
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/number-plan", number_plan, methods=["GET"]),
        Route("/jobs", list_jobs, methods=["GET"]),
        Route("/jobs/{jobId}", job_detail, methods=["GET"]),
        *inspect_routes(),
        *faxin_admin_routes(),
    ]
