"""The T.38 media of SDP (ITU-T T.38 Annex D.2.3, RFC 3362): build, parse, negotiate.

    m=image 40000 udptl t38
    a=T38FaxVersion:0
    a=T38MaxBitRate:14400
    a=T38FaxRateManagement:transferredTCF
    a=T38FaxMaxBuffer:1800
    a=T38FaxMaxDatagram:400
    a=T38FaxUdpEC:t38UDPRedundancy
    a=T38FaxFillBitRemoval            (a flag; some send :0 or :1)

Attribute names are matched without regard to case, unknown attributes are ignored, a
known attribute with a bad value raises `T38SdpError` naming it. The answer takes the lower
version and bit rate, the smaller datagram, the offerer's rate management, redundancy only
when both sides do error correction, and the flags both sides set.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TypeVar

MAX_SDP_OCTETS = 16384  # an offer is a few hundred octets; a larger body is not one
MAX_T38_VERSION = 3
MAX_BIT_RATE = 33600  # V.34, the fastest T.38 modulation
MAX_OCTET_PARAM = 65535
_E = TypeVar("_E", bound=enum.StrEnum)


class T38SdpError(ValueError):
    """T.38 media in SDP that cannot be used; the message names the line and the fault."""


class RateManagement(enum.StrEnum):
    TRANSFERRED_TCF = "transferredTCF"  # the only method over UDP (T.38 Annex D)
    LOCAL_TCF = "localTCF"


class ErrorCorrection(enum.StrEnum):
    NONE = "t38UDPNoEC"
    REDUNDANCY = "t38UDPRedundancy"
    FEC = "t38UDPFEC"


@dataclass(frozen=True, slots=True)
class T38Params:
    version: int = 0
    max_bit_rate: int = 14400
    rate_management: RateManagement = RateManagement.TRANSFERRED_TCF
    max_buffer: int | None = None  # octets the receiver can buffer
    max_datagram: int | None = None  # the largest UDPTL datagram the receiver accepts
    error_correction: ErrorCorrection = ErrorCorrection.NONE
    fill_bit_removal: bool = False
    transcoding_mmr: bool = False
    transcoding_jbig: bool = False


@dataclass(frozen=True, slots=True)
class T38Media:
    """The first usable `m=image … udptl t38` section of an SDP body."""

    port: int
    address: str | None  # from the section's c= line, else the session's
    params: T38Params


def media_lines(port: int, params: T38Params) -> list[str]:
    """Our `m=image` line and its attributes, for an offer or an answer."""
    lines = [
        f"m=image {port} udptl t38",
        f"a=T38FaxVersion:{params.version}",
        f"a=T38MaxBitRate:{params.max_bit_rate}",
    ]
    lines += ["a=T38FaxFillBitRemoval"] if params.fill_bit_removal else []
    lines += ["a=T38FaxTranscodingMMR"] if params.transcoding_mmr else []
    lines += ["a=T38FaxTranscodingJBIG"] if params.transcoding_jbig else []
    lines.append(f"a=T38FaxRateManagement:{params.rate_management}")
    if params.max_buffer is not None:
        lines.append(f"a=T38FaxMaxBuffer:{params.max_buffer}")
    if params.max_datagram is not None:
        lines.append(f"a=T38FaxMaxDatagram:{params.max_datagram}")
    if params.error_correction is not ErrorCorrection.NONE:
        lines.append(f"a=T38FaxUdpEC:{params.error_correction}")
    return lines


def negotiate(ours: T38Params, offer: T38Params) -> T38Params:
    """Our answer to a remote's offer."""
    both_correct = ErrorCorrection.NONE not in (ours.error_correction, offer.error_correction)
    datagrams = [d for d in (ours.max_datagram, offer.max_datagram) if d is not None]
    return replace(
        ours,
        version=min(ours.version, offer.version),
        max_bit_rate=min(ours.max_bit_rate, offer.max_bit_rate),
        rate_management=offer.rate_management,
        max_datagram=min(datagrams) if datagrams else None,
        error_correction=ErrorCorrection.REDUNDANCY if both_correct else ErrorCorrection.NONE,
        fill_bit_removal=ours.fill_bit_removal and offer.fill_bit_removal,
        transcoding_mmr=ours.transcoding_mmr and offer.transcoding_mmr,
        transcoding_jbig=ours.transcoding_jbig and offer.transcoding_jbig,
    )


