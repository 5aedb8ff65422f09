"""Choosing the spool backend from FAXGATE_SPOOL, once, where a process is assembled."""

from __future__ import annotations

from faxgate.config import Settings
from faxgate.sealing.box import SecretBox
from faxgate.sealing.keys import secret_box
from faxgate.store.db import Database
from faxgate.store.spool import Spool
from faxgate.store.spool_db import DatabaseSpool
from faxgate.store.spool_dir import DataDirSpool

SPOOLS = ("data-dir", "database")


def spool_kind(settings: Settings) -> str:
    """The configured backend; ValueError naming the setting when it is none of SPOOLS."""
    choice = settings.spool.strip().lower()
    if choice not in SPOOLS:
        raise ValueError(f"FAXGATE_SPOOL: unknown spool {settings.spool!r} ({' | '.join(SPOOLS)})")
    return choice


def open_spool(settings: Settings, db: Database) -> Spool:
    choice = spool_kind(settings)

    def box() -> SecretBox:  # read when an image is first sealed or unsealed
        return secret_box(settings)

    if choice == "data-dir":
        return DataDirSpool(settings.data_dir, box, settings.encrypt_files)
    return DatabaseSpool(db, box, settings.encrypt_files, settings.data_dir)
