"""A service factory for pipeline tests that need their own settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from faxgate.api.datacenters import DataCenter
from faxgate.store.db import Database
from tests.conftest import Service, make_settings, start_service

ServiceFactory = Callable[..., AbstractAsyncContextManager[Service]]


@pytest.fixture
def make_service(db: Database, tmp_path: Path, database_url: str) -> ServiceFactory:
    @asynccontextmanager
    async def factory(
        workers: bool = True, mounts: dict[str, DataCenter] | None = None, **overrides: Any
    ) -> AsyncIterator[Service]:
        settings = make_settings(tmp_path, database_url, **overrides)
        async with start_service(settings, db, workers=workers, mounts=mounts) as service:
            yield service

    return factory
