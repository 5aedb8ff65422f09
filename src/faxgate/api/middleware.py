"""ASGI middleware: path tolerance (spec §2.3) and one structured log line and one counted
request (`faxgate_http_requests_total`) per request."""

from __future__ import annotations

import re
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faxgate.api.metrics import count_request

log = structlog.get_logger("faxgate.http")
_SLASHES = re.compile(r"/{2,}")


class TolerantPaths:
    """Collapse `//` (the Go SDK sends `/rest/v1//{custNr}/…`) and drop a trailing slash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = _SLASHES.sub("/", scope["path"])
            if len(path) > 1:
                path = path.rstrip("/")
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


class AccessLog:
    """Method, path, status and duration; never bodies or credentials. The request counter
    takes method and status only: paths carry job ids, one series each would be unbounded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            count_request(scope["method"], status)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
