"""Beyond Fax4A, for integrators: the fax as sent and as received, per recipient.

Same authentication and isolation as the reports: only the login that sent the job sees it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate_login
from faxgate.api.context import context
from faxgate.api.files import file_response
from faxgate.service import images, reports
from faxgate.store.spool import ImageKind


async def _tiff(request: Request, kind: ImageKind) -> Response:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    image = await images.fax_image(
        ctx.db,
        ctx.spool,
        reports.Scope(who.login),
        request.path_params["jobId"],
        request.path_params["n"],
        kind,
    )
    return file_response(image, "image/tiff")


async def fax_tiff(request: Request) -> Response:
    return await _tiff(request, ImageKind.SENT)


async def received_tiff(request: Request) -> Response:
    return await _tiff(request, ImageKind.RECEIVED)


async def page(request: Request) -> Response:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    png = await images.page(
        ctx.db,
        ctx.spool,
        reports.Scope(who.login),
        request.path_params["jobId"],
        request.path_params["n"],
        request.path_params["p"],
    )
    return Response(png, media_type="image/png")


def inspect_routes() -> list[BaseRoute]:
    prefix = "/jobs/{jobId}/recipients/{n:int}"
    return [
        Route(prefix + "/fax.tiff", fax_tiff, methods=["GET"]),
        Route(prefix + "/received.tiff", received_tiff, methods=["GET"]),
        Route(prefix + "/pages/{p:int}.png", page, methods=["GET"]),
    ]
