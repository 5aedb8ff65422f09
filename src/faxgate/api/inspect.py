"""Beyond Fax4A, for integrators: the fax as sent and as received, per recipient.

Same authentication and isolation as the reports: only the login that sent the job sees it.
"""

from __future__ import annotations

import io
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate_login
from faxgate.api.context import context
from faxgate.pipeline import files
from faxgate.pipeline.sealed_files import is_sealed, read_plain
from faxgate.render import page_png
from faxgate.sealing.box import SecretBox
from faxgate.sealing.keys import secret_box
from faxgate.service import reports
from faxgate.service.errors import FileNotReady


async def _recipient_file(request: Request, which: str) -> Path:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    job_id = request.path_params["jobId"]
    report = await reports.get_report(ctx.db, reports.Scope(who.login), job_id)
    index = request.path_params["n"]
    if not 0 <= index < len(report.recipients):
        raise FileNotReady(f"job {job_id} has no recipient {index} (they count from 0)")
    path = (files.spool_file if which == "sent" else files.received_file)(
        ctx.settings.data_dir, job_id, index
    )
    if not path.exists():
        state = "rendered" if which == "sent" else "received by the remote"
        raise FileNotReady(f"recipient {index} of {job_id} has not been {state} (yet)")
    return path


async def _tiff(request: Request, which: str) -> Response:
    path = await _recipient_file(request, which)
    if not await anyio.to_thread.run_sync(is_sealed, path):
        return FileResponse(path, media_type="image/tiff")
    box = secret_box(context(request).settings)
    return Response(await anyio.to_thread.run_sync(read_plain, path, box), media_type="image/tiff")


async def fax_tiff(request: Request) -> Response:
    return await _tiff(request, "sent")


async def received_tiff(request: Request) -> Response:
    return await _tiff(request, "received")


def _page_png(path: Path, box: SecretBox, number: int) -> bytes:
    return page_png(io.BytesIO(read_plain(path, box)), number)


async def page(request: Request) -> Response:
    path = await _recipient_file(request, "sent")
    number = request.path_params["p"]
    box = secret_box(context(request).settings)
    try:
        png = await anyio.to_thread.run_sync(_page_png, path, box, number)
    except IndexError as exc:
        raise FileNotReady(str(exc)) from None
    return Response(png, media_type="image/png")


def inspect_routes() -> list[BaseRoute]:
    prefix = "/jobs/{jobId}/recipients/{n:int}"
    return [
        Route(prefix + "/fax.tiff", fax_tiff, methods=["GET"]),
        Route(prefix + "/received.tiff", received_tiff, methods=["GET"]),
        Route(prefix + "/pages/{p:int}.png", page, methods=["GET"]),
    ]
