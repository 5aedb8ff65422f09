"""Whether this instance can take work: its database answers and its disk has room."""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.store.db import Database, ping
from faxgate.store.disk import DiskGuard, DiskState


@dataclass(frozen=True)
class Health:
    database: str  # sqlite | postgresql
    database_fault: str | None  # the error's type name when the database did not answer
    disk: DiskState | None  # None when the database check failed first


async def check(db: Database, disk: DiskGuard) -> Health:
    try:
        await ping(db)
    except Exception as exc:  # any database fault means: take this instance out of rotation
        return Health(db.dialect, type(exc).__name__, None)
    # one statvfs: cheap enough for every probe
    return Health(db.dialect, None, await disk.state(fresh=True))
