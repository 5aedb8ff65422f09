"""The Fax-In polling API under each /faxin/rest/v1 mount (spec §9), as the official SDK's
FaxInPollClient drives it. Handlers stay thin: credentials → parameters → one service call →
the response; service/faxin_poll.py does the work.

Every failure to authenticate a poll (unknown topic, another customer's topic, a wrong
password) is the same 401: the SDK maps it to ApiAuthorizationError, while a 404 would make
it crash. A download that may not be served is an empty 404, whatever the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from faxgate.api.auth import parse_basic
from faxgate.api.context import context
from faxgate.api.files import file_response
from faxgate.domain import faxin
from faxgate.domain.faxin import InboundFax
from faxgate.domain.numbers import international
from faxgate.service import faxin_poll
from faxgate.service.errors import InvalidRequest
from faxgate.service.faxin_auth import authenticate_topic


def _client_host(request: Request) -> str:
    return request.client.host if request.client else ""


def _param(request: Request, name: str, read: Callable[[str | None], int]) -> int:
    try:
        return read(request.query_params.get(name))
    except ValueError as exc:
        raise InvalidRequest(name, str(exc).removeprefix(f"{name}: ")) from None


def _mount_url(request: Request, path: str, query: str = "") -> str:
    """An absolute URL below this request's mount (root_path is the mount's path)."""
    return str(request.url.replace(path=request.scope["root_path"] + path, query=query))


def _result(request: Request, fax: InboundFax) -> dict[str, Any]:
    received = fax.fax
    documents = [
        (fax.pdf_name, "application/pdf"),
        (fax.tiff_name, "image/tiff"),  # the PDF first: the SDK's examples take documents[0]
    ]
    return {
        "id": fax.fax_id,
        "topic": fax.topic,
        "receivedTs": datetime.fromtimestamp(received.received_at, UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "calledNumber": international(received.called_number),
        "callingNumber": international(received.calling_number),
        "remoteCsid": received.remote_csid,
        "pages": received.pages,
        "durationInSecs": round(received.duration_secs),
        "status": received.status.value,
        "resolution": received.resolution,
        "bitRate": received.bit_rate,
        "documents": [
            {"url": _mount_url(request, f"/files/{name}"), "name": name, "mimeType": mime}
            for name, mime in documents
        ],
    }


async def poll(request: Request) -> JSONResponse:
    ctx = context(request)
    cust_nr, password = parse_basic(request.headers.get("authorization"))
    topic = request.path_params["topic"]
    await authenticate_topic(ctx.logins, ctx.db, cust_nr, topic, password, _client_host(request))
    fetch = _param(request, "fetch", faxin.fetch_count)
    lock = _param(request, "timeout", faxin.lock_secs)
    ack_ids = faxin.parse_ids(request.query_params.get("ids"))
    faxes = await faxin_poll.poll(
        ctx.db, ctx.settings, cust_nr, topic, ack_ids, fetch, lock, time.time()
    )
    batch = f"&ids={','.join(f.fax_id for f in faxes)}" if faxes else ""
    path = f"/topics/{topic}"
    meta = {
        "topic": topic,
        "fetch": fetch,
        "timeout": lock,
        "count": len(faxes),
        "next": _mount_url(request, path, f"fetch={fetch}&timeout={lock}{batch}"),
        "exit": _mount_url(request, path, f"fetch=0&timeout={lock}{batch}"),
    }
    return JSONResponse({"meta": meta, "results": [_result(request, f) for f in faxes]})


async def download(request: Request) -> Response:
    ctx = context(request)
    cust_nr, password = parse_basic(request.headers.get("authorization"))
    name = request.path_params["name"]
    found = await faxin_poll.fax_file(
        ctx.db,
        ctx.spool,
        ctx.settings,
        ctx.logins,
        (cust_nr, password, _client_host(request)),
        name,
        time.time(),
    )
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return file_response(found.content, found.media_type, disposition)


def faxin_routes() -> list[BaseRoute]:
    return [
        Route("/topics/{topic}", poll, methods=["POST"]),
        Route("/files/{name}", download, methods=["GET"]),
    ]
