"""Fax-In's door for carriers on a real line: the carrier asks from its own thread and event
loop, the work runs on the worker's loop, where the database and the spool live."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from faxgate.config import Settings
from faxgate.domain.faxin import ReceivedFax
from faxgate.pipeline.faxin_intake import accept_received, owns
from faxgate.store.db import Database
from faxgate.store.spool import Spool

_T = TypeVar("_T")


class PipelineDesk:
    def __init__(self, settings: Settings, db: Database, spool: Spool) -> None:
        self._settings, self._db, self._spool = settings, db, spool
        self._loop = asyncio.get_running_loop()

    async def owned_number(self, candidates: Sequence[str]) -> str | None:
        return await self._on_worker_loop(self._first_owned(candidates))

    async def deliver(self, tiff: Path, fax: ReceivedFax) -> None:
        await self._on_worker_loop(
            accept_received(self._settings, self._db, self._spool, tiff, fax)
        )

    async def _first_owned(self, candidates: Sequence[str]) -> str | None:
        for number in candidates:
            if await owns(self._db, number):
                return number
        return None

    async def _on_worker_loop(self, work: Coroutine[Any, Any, _T]) -> _T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))
