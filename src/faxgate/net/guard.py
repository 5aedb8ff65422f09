"""Which outbound addresses the service may connect to.

Every URL the service fetches or posts to on a client's behalf (documents by reference, status
push, OAuth2 token URLs) is client-controlled, so without this policy a job could make the
service read cloud metadata (169.254.169.254), admin ports on loopback, or the operator's LAN.
The policy refuses every address that is not globally routable unless an operator allowed its
network in ``FAXGATE_ALLOW_NETWORKS``. It is applied to resolved addresses, never to host names
(see ``net/backend.py``), so DNS cannot be used to smuggle a private address past it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from faxgate.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})


class OutboundRefused(Exception):
    """An outbound URL or address is not allowed by the policy (never worth retrying)."""


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(cidr), reason) for cidr, reason in pairs)


# Spelled out rather than taken from ``is_private``/``is_global`` alone, whose ranges changed
# between Python releases (3.11 calls multicast "global"). First match names the reason.
_V4_SPECIAL = _nets(
    ("0.0.0.0/8", "unspecified"),
    ("127.0.0.0/8", "loopback"),
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "shared address space (CGNAT)"),
    ("169.254.0.0/16", "link-local"),
    ("192.0.0.0/24", "reserved (IETF protocol assignments)"),
    ("192.0.2.0/24", "reserved (documentation)"),
    ("198.51.100.0/24", "reserved (documentation)"),
    ("203.0.113.0/24", "reserved (documentation)"),
    ("192.88.99.0/24", "reserved (6to4 relay)"),
    ("198.18.0.0/15", "reserved (benchmarking)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
)
_V6_SPECIAL = _nets(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("fc00::/7", "private (unique local)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private (site-local)"),
    ("ff00::/8", "multicast"),
    ("64:ff9b:1::/48", "private (local NAT64)"),
    ("100::/64", "reserved (discard)"),
    ("2001::/23", "reserved (IETF protocol assignments)"),
    ("2001:db8::/32", "reserved (documentation)"),
    ("3fff::/20", "reserved (documentation)"),
)
# Global unicast space; everything else in IPv6 is reserved or special.
_V6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for (mapped, 6to4, NAT64), else None.

    A connection to such an IPv6 address reaches the IPv4 host, so the IPv4 rules must apply.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def special_reason(address: IPAddress) -> str | None:
    """Why an address is not a public one (e.g. "loopback"), or None for a public address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return special_reason(inner)
    table = _V4_SPECIAL if address.version == 4 else _V6_SPECIAL
    for network, reason in table:
        if address in network:
            return reason
    if address.version == 4 and address == ipaddress.IPv4Address("255.255.255.255"):
        return "broadcast"
    if address.version == 6 and address not in _V6_GLOBAL_UNICAST:
        return "reserved (not global unicast)"
    # Belt and braces for ranges the tables above do not name.
    if not address.is_global:
        return "not globally routable"
    return None


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    nets: list[IPNetwork] = []
    for cidr in cidrs:
        try:
            nets.append(ipaddress.ip_network(cidr.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"FAXGATE_ALLOW_NETWORKS: {cidr!r} is not a network: {exc}") from exc
    return tuple(nets)


@dataclass(frozen=True)
class NetworkPolicy:
    """Refuse non-public addresses except those inside an explicitly allowed network."""

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> NetworkPolicy:
        return cls(parse_networks(settings.allow_networks))

    def is_allowed_network(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        return any(a in net for a in candidates for net in self.allowed if a.version == net.version)

    def refusal(self, address: IPAddress | str) -> str | None:
        """A readable reason to refuse the address, or None when it may be connected to."""
        addr = ipaddress.ip_address(address) if isinstance(address, str) else address
        if self.is_allowed_network(addr):
            return None
        reason = special_reason(addr)
        if reason is None:
            return None
        inner = embedded_ipv4(addr)
        shown = f"{addr} (= {inner})" if inner is not None else str(addr)
        target = inner if inner is not None else addr
        prefix = 32 if target.version == 4 else 128
        suggestion = f"{str(target).split('%')[0]}/{prefix}"
        return (
            f"address {shown} is {reason} and not allowed; "
            f"FAXGATE_ALLOW_NETWORKS can allow it (e.g. {suggestion})"
        )

    def check(self, address: IPAddress | str) -> None:
        reason = self.refusal(address)
        if reason is not None:
            raise OutboundRefused(reason)


def check_scheme(url: str, scheme: str) -> None:
    if scheme.lower() not in ALLOWED_SCHEMES:
        raise OutboundRefused(f"URL {url!r}: only http and https are allowed, not {scheme!r}")
