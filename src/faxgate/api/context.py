"""What the HTTP handlers need, assembled once by create_app and found on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from faxgate.api.bodies import BodyBudget
from faxgate.config import Settings
from faxgate.service.authenticator import Authenticator
from faxgate.service.intake import JobWriter
from faxgate.store.db import Database
from faxgate.store.disk import DiskGuard
from faxgate.store.spool import Spool
from faxgate.store.spools import open_spool


@dataclass(frozen=True)
class ApiContext:
    settings: Settings
    db: Database
    logins: Authenticator
    carrier_name: str
    writer: JobWriter
    bodies: BodyBudget
    disk: DiskGuard
    spool: Spool

    @classmethod
    def create(cls, settings: Settings, db: Database, carrier_name: str) -> ApiContext:
        return cls(
            settings,
            db,
            Authenticator(settings),
            carrier_name,
            JobWriter(db, settings),
            BodyBudget(settings.http_body_budget_bytes, settings.http_body_wait_secs),
            DiskGuard(settings),
            open_spool(settings, db),
        )


def context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx
