"""uvicorn's httptools protocol with the limits it lacks, enforced while bytes arrive.

- Request line and headers over `max_header_bytes`, or more than `max_header_fields` header
  lines: 431 and the connection is closed. Bytes are counted before they reach the parser,
  which is never fed more than the limit (httptools gathers a long header value by repeated
  concatenation: a 16 MiB value costs seconds of CPU in the event loop).
- A connection must send a complete request head within `header_timeout_secs` of its first
  byte (or of being accepted); else it is closed. Between requests uvicorn's keep-alive
  timeout applies, and the head timer starts again with the first byte of the next request.
- At most `max_connections` connections at once: one more is answered 503 and closed at
  once, before it can hold a socket for long.

Counting is exact for the first request of each read; a request pipelined behind another in
the same read is bounded by the size of that read (the event loop reads at most 256 KiB).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import structlog
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

log = structlog.get_logger("faxgate.http")


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int
    max_header_fields: int
    header_timeout_secs: float
    keep_alive_secs: float
    max_connections: int


class _HeadTooLarge(Exception):
    pass


def _reply(status: int, phrase: str, field: str | None, error: str, *extra: bytes) -> bytes:
    body = json.dumps(
        {"status": status, "field": field, "error": error}, separators=(",", ":")
    ).encode()
    head = [
        f"HTTP/1.1 {status} {phrase}".encode(),
        b"content-type: application/json",
        b"content-length: %d" % len(body),
        b"connection: close",
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    limits: HttpLimits  # set on the subclass protocol_class() makes
    _refusals_logged_at = 0.0  # a flood of refused connections logs a line a second

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_bytes = 0  # of the request head being read
        self._head_fields = 0
        self._in_head = False  # a request has begun, its headers are not complete
        self._in_message = False  # a request has begun, its body is not complete
        self._head_refused = ""  # why the head being read was refused (431)
        # When the head being read (or awaited on a new connection) began, else None. One
        # timer per connection checks it: no timer is armed and cancelled per request.
        self._head_since: float | None = None
        self._head_timer: asyncio.TimerHandle | None = None

    # connections

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.server_state.connections) >= self.limits.max_connections:
            self.transport = transport  # connection_lost closes nothing more
            if self.loop.time() - LimitedHttpToolsProtocol._refusals_logged_at >= 1.0:
                LimitedHttpToolsProtocol._refusals_logged_at = self.loop.time()
                log.warning("connections refused", limit=self.limits.max_connections)
            transport.write(
                _reply(
                    503,
                    "Service Unavailable",
                    None,
                    "too many open connections (FAXGATE_HTTP_MAX_CONNECTIONS); try again shortly",
                    b"retry-after: 5",
                )
            )
            transport.close()
            return
        super().connection_made(transport)
        self._head_since = self.loop.time()
        self._head_timer = self.loop.call_later(
            self.limits.header_timeout_secs, self._check_head_time
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        if self.flow is None:  # refused in connection_made: nothing else was set up
            return
        super().connection_lost(exc)

    # reading

    def data_received(self, data: bytes) -> None:
        if self._head_since is None and self._reading_head():
            self._head_since = self.loop.time()  # the first byte after a keep-alive wait
        while data and not self.transport.is_closing():
            if self._reading_head():
                room = self.limits.max_header_bytes - self._head_bytes
                if room <= 0:
                    self._refuse_head()
                    return
                piece = data if len(data) <= room else data[:room]
                self._head_bytes += len(piece)
            else:
                piece = data  # a body: bounded elsewhere
            data = data[len(piece) :] if len(piece) < len(data) else b""
            super().data_received(piece)

    def _reading_head(self) -> bool:
        """Inside a request head, or between requests (not in a body, not answering)."""
        return self._in_head or not (self._in_message or self._busy())

    def _busy(self) -> bool:
        """A request's headers are complete and its response is not finished."""
        return self.cycle is not None and not self.cycle.response_complete

    # parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = self._in_message = True
        self._head_fields = 0
        if self._head_since is None:
            self._head_since = self.loop.time()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        if self._head_fields > self.limits.max_header_fields:
            self._head_refused = (
                f"more than {self.limits.max_header_fields} header fields"
                " (FAXGATE_HTTP_MAX_HEADER_FIELDS)"
            )
            raise _HeadTooLarge  # the parser stops; uvicorn calls send_400_response
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0  # the next head is counted from its first byte
        self._head_since = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_message = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if (
            self.timeout_keep_alive_task is not None
            and self.limits.keep_alive_secs != self.timeout_keep_alive
        ):  # uvicorn's timer counts whole seconds
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = self.loop.call_later(
                self.limits.keep_alive_secs, self.timeout_keep_alive_handler
            )

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers any parser error with 400; a head refused by on_header is a 431.
        if self._head_refused:
            self._send_431(self._head_refused)
        else:
            super().send_400_response(msg)

    # limits

    def _refuse_head(self) -> None:
        self._head_refused = (
            f"request line and headers larger than {self.limits.max_header_bytes} bytes"
            " (FAXGATE_HTTP_MAX_HEADER_BYTES)"
        )
        self._send_431(self._head_refused)

    def _send_431(self, error: str) -> None:
        log.warning("request refused", status=431, error=error)
        self.transport.write(_reply(431, "Request Header Fields Too Large", "headers", error))
        self.transport.close()

    def _check_head_time(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        timeout = self.limits.header_timeout_secs
        waited = 0.0 if self._head_since is None else self.loop.time() - self._head_since
        # While a response is under way (a pipelined head may wait behind it), the head
        # being read gets its time once that response is done.
        if waited >= timeout and self._reading_head() and not self._busy():
            log.info("connection closed", reason="request head not complete in time")
            self.transport.close()
            return
        self._head_timer = self.loop.call_later(max(timeout - waited, 0.05), self._check_head_time)


def protocol_class(limits: HttpLimits) -> type[LimitedHttpToolsProtocol]:
    """The protocol class for uvicorn.Config(http=...), bound to `limits`."""
    return type("FaxgateHttpProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})
