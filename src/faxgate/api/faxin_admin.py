"""Fax-In beyond the polling API, under /faxgate/v1/faxin: hand-in of a fax a site's own
gateway received, and a received fax's details, files and pages for its owner.

Both authenticate a login (HTTP Basic, like the Fax4A calls): the hand-in goes to an inbound
number of the login's account, and a fax is seen only by logins of its account.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate_login
from faxgate.api.bodies import read_body
from faxgate.api.context import context
from faxgate.api.deliveries import delivery_json
from faxgate.api.files import file_response
from faxgate.service import faxin_detail, faxin_handin
from faxgate.service.errors import StorageFull, UnsupportedMediaType
from faxgate.store.spool import ImageKind

# What a gateway may declare; the bytes decide (application/octet-stream: "look inside"). A
# type a browser may post cross-site without asking (forms, text/plain) is not among them.
_MEDIA_TYPES = (*faxin_handin.MEDIA_TYPES, "application/octet-stream")


def _declared(request: Request) -> str:
    declared = request.headers.get("content-type", "")
    media_type = declared.split(";")[0].strip().lower()
    if media_type not in _MEDIA_TYPES:
        raise UnsupportedMediaType(
            "Content-Type", f"must be one of {', '.join(_MEDIA_TYPES)}, not {declared or 'missing'}"
        )
    return media_type


async def hand_in(request: Request) -> JSONResponse:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    declared = _declared(request)
    query = request.query_params
    target = await faxin_handin.target_of(
        ctx.db,
        faxin_handin.HandIn(query.get("to"), query.get("from"), query.get("csid")),
        who.cust_nr,
    )
    trouble = (await ctx.disk.state()).trouble
    if trouble:
        raise StorageFull(trouble)
    limit = ctx.settings.max_document_bytes
    async with ctx.bodies.hold() as hold:
        body = await read_body(request, limit, hold, ctx.settings.http_body_timeout_secs)
        kind = faxin_handin.body_kind(body, limit, declared)
        fax = await faxin_handin.hand_in(ctx.settings, ctx.db, ctx.spool, target, body, kind)
    return JSONResponse({"faxId": fax.fax_id, "topic": fax.topic, "pages": fax.fax.pages}, 201)


def _time(value: float | None) -> str | None:
    return None if not value else datetime.fromtimestamp(value, UTC).isoformat()


async def detail(request: Request) -> JSONResponse:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    found = await faxin_detail.detail(ctx.db, who.cust_nr, request.path_params["faxId"])
    fax, received = found.fax, found.fax.fax
    body: dict[str, Any] = {
        "faxId": fax.fax_id,
        "topic": fax.topic,
        "calledNumber": received.called_number,
        "callingNumber": received.calling_number,
        "remoteCsid": received.remote_csid,
        "localCsid": received.local_csid,
        "pages": received.pages,
        "resolution": received.resolution,
        "bitRate": received.bit_rate,
        "durationInSecs": received.duration_secs,
        "status": received.status.value,
        "reason": received.reason,
        "source": received.source.value,
        "receivedAt": _time(received.received_at),
        "lockedUntil": _time(fax.locked_until),
        "acknowledgedAt": _time(fax.acknowledged_at),
        "notifications": [delivery_json(d) for d in found.notifications],
    }
    return JSONResponse(body)


async def _file(request: Request, kind: ImageKind, media_type: str) -> Response:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    found = await faxin_detail.fax_file(
        ctx.db, ctx.spool, who.cust_nr, request.path_params["faxId"], kind
    )
    return file_response(found, media_type)


async def fax_tiff(request: Request) -> Response:
    return await _file(request, ImageKind.FAXIN_TIFF, "image/tiff")


async def fax_pdf(request: Request) -> Response:
    return await _file(request, ImageKind.FAXIN_PDF, "application/pdf")


async def page(request: Request) -> Response:
    ctx = context(request)
    who = await authenticate_login(request, ctx.db, ctx.logins)
    png = await faxin_detail.page(
        ctx.db, ctx.spool, who.cust_nr, request.path_params["faxId"], request.path_params["p"]
    )
    return Response(png, media_type="image/png")


def faxin_admin_routes() -> list[BaseRoute]:
    return [
        Route("/faxin", hand_in, methods=["POST"]),
        Route("/faxin/{faxId}", detail, methods=["GET"]),
        Route("/faxin/{faxId}/fax.tiff", fax_tiff, methods=["GET"]),
        Route("/faxin/{faxId}/fax.pdf", fax_pdf, methods=["GET"]),
        Route("/faxin/{faxId}/pages/{p:int}.png", page, methods=["GET"]),
    ]
