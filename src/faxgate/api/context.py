"""What the HTTP handlers need, assembled once by create_app and found on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from faxgate.config import Settings
from faxgate.service.authenticator import Authenticator
from faxgate.service.errors import PayloadTooLarge
from faxgate.service.intake import JobWriter
from faxgate.store.db import Database


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    db: Database
    logins: Authenticator
    carrier_name: str
    writer: JobWriter

    @classmethod
    def create(cls, settings: Settings, db: Database, carrier_name: str) -> ApiContext:
        return cls(settings, db, Authenticator(settings), carrier_name, JobWriter(db, settings))


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("body", f"larger than the limit of {limit} bytes")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("body", f"larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
