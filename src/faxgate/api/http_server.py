"""The uvicorn configuration `faxgate serve` runs: its HTTP protocol with faxgate's limits."""

from __future__ import annotations

import math
import resource
from typing import Any

import structlog
import uvicorn
from starlette.types import ASGIApp

from faxgate.api.http_protocol import HttpLimits, protocol_class
from faxgate.config import Settings

log = structlog.get_logger("faxgate.http")
# Descriptors kept free of client connections: database, log, render workers, outbound calls.
FD_RESERVE = 256


def connection_cap(wanted: int) -> int:
    """`wanted`, lowered when the process may not open that many files besides its own.

    The soft limit is raised to the hard one first (systemd's default soft limit is 1024).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or hard > soft):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or wanted + FD_RESERVE <= soft:
        return wanted
    cap = max(soft - FD_RESERVE, 1)
    log.warning(
        "connection limit lowered to fit the open-files limit",
        wanted=wanted,
        cap=cap,
        nofile=soft,
    )
    return cap


def http_limits(settings: Settings) -> HttpLimits:
    return HttpLimits(
        max_header_bytes=settings.http_max_header_bytes,
        max_header_fields=settings.http_max_header_fields,
        header_timeout_secs=settings.http_header_timeout_secs,
        keep_alive_secs=settings.http_keep_alive_secs,
        max_connections=connection_cap(settings.http_max_connections),
    )


def server_config(
    app: ASGIApp, host: str, port: int, settings: Settings, **options: Any
) -> uvicorn.Config:
    """`options` go to uvicorn as they are (the proxy-header settings)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        **options,
        http=protocol_class(http_limits(settings)),
        # uvicorn's own keep-alive timer, in whole seconds; the protocol re-arms it exactly
        timeout_keep_alive=max(1, math.ceil(settings.http_keep_alive_secs)),
    )
