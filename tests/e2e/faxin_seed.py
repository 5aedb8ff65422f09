"""Received faxes in the store of a running `faxgate serve`, handed in as a carrier would
(through pipeline/faxin_intake.py, from this process), for the Fax-In end-to-end tests."""

from __future__ import annotations

import asyncio

from faxgate.config import Settings
from faxgate.domain.faxin import InboundFax
from faxgate.service.inbound import add_number
from faxgate.store.db import open_database
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool
from tests.e2e.conftest import FaxgateServer
from tests.faxin_faxes import NUMBER, TOPIC, TOPIC_PASSWORD, receive


def _settings(server: FaxgateServer) -> Settings:
    return Settings(data_dir=server.data_dir, db_url=server.db_url)


def seed(server: FaxgateServer, count: int, pages: int = 1) -> list[InboundFax]:
    """TOPIC with NUMBER for the server's customer, and `count` faxes received on it."""

    async def run() -> list[InboundFax]:
        settings = _settings(server)
        db = open_database(settings.database_url)
        try:
            await add_number(db, server.cust_nr, NUMBER, TOPIC, TOPIC_PASSWORD)
            spool = open_spool(settings, db)
            return [await receive(settings, db, spool, pages=pages) for _ in range(count)]
        finally:
            await db.dispose()

    return asyncio.run(run())


def stored_pdf(server: FaxgateServer, fax_id: str) -> bytes | None:
    async def run() -> bytes | None:
        settings = _settings(server)
        db = open_database(settings.database_url)
        try:
            return await open_spool(settings, db).get(ImageKey(fax_id, ImageKind.FAXIN_PDF, 0))
        finally:
            await db.dispose()

    return asyncio.run(run())
