"""The six Fax4A endpoints under each /rest/v1 mount (spec §3). Handlers stay thin:
authenticate → parse → one service call → serialise."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate
from faxgate.api.bodies import (
    INLINE_BODY,
    check_elements,
    off_the_loop_if_large,
    read_body,
    require_json,
)
from faxgate.api.context import context
from faxgate.api.datacenters import data_center
from faxgate.api.wire_in import BulkAction, BulkRequest, FaxJobRequest, capped_job_request
from faxgate.api.wire_map import job_from_wire
from faxgate.api.wire_out import deletion_json
from faxgate.config import Settings
from faxgate.domain.report import report_body
from faxgate.service import reports
from faxgate.service.auth import Identity
from faxgate.service.errors import InvalidRequest, StorageFull, WrongDataCenter
from faxgate.service.submit import Submitter, submit_job

log = structlog.get_logger("faxgate.api")


async def _identify(request: Request) -> Identity:
    ctx = context(request)
    return await authenticate(request, ctx.db, ctx.logins, request.path_params["custNr"])


def _parse_job(body: bytes, settings: Settings) -> FaxJobRequest:
    if not body.strip():
        raise InvalidRequest("body", "a FaxJobRequest JSON object is required")
    check_elements(body, settings.max_json_elements)
    model = capped_job_request(settings.max_recipients, settings.max_documents)
    return model.model_validate_json(body)


async def send_job(request: Request) -> JSONResponse:
    ctx = context(request)
    require_json(request)
    who = await _identify(request)
    trouble = (await ctx.disk.state()).trouble
    if trouble:  # deletes and pending work need what room is left
        raise StorageFull(trouble)
    async with ctx.bodies.hold() as hold:  # until the job is stored
        body = await read_body(
            request, ctx.settings.max_body_bytes, hold, ctx.settings.http_body_timeout_secs
        )
        now = datetime.now(UTC)
        request_model, data = await off_the_loop_if_large(
            body,
            lambda: job_from_wire(
                _parse_job(body, ctx.settings), now, ctx.settings.max_mail_addresses
            ),
        )
        job = await submit_job(
            ctx.writer,
            request_model,
            data,
            body,
            Submitter(who.login, who.cust_nr, data_center(request).next_dc()),
            ctx.settings,
            now,
            in_thread=len(body) > INLINE_BODY,
        )
    log.info(
        "job accepted",
        job_id=job.job_id,
        login=who.login,
        recipients=len(job.recipients),
        documents=len(job.documents),
    )
    return JSONResponse({"jobId": job.job_id}, status_code=201)


def _scope(request: Request, who: Identity) -> reports.Scope:
    dc = data_center(request)
    if not dc.serves_reports:
        base = str(request.base_url).rstrip("/")
        urls = ", ".join(base + path for path in dc.dc_paths)
        raise WrongDataCenter(
            f"this is the HA URL: it accepts new jobs only; query and delete reports on every "
            f"data-center URL: {urls}"
        )
    ctx = context(request)
    return reports.Scope(
        who.login, dc=dc.report_scope, data_dir=ctx.settings.data_dir, spool=ctx.spool
    )


async def get_report(request: Request) -> JSONResponse:
    who = await _identify(request)
    scope = _scope(request, who)
    report = await reports.get_report(context(request).db, scope, request.path_params["jobId"])
    return JSONResponse(report_body(report))


async def list_reports(request: Request) -> JSONResponse:
    who = await _identify(request)
    found = await reports.oldest_completed(context(request).db, _scope(request, who))
    return JSONResponse({"reports": [report_body(r) for r in found]})


async def delete_report(request: Request) -> JSONResponse:
    who = await _identify(request)
    deletion = await reports.delete_one(
        context(request).db, _scope(request, who), request.path_params["jobId"]
    )
    return JSONResponse(deletion_json(deletion))


async def delete_oldest(request: Request) -> JSONResponse:
    who = await _identify(request)
    deleted = await reports.delete_oldest(context(request).db, _scope(request, who))
    log.info("reports deleted", login=who.login, count=len(deleted))
    return JSONResponse({"reports": [deletion_json(d) for d in deleted]})


async def bulk(request: Request) -> JSONResponse:
    ctx = context(request)
    require_json(request)
    who = await _identify(request)
    async with ctx.bodies.hold() as hold:
        body = await read_body(
            request, ctx.settings.max_body_bytes, hold, ctx.settings.http_body_timeout_secs
        )
        check_elements(body, ctx.settings.max_json_elements)
        bulk_request = await off_the_loop_if_large(
            body, lambda: BulkRequest.model_validate_json(body or b"null")
        )
    if bulk_request.action is BulkAction.GET:
        found = await reports.bulk_get(ctx.db, _scope(request, who), bulk_request.job_ids)
        return JSONResponse({"reports": [report_body(r) for r in found]})
    deletions = await reports.bulk_delete(ctx.db, _scope(request, who), bulk_request.job_ids)
    return JSONResponse({"reports": [deletion_json(d) for d in deletions]})


def fax4a_routes() -> list[BaseRoute]:
    return [
        Route("/{custNr}/fax", send_job, methods=["POST"]),
        Route("/{custNr}/fax/reports", list_reports, methods=["GET"]),
        Route("/{custNr}/fax/reports", delete_oldest, methods=["DELETE"]),
        Route("/{custNr}/fax/reports", bulk, methods=["POST"]),
        Route("/{custNr}/fax/reports/{jobId}", get_report, methods=["GET"]),
        Route("/{custNr}/fax/reports/{jobId}", delete_report, methods=["DELETE"]),
    ]