def parse_t38_media(sdp: str) -> T38Media | None:
    """The T.38 media a remote offers or answers; None when it has none (or declines it)."""
    if len(sdp) > MAX_SDP_OCTETS:
        raise T38SdpError(f"SDP body of {len(sdp)} characters, at most {MAX_SDP_OCTETS}")
    session_address: str | None = None
    media_seen = False
    found: T38Media | None = None
    attributes: list[str] = []  # of the T.38 section
    for raw in sdp.splitlines():  # bounded by MAX_SDP_OCTETS
        line = raw.strip()
        if line.startswith("m="):
            if found is not None:
                break
            media_seen = True
            port = _t38_port(line)
            if port:
                found = T38Media(port, session_address, T38Params())
        elif not media_seen and line.startswith("c="):
            session_address = _address(line)
        elif found is not None and line.startswith("c="):
            found = replace(found, address=_address(line))
        elif found is not None and line.startswith("a="):
            attributes.append(line[2:])
    if found is None:
        return None
    return replace(found, params=_params(attributes))


def _t38_port(line: str) -> int:
    """The port of an `m=image … udptl t38` line; 0 for other media or a declined stream."""
    fields = line[2:].split()
    if len(fields) < 4 or fields[0].lower() != "image":
        return 0
    if fields[2].lower() != "udptl" or "t38" not in (f.lower() for f in fields[3:]):
        return 0
    return _number(fields[1].split("/")[0], "m=image port", 65535)


def _address(line: str) -> str:
    fields = line[2:].split()
    if len(fields) != 3 or fields[0] != "IN" or fields[1] not in ("IP4", "IP6"):
        raise T38SdpError(f"connection line {line!r} is not 'c=IN IP4|IP6 address'")
    return fields[2].split("/")[0]


def _params(attributes: list[str]) -> T38Params:
    params = T38Params()
    for attribute in attributes:
        name, _, value = attribute.partition(":")
        key, value = name.strip().lower(), value.strip()
        if key == "t38faxversion":
            params = replace(params, version=_number(value, name, MAX_T38_VERSION))
        elif key == "t38maxbitrate":
            params = replace(params, max_bit_rate=_number(value, name, MAX_BIT_RATE, low=300))
        elif key == "t38faxratemanagement":
            params = replace(params, rate_management=_choice(RateManagement, value, name))
        elif key == "t38faxmaxbuffer":
            params = replace(params, max_buffer=_number(value, name, MAX_OCTET_PARAM, low=1))
        elif key == "t38faxmaxdatagram":
            params = replace(params, max_datagram=_number(value, name, MAX_OCTET_PARAM, low=1))
        elif key == "t38faxudpec":
            params = replace(params, error_correction=_choice(ErrorCorrection, value, name))
        elif key == "t38faxfillbitremoval":
            params = replace(params, fill_bit_removal=_flag(value, name))
        elif key == "t38faxtranscodingmmr":
            params = replace(params, transcoding_mmr=_flag(value, name))
        elif key == "t38faxtranscodingjbig":
            params = replace(params, transcoding_jbig=_flag(value, name))
    return params


def _number(value: str, name: str, high: int, *, low: int = 0) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 6 and low <= int(value) <= high):
        raise T38SdpError(f"{name}: {value!r} is not a number in {low}..{high}")
    return int(value)


def _choice(kind: type[_E], value: str, name: str) -> _E:
    for member in kind:
        if member.value.lower() == value.lower():
            return member
    allowed = ", ".join(member.value for member in kind)
    raise T38SdpError(f"{name}: {value!r} is not one of {allowed}")


def _flag(value: str, name: str) -> bool:
    if value in ("", "1"):
        return True
    if value == "0":
        return False
    raise T38SdpError(f"{name}: {value!r} is not a flag (no value, 0 or 1)")
