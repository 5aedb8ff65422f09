"""The SIP carrier's settings, checked: FAXGATE_SIP_* read into types, each fault named.

A bad value raises ValueError with one line that names the variable and the fault, so a
misconfigured carrier stops at start with a message an operator can act on.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.ports import parse_range
from faxgate.config import Settings
from faxgate.domain.sip_numbers import NUMBER_FORMATS, NumberFormat

DEFAULT_SIP_PORT = 5060
_SHOWN = 60  # characters of a bad value quoted in the message
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
_PORT = re.compile(r"[0-9]{1,5}")
_PORTS_PER_CALL = 2  # an even port for RTP and one for UDPTL after a switch to T.38


class T38Mode(StrEnum):
    REINVITE = "reinvite"  # start with audio, switch to T.38 by re-INVITE
    DIRECT = "direct"  # offer T.38 in the first INVITE
    OFF = "off"  # audio (G.711) only


@dataclass(frozen=True)
class SipSettings:
    listen_host: str
    listen_port: int  # 0: any free port
    proxy: tuple[str, int] | None
    domain: str
    transport: Literal["udp", "tcp"]
    public_host: str | None
    user: str | None
    password: str | None = field(repr=False)
    register: bool
    number_format: NumberFormat
    t38: T38Mode
    rtp_ports: tuple[int, int]  # lowest and highest port, both included
    channels: int
    ring_secs: float

    @property
    def rtp_port_spec(self) -> str:
        return f"{self.rtp_ports[0]}-{self.rtp_ports[1]}"

    @property
    def advertised_host(self) -> str:
        """The address the far end reaches our media at (SDP) and our SIP socket at."""
        if self.public_host:
            return self.public_host
        unspecified = self.listen_host in ("0.0.0.0", "::")  # noqa: S104 - a comparison
        return "127.0.0.1" if unspecified else self.listen_host

    @classmethod
    def from_settings(cls, settings: Settings) -> SipSettings:
        listen_host, listen_port = _host_port("FAXGATE_SIP_LISTEN", settings.sip_listen, None)
        proxy = (
            _host_port("FAXGATE_SIP_PROXY", settings.sip_proxy, DEFAULT_SIP_PORT)
            if settings.sip_proxy
            else None
        )
        if proxy is not None and proxy[1] == 0:
            raise _fault("FAXGATE_SIP_PROXY", settings.sip_proxy, "port 0 cannot be reached")
        user, password = settings.sip_user or None, settings.sip_password or None
        if (user is None) != (password is None):
            raise ValueError(
                "FAXGATE_SIP_USER, FAXGATE_SIP_PASSWORD: set both (digest auth) or neither"
            )
        if user is not None and not user.isprintable():
            raise ValueError("FAXGATE_SIP_USER: has control characters")
        if settings.sip_register and (proxy is None or user is None):
            raise ValueError(
                "FAXGATE_SIP_REGISTER: registering needs FAXGATE_SIP_PROXY and FAXGATE_SIP_USER"
            )
        channels = settings.sip_channels
        if channels < 1:
            raise _fault("FAXGATE_SIP_CHANNELS", channels, "at least 1 call is needed")
        if not (math.isfinite(settings.sip_ring_secs) and settings.sip_ring_secs > 0):
            raise _fault("FAXGATE_SIP_RING_SECS", settings.sip_ring_secs, "must be over 0 s")
        return cls(
            listen_host=listen_host,
            listen_port=listen_port,
            proxy=proxy,
            domain=_domain(settings.sip_domain, proxy),
            transport=_transport(settings.sip_transport),
            public_host=_public_host(settings.sip_public_address),
            user=user,
            password=password,
            register=settings.sip_register,
            number_format=_number_format(settings.sip_number_format),
            t38=_t38(settings.sip_t38),
            rtp_ports=_rtp_ports(settings.sip_rtp_ports, channels),
            channels=channels,
            ring_secs=settings.sip_ring_secs,
        )

    def endpoint(self) -> SipEndpoint:
        return SipEndpoint(
            listen_host=self.listen_host,
            listen_port=self.listen_port,
            proxy=self.proxy,
            domain=self.domain,
            transport=self.transport,
            public_host=self.public_host,
            user=self.user,
            password=self.password,
            register=self.register,
        )


def _fault(variable: str, value: object, fault: str) -> ValueError:
    shown = repr(value)
    if len(shown) > _SHOWN:
        shown = shown[: _SHOWN - 1] + "…"
    return ValueError(f"{variable}: {shown}: {fault}")


def _host_port(variable: str, text: str, default_port: int | None) -> tuple[str, int]:
    """`host:port`, `[v6]:port`, or with a default port also `host` and `[v6]`."""
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise _fault(variable, text, "an IPv6 address is written [address]:port")
        port_text: str | None = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    elif ":" in text:
        raise _fault(variable, text, "an IPv6 address is written [address]:port")
    else:
        host, port_text = text, None
    if not _is_host(host):
        raise _fault(variable, text, "not a host name or IP address")
    if port_text is None:
        if default_port is None:
            raise _fault(variable, text, "no port: write host:port")
        return host, default_port
    if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
        raise _fault(variable, text, "the port is not a number from 0 to 65535")
    return host, int(port_text)


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _HOSTNAME.fullmatch(host) is not None and not host.replace(".", "").isdigit()
    return True


def _domain(domain: str | None, proxy: tuple[str, int] | None) -> str:
    """The host part of our URIs: an IPv6 address in brackets."""
    if domain is None or not domain.strip():
        if proxy is None:
            raise ValueError("FAXGATE_SIP_DOMAIN: needed when FAXGATE_SIP_PROXY is not set")
        host = proxy[0]
    else:
        host = domain.strip()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not _is_host(host):
            raise _fault("FAXGATE_SIP_DOMAIN", domain, "not a host name or IP address")
    return f"[{host}]" if ":" in host else host


def _transport(text: str) -> Literal["udp", "tcp"]:
    value = text.strip().lower()
    if value == "udp":
        return "udp"
    if value == "tcp":
        return "tcp"
    raise _fault("FAXGATE_SIP_TRANSPORT", text, "udp or tcp")


def _public_host(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if not _is_host(text.strip()):
        raise _fault("FAXGATE_SIP_PUBLIC_ADDRESS", text, "not a host name or IP address")
    return text.strip()


def _number_format(text: str) -> NumberFormat:
    for fmt in NUMBER_FORMATS:
        if text.strip().lower() == fmt:
            return fmt
    raise _fault("FAXGATE_SIP_NUMBER_FORMAT", text, "e164, digits or 00")


def _t38(text: str) -> T38Mode:
    try:
        return T38Mode(text.strip().lower())
    except ValueError:
        raise _fault("FAXGATE_SIP_T38", text, "reinvite, direct or off") from None


def _rtp_ports(text: str, channels: int) -> tuple[int, int]:
    try:
        low, high = parse_range(text)
    except ValueError as exc:
        raise ValueError(f"FAXGATE_SIP_RTP_PORTS: {exc}") from None
    even = (high - low) // 2 + 1
    if even < channels * _PORTS_PER_CALL:
        raise _fault(
            "FAXGATE_SIP_RTP_PORTS",
            text,
            f"{even} even ports, too few for {channels} channels ({_PORTS_PER_CALL} a call)",
        )
    return low, high
