"""The ASGI application, assembled in one visible place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router

from faxgate.api.context import ApiContext
from faxgate.api.datacenters import DataCenter, WithDataCenter, single
from faxgate.api.errors import EXCEPTION_HANDLERS
from faxgate.api.fax4a import fax4a_routes
from faxgate.api.faxin import faxin_routes
from faxgate.api.middleware import AccessLog, TolerantPaths
from faxgate.api.openapi import build_openapi
from faxgate.api.operator import operator_routes

Lifecycle = Callable[[], Awaitable[None]]


def create_app(
    ctx: ApiContext,
    on_start: Lifecycle | None = None,
    on_stop: Lifecycle | None = None,
    mounts: dict[str, DataCenter] | None = None,
) -> Starlette:
    """The service; `mounts` maps each Fax4A base path to the DC it speaks for. The Fax-In
    polling API sits beside each of them (`/faxin/rest/v1`, `/de1/faxin/rest/v1`, …); every
    one sees every received fax, as one polling host does (spec §1.3)."""
    fax4a_paths = mounts or single(ctx.settings.dc)
    fax4a_mounts = [
        Mount(path, app=WithDataCenter(Router(fax4a_routes()), dc))
        for path, dc in fax4a_paths.items()
    ]
    faxin_mounts = [
        Mount(path.removesuffix("/rest/v1") + "/faxin/rest/v1", routes=faxin_routes())
        for path in fax4a_paths
    ]
    openapi = build_openapi()

    async def openapi_json(_request: Request) -> JSONResponse:
        return JSONResponse(openapi)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await ctx.logins.prepare()
        if on_start:
            await on_start()
        try:
            yield
        finally:
            ctx.writer.close()
            if on_stop:
                await on_stop()

    app = Starlette(
        routes=[
            *fax4a_mounts,
            *faxin_mounts,
            Mount("/faxgate/v1", routes=operator_routes()),
            Route("/openapi.json", openapi_json, methods=["GET"]),
        ],
        middleware=[Middleware(TolerantPaths), Middleware(AccessLog)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
