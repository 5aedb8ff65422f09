"""Assembling a running service from settings: database, carrier, renderer, pipeline, app."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from starlette.applications import Starlette

from faxgate.api import datacenters
from faxgate.api.app import create_app
from faxgate.api.context import ApiContext
from faxgate.carriers.base import Carrier, LineCarrier
from faxgate.carriers.registry import create_carrier
from faxgate.config import Settings
from faxgate.datadir import make_private
from faxgate.pipeline.inbound_desk import PipelineDesk
from faxgate.pipeline.notifier import OutboxDrainer
from faxgate.pipeline.purge import Purger
from faxgate.pipeline.render_step import RenderStep
from faxgate.pipeline.worker import Pipeline
from faxgate.render import Renderer
from faxgate.sealing.keys import CREATED_NOTICE, ensure_key_file, secret_box
from faxgate.store.db import Database, migrate, open_database
from faxgate.store.sealed_rows import check_keys
from faxgate.store.spools import open_spool

log = structlog.get_logger("faxgate.runtime")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    carrier: Carrier
    renderer: Renderer | None = None
    pipeline: Pipeline | None = None
    purger: Purger | None = None
    notifier: OutboxDrainer | None = None

    async def open_line(self) -> None:
        """A carrier on a real line binds (and registers) before anything else starts, so a
        line that cannot open stops the start with its one-line CarrierUnavailable; from
        then on it may receive calls, which go to Fax-In."""
        if isinstance(self.carrier, LineCarrier):
            spool = open_spool(self.settings, self.db)
            await self.carrier.start(PipelineDesk(self.settings, self.db, spool))

    async def start_workers(self) -> None:
        self.renderer = Renderer(self.settings)
        self.pipeline = Pipeline(
            self.settings, self.db, self.carrier, RenderStep(self.settings, self.db, self.renderer)
        )
        self.purger = Purger(self.settings, self.db)
        self.notifier = OutboxDrainer(self.settings, self.db, self.pipeline.worker_id)
        await self.pipeline.start()
        await self.purger.start()
        await self.notifier.start()

    async def stop_workers(self) -> None:
        if self.notifier:
            await self.notifier.stop()
        if self.purger:
            await self.purger.stop()
        if self.pipeline:
            await self.pipeline.stop()
        if isinstance(self.carrier, LineCarrier):  # after the pipeline's calls, which use it
            await self.carrier.close()
        if self.renderer:
            self.renderer.close()

    async def stop(self) -> None:
        await self.stop_workers()
        await self.db.dispose()


async def open_runtime(settings: Settings) -> Runtime:
    """Start-up: a private data dir, the secret key (made at first start), the schema, and a
    check that the key opens the stored secrets (SecretKeyError otherwise)."""
    make_private(settings.data_dir, settings.sqlite_path)
    created = ensure_key_file(settings)
    if created is not None:
        log.warning(CREATED_NOTICE, path=str(created))
    box = secret_box(settings)
    db = open_database(settings.database_url)
    try:
        await migrate(db)
        await check_keys(db, box)
    except BaseException:
        await db.dispose()
        raise
    return Runtime(settings, db, create_carrier(settings))


def build_app(runtime: Runtime, with_workers: bool) -> Starlette:
    settings = runtime.settings
    ctx = ApiContext.create(settings, runtime.db, runtime.carrier.name)
    mounts = (
        datacenters.region(settings.region, settings.shared_reports)
        if settings.region
        else datacenters.single(settings.dc)
    )

    async def on_start() -> None:
        if with_workers:
            await runtime.start_workers()

    return create_app(ctx, on_start=on_start, on_stop=runtime.stop, mounts=mounts)
