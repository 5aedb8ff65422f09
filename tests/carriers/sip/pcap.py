"""A classic pcap file of UDP datagrams on loopback, written with `struct` for tshark."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

_LINKTYPE_ETHERNET = 1
_LOOPBACK = bytes([127, 0, 0, 1])


def _ip_checksum(header: bytes) -> int:
    total: int = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_frame(payload: bytes, src_port: int, dst_port: int) -> bytes:
    """Ethernet, IPv4 (127.0.0.1 to itself) and UDP (no checksum, as IPv4 allows) headers."""
    udp = struct.pack("!HHHH", src_port, dst_port, 8 + len(payload), 0) + payload
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, _LOOPBACK, _LOOPBACK
    )
    ip = ip[:10] + struct.pack("!H", _ip_checksum(ip)) + ip[12:]
    return bytes(12) + b"\x08\x00" + ip + udp


def write_pcap(path: Path, frames: Iterable[bytes]) -> Path:
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, _LINKTYPE_ETHERNET))
        for n, frame in enumerate(frames):  # one every 20 ms
            seconds, micros = divmod(n * 20_000, 1_000_000)
            header = struct.pack("<IIII", 1_700_000_000 + seconds, micros, len(frame), len(frame))
            out.write(header)
            out.write(frame)
    return path
