"""What the HTTP handlers need, assembled once by create_app and found on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from faxgate.config import Settings
from faxgate.service.auth import CredentialCache
from faxgate.service.errors import PayloadTooLarge
from faxgate.service.intake import JobWriter
from faxgate.store.db import Database
from faxgate.store.disk import DiskGuard


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    db: Database
    credentials: CredentialCache
    carrier_name: str
    writer: JobWriter
    disk: DiskGuard

    @classmethod
    def create(cls, settings: Settings, db: Database, carrier_name: str) -> ApiContext:
        writer = JobWriter(db, settings)
        return cls(settings, db, CredentialCache(), carrier_name, writer, DiskGuard(settings))


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
