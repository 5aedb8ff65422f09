"""Our SDP bodies (audio and image) and what we need from the far end's audio media.

We offer PCMU (payload type 0) and PCMA (8), 20 ms packets, and no telephone-event: a fax
modem's tones must stay audio. The far end's address is its audio section's c= line, else
the session's; it must be an IP address (a host name would need a blocking lookup).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from faxgate.carriers.sip.t38_sdp import MAX_SDP_OCTETS, T38Params, media_lines

CODEC_PAYLOAD_TYPES = {"PCMU": 0, "PCMA": 8}
_PAYLOAD_CODECS = {pt: name for name, pt in CODEC_PAYLOAD_TYPES.items()}


class MediaError(ValueError):
    """The far end's media cannot be used; the message names the fault."""


@dataclass(frozen=True, slots=True)
class AudioMedia:
    address: str
    port: int
    codecs: tuple[str, ...]  # PCMU/PCMA in the far end's order of preference


@dataclass(frozen=True, slots=True)
class SessionOrigin:
    """The o= line's session id and version (RFC 3264: the version rises with each offer)."""

    session_id: int
    version: int


def audio_sdp(port: int, codecs: tuple[str, ...], host: str, origin: SessionOrigin) -> str:
    unknown = [c for c in codecs if c not in CODEC_PAYLOAD_TYPES]
    if unknown or not codecs:
        raise ValueError(f"codecs {codecs!r}: only PCMU and PCMA are offered")
    types = [CODEC_PAYLOAD_TYPES[c] for c in codecs]
    lines = [
        f"m=audio {port} RTP/AVP {' '.join(map(str, types))}",
        *(f"a=rtpmap:{pt} {codec}/8000" for pt, codec in zip(types, codecs, strict=True)),
        "a=ptime:20",
        "a=sendrecv",
    ]
    return _session(host, origin, lines)


def image_sdp(port: int, params: T38Params, host: str, origin: SessionOrigin) -> str:
    return _session(host, origin, media_lines(port, params))


def _session(host: str, origin: SessionOrigin, media: list[str]) -> str:
    family = "IP6" if ipaddress.ip_address(host).version == 6 else "IP4"
    lines = [
        "v=0",
        f"o=faxgate {origin.session_id} {origin.version} IN {family} {host}",
        "s=faxgate",
        f"c=IN {family} {host}",
        "t=0 0",
        *media,
    ]
    return "\r\n".join(lines) + "\r\n"


def parse_audio_media(sdp: str) -> AudioMedia:
    """The first audio section with PCMU or PCMA; MediaError naming what is missing."""
    if len(sdp) > MAX_SDP_OCTETS:
        raise MediaError(f"SDP body of {len(sdp)} characters, at most {MAX_SDP_OCTETS}")
    session_address: str | None = None
    sections: list[tuple[list[str], str | None]] = []  # (m= fields, section c= address)
    for raw in sdp.splitlines():  # bounded by MAX_SDP_OCTETS
        line = raw.strip()
        if line.startswith("m="):
            sections.append((line[2:].split(), None))
        elif line.startswith("c="):
            address = _address(line)
            if sections:
                sections[-1] = (sections[-1][0], address)
            else:
                session_address = address
    audio = [(f, a) for f, a in sections if len(f) >= 4 and f[0] == "audio"]
    if not audio:
        raise MediaError("no audio media in the SDP")
    for fields, section_address in audio:
        if not fields[2].startswith("RTP/AVP"):
            continue
        port_text = fields[1].split("/")[0]
        if not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) <= 65535):
            continue  # port 0: a declined stream
        codecs = tuple(
            _PAYLOAD_CODECS[int(pt)] for pt in fields[3:] if pt.isdigit() and int(pt) in (0, 8)
        )
        if not codecs:
            continue
        where = section_address if section_address is not None else session_address
        if where is None:
            raise MediaError("no c= line for the audio media")
        return AudioMedia(where, int(port_text), codecs)
    raise MediaError("no PCMU or PCMA in the SDP's audio media")


def g711_codec(sdp: str) -> str | None:
    """The codec start_audio sends for this SDP: the first of PCMU/PCMA it lists. None:
    neither (or unusable audio), so a call offering it cannot be answered with G.711."""
    try:
        return parse_audio_media(sdp).codecs[0]
    except MediaError:
        return None


def _address(line: str) -> str:
    fields = line[2:].split()
    if len(fields) != 3 or fields[0] != "IN" or fields[1] not in ("IP4", "IP6"):
        raise MediaError(f"connection line {line!r} is not 'c=IN IP4|IP6 address'")
    address = fields[2].split("/")[0]
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise MediaError(f"connection address {address!r} is not an IP address") from None
    return address
