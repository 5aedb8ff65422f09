"""Request bodies of the JSON endpoints: their media type, their size, the memory all bodies
hold at once, and parsing large ones off the event loop.

Memory per body: the bytes, the parsed JSON (about 30 bytes per element until the models are
built, hence the element count), the models and the decoded documents: some 4 times the body
for a typical job. The budget counts body bytes as they are read and until the response, so
concurrent uploads cannot add up beyond it; over it, a request waits a moment for room and is
then answered 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread
from prometheus_client import Gauge
from starlette.requests import Request

from faxgate.api.metrics import REGISTRY
from faxgate.service.errors import (
    BodyTimeout,
    Busy,
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)

T = TypeVar("T")
INLINE_BODY = 256 * 1024  # larger bodies are parsed and checked in a thread
RETRY_AFTER_SECS = 5
BODY_BYTES_HELD = Gauge(
    "faxgate_http_body_bytes_held",
    "Request body bytes held by the requests in progress (FAXGATE_HTTP_BODY_BUDGET_BYTES).",
    registry=REGISTRY,
)


def require_json(request: Request) -> None:
    """JSON bodies only: what every official SDK sends (spec §2.2, §11), and never a type a
    browser may post cross-site without asking (text/plain, forms)."""
    declared = request.headers.get("content-type", "")
    media_type, *params = (part.strip() for part in declared.split(";"))
    charsets = [
        value.strip().strip('"').lower()
        for name, _, value in (param.partition("=") for param in params)
        if name.strip().lower() == "charset"
    ]
    if media_type.lower() != "application/json" or any(
        c not in {"utf-8", "utf8"} for c in charsets
    ):
        raise UnsupportedMediaType(
            "Content-Type",
            f"must be application/json (UTF-8), not {declared or 'missing'}",
        )


class BodyBudget:
    """Body bytes held by all requests of this process at once."""

    def __init__(self, capacity: int, wait_secs: float) -> None:
        self.capacity = capacity
        self.wait_secs = wait_secs
        self.held = 0
        self._freed = asyncio.Event()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[BodyHold]:
        hold = BodyHold(self)
        try:
            yield hold
        finally:
            self._release(hold.bytes)

    async def take(self, hold: BodyHold, size: int) -> None:
        deadline = time.monotonic() + self.wait_secs
        # A request holding every byte held goes on alone: a body over the budget would
        # otherwise wait for itself.
        while self.held + size > self.capacity and self.held > hold.bytes:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Busy(
                    "too many large request bodies at once (FAXGATE_HTTP_BODY_BUDGET_BYTES); "
                    "send again shortly",
                    RETRY_AFTER_SECS,
                )
            self._freed.clear()
            try:
                await asyncio.wait_for(self._freed.wait(), left)
            except TimeoutError:
                continue
        self.held += size
        hold.bytes += size
        BODY_BYTES_HELD.inc(size)

    def _release(self, size: int) -> None:
        if size:
            self.held -= size
            BODY_BYTES_HELD.dec(size)
            self._freed.set()


class BodyHold:
    """One request's share of the budget, given back when its response is done."""

    def __init__(self, budget: BodyBudget) -> None:
        self.budget = budget
        self.bytes = 0

    async def take(self, size: int) -> None:
        await self.budget.take(self, size)


async def read_body(request: Request, limit: int, hold: BodyHold, pause_secs: float) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes, and with 408
    when no byte of it comes for `pause_secs`; each chunk is taken from the budget before it
    is kept."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("body", f"larger than the limit of {limit} bytes")
    chunks = []
    size = 0
    stream = request.stream()
    while True:
        try:
            with anyio.fail_after(pause_secs):
                chunk = await anext(stream)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise BodyTimeout(
                "body", f"no byte of it came for {pause_secs:g} s (FAXGATE_HTTP_BODY_TIMEOUT_SECS)"
            ) from None
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("body", f"larger than the limit of {limit} bytes")
        await hold.take(len(chunk))
        chunks.append(chunk)
    return b"".join(chunks)


def check_elements(body: bytes, limit: int) -> None:
    """Refuse a body of more than `limit` JSON elements before it is parsed. Every element
    but the first of an array follows a comma and every object member has a colon; those in
    strings count too, which only errs on the safe side."""
    if len(body) > limit and body.count(b",") + body.count(b":") > limit:
        raise InvalidRequest("body", f"more than {limit} JSON elements (FAXGATE_MAX_JSON_ELEMENTS)")


async def off_the_loop_if_large(body: bytes, work: Callable[[], T]) -> T:
    """`work()` in a worker thread when `body` is large, so other requests are answered
    meanwhile; small bodies are not worth a thread's round trip."""
    if len(body) > INLINE_BODY:
        return await anyio.to_thread.run_sync(work)
    return work()
