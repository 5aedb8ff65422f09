"""Which data center a Fax4A URL speaks for (spec §1.2).

A plain process is one DC at /rest/v1. With `--region de` one process emulates a region:
the HA URL /rest/v1 places new jobs on de1 and de2 in turn, and /de1/rest/v1, /de2/rest/v1
are the DC URLs. Strict (as Retarus): a DC URL sees only its own jobs and the HA URL refuses
report calls; shared: every URL sees every job of the login.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

_REGION = re.compile(r"[a-z]{1,2}")


@dataclass
class DataCenter:
    placement: tuple[str, ...]  # the DCs new jobs are placed on, in turn
    report_dc: str | None  # the DC whose reports this URL serves; None: every DC
    serves_reports: bool = True
    dc_paths: tuple[str, ...] = ()  # named in the refusal of report calls
    _turn: Iterator[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(self.placement)

    def next_dc(self) -> str:
        return next(self._turn)

    @property
    def report_scope(self) -> str | None:
        return self.report_dc.upper() if self.report_dc else None


def region_dcs(region: str) -> tuple[str, str]:
    if not _REGION.fullmatch(region):
        raise ValueError(f"region {region!r}: one or two lower-case letters, e.g. de")
    return f"{region}1", f"{region}2"


def single(dc: str) -> dict[str, DataCenter]:
    """A process that is one DC: /rest/v1."""
    return {"/rest/v1": DataCenter(placement=(dc,), report_dc=None)}


def region(name: str, shared_reports: bool) -> dict[str, DataCenter]:
    """The HA URL and the DC URLs of an emulated region, by mount path."""
    first, second = region_dcs(name)
    paths = (f"/{first}/rest/v1", f"/{second}/rest/v1")
    return {
        "/rest/v1": DataCenter(
            placement=(first, second),
            report_dc=None,
            serves_reports=shared_reports,
            dc_paths=paths,
        ),
        paths[0]: DataCenter(placement=(first,), report_dc=None if shared_reports else first),
        paths[1]: DataCenter(placement=(second,), report_dc=None if shared_reports else second),
    }


class WithDataCenter:
    """Tells the routes below a mount which DC they speak for."""

    def __init__(self, app: ASGIApp, dc: DataCenter) -> None:
        self.app = app
        self.dc = dc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "faxgate.dc": self.dc}, receive, send)


def data_center(request: Request) -> DataCenter:
    dc: DataCenter = request.scope["faxgate.dc"]
    return dc
