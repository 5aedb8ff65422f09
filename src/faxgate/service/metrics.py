"""The shared database's queue, outbox and Fax-In figures, read together for one metrics
scrape."""

from __future__ import annotations

import time
from dataclasses import dataclass

from faxgate.store import metrics as store
from faxgate.store.db import Database
from faxgate.store.metrics import FaxInFigures, OutboxFigures, QueueFigures


@dataclass(frozen=True)
class DatabaseFigures:
    queue: QueueFigures
    outbox: dict[str, OutboxFigures]  # by kind: push, mail
    faxin: FaxInFigures


async def database_figures(db: Database) -> DatabaseFigures:
    now = time.time()  # one clock reading, so the figures of one scrape agree
    async with db.reader.connect() as conn:
        queue = await store.queue_figures(conn, now)
        outbox = await store.outbox_figures(conn, now)
        faxin = await store.faxin_figures(conn, now)
    return DatabaseFigures(queue, outbox, faxin)
