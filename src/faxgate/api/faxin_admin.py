"""Fax-In beyond the polling API, under /faxgate/v1/faxin: hand-in of a fax a site's own
gateway received, and a received fax's details, files and pages for its owner.

Both authenticate a login (HTTP Basic, like the Fax4A calls): the hand-in goes to an inbound
number of the login's account, and a fax is seen only by logins of its account.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import authenticate_login
from faxgate.api.bodies import read_body
from faxgate.api.context import context
from faxgate.service import faxin_handin
from faxgate.service.errors import StorageFull, UnsupportedMediaType

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


def faxin_admin_routes() -> list[BaseRoute]:
    return [
        Route("/faxin", hand_in, methods=["POST"]),
    ]
