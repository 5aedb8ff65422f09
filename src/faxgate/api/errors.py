"""Maps service errors to the Fax4A status codes, with a short JSON body naming the fault.

Routes never build error bodies. The SDKs ignore error bodies, so the body is for people;
404 on a single report stays empty (spec §11.5 item 10).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import structlog
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from faxgate.domain import disk
from faxgate.service.errors import (
    AuthenticationFailed,
    AuthorizationMissing,
    BodyTimeout,
    Busy,
    DuplicateJob,
    FileNotReady,
    InvalidRequest,
    LoginsBusy,
    NotFound,
    PayloadTooLarge,
    StorageFull,
    TooManyFailures,
    UnsupportedMediaType,
    WrongDataCenter,
)
from faxgate.store.db import UNREACHABLE, DatabaseError

log = structlog.get_logger("faxgate.api")


def _body(status: int, field: str | None, error: str) -> JSONResponse:
    return JSONResponse({"status": status, "field": field, "error": error}, status_code=status)


def _retry_later(response: JSONResponse, seconds: int) -> JSONResponse:
    response.headers["Retry-After"] = str(seconds)
    return response


OWN_ROUTES = "/faxgate/"


def _challenge(response: JSONResponse) -> JSONResponse:
    response.headers["WWW-Authenticate"] = 'Basic realm="faxgate", charset="UTF-8"'
    return response


def _unavailable(error: str) -> JSONResponse:
    return _retry_later(_body(503, None, error), 5)


def location(loc: tuple[int | str, ...]) -> str:
    """('recipients', 0, 'number') → 'recipients[0].number'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validation_error(exc: ValidationError) -> JSONResponse:
    first: Any = exc.errors()[0]
    field = location(tuple(first["loc"])) or None
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "is required"
    elif first["type"] == "json_invalid":
        field, message = None, f"malformed JSON: {first['ctx'].get('error', message)}"
    elif first["type"] in {"model_type", "model_attributes_type"}:
        message = "must be a JSON object"
    elif first["type"] == "too_long":
        message = f"too many items: at most {first['ctx']['max_length']}"
    return _body(400, field, message)


async def handle(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ValidationError):
        return validation_error(exc)
    if isinstance(exc, PayloadTooLarge):
        return _body(413, exc.field or None, exc.fault)
    if isinstance(exc, BodyTimeout):
        # The rest of the body may never come: the connection is not kept for another request.
        response = _body(408, exc.field or None, exc.fault)
        response.headers["Connection"] = "close"
        return response
    if isinstance(exc, UnsupportedMediaType):
        return _body(415, exc.field or None, exc.fault)
    if isinstance(exc, InvalidRequest):
        return _body(400, exc.field or None, exc.fault)
    if isinstance(exc, AuthorizationMissing):
        # Fax4A documents a 400 here; faxgate's own routes (pages a browser opens among them)
        # answer 401 with a challenge, so that a browser asks for the login.
        if request.url.path.startswith(OWN_ROUTES):
            return _challenge(_body(401, "Authorization", str(exc)))
        return _body(400, "Authorization", str(exc))
    if isinstance(exc, AuthenticationFailed):
        return _challenge(_body(401, "Authorization", str(exc)))
    if isinstance(exc, TooManyFailures):
        return _retry_later(_body(429, "Authorization", str(exc)), exc.retry_after_secs)
    if isinstance(exc, LoginsBusy):
        return _retry_later(_body(503, "Authorization", str(exc)), exc.retry_after_secs)
    if isinstance(exc, FileNotReady):
        return _body(404, None, str(exc))
    if isinstance(exc, NotFound):
        return Response(status_code=404)
    if isinstance(exc, DuplicateJob):
        response = _body(409, "reference.customerDefinedId", str(exc))
        response.headers["X-Faxgate-Existing-Job"] = exc.existing_job_id
        return response
    if isinstance(exc, Busy):
        return _retry_later(_body(503, None, str(exc)), exc.retry_after_secs)
    if isinstance(exc, WrongDataCenter):
        # 421 Misdirected Request: the request is fine, the URL is the wrong one for it.
        return _body(421, None, str(exc))
    if isinstance(exc, StorageFull):
        return _unavailable(f"the disk of the service is short of space; try again later: {exc}")
    if disk.is_out_of_space(exc):
        # Free the reserve so that deletes (the client's way to make room) and the pipeline's
        # bookkeeping can still commit; new jobs are refused until space returns.
        await anyio.to_thread.run_sync(request.app.state.ctx.disk.note_failure, exc)
        log.error("disk full", path=request.url.path, error=disk.describe(exc))
        return _unavailable("the disk of the service is full; try again later")
    if isinstance(exc, (*UNREACHABLE, ConnectionError)) or disk.is_transient(exc):
        # The database is unreachable or refused the work (or a file could not be written
        # for a fault of the machine). The job was not committed (but for a connection lost
        # during COMMIT itself): the client may send again.
        log.error("database unavailable", path=request.url.path, error=type(exc).__name__)
        return _unavailable("the database is unavailable; try again shortly")
    log.exception("unhandled", path=request.url.path)
    return _body(500, None, "internal error")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DatabaseError: handle,
    OSError: handle,
    StorageFull: handle,
    ValidationError: handle,
    InvalidRequest: handle,
    AuthorizationMissing: handle,
    AuthenticationFailed: handle,
    TooManyFailures: handle,
    LoginsBusy: handle,
    NotFound: handle,
    DuplicateJob: handle,
    WrongDataCenter: handle,
    Busy: handle,
}
