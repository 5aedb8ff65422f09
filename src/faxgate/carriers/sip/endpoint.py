"""Where our SIP user agent listens and how it reaches the trunk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class SipEndpoint:
    listen_host: str  # bind address, UDP and TCP on the same port
    listen_port: int  # 0: any free port (the user agent reports the one it got)
    proxy: tuple[str, int] | None  # out-of-dialog requests go there; None: to the R-URI host
    domain: str  # host part of request URIs, From and To
    transport: Literal["udp", "tcp"] = "udp"  # towards the proxy
    public_host: str | None = None  # in Via and Contact; None: listen_host (127.0.0.1 for any)
    user: str | None = None  # digest user, and the From user of REGISTER
    password: str | None = field(default=None, repr=False)
    register: bool = False  # REGISTER our contact at start and refresh it before it expires
    register_expires: int = 600
    user_agent: str = "faxgate"
