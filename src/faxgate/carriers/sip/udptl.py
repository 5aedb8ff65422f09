"""UDPTL: T.38 IFP packets framed for UDP (ITU-T T.38 §9.1, ASN.1 aligned PER), no sockets.

    UDPTLPacket ::= SEQUENCE {
        seq-number          INTEGER (0..65535),                 -- two octets
        primary-ifp-packet  open type,                          -- length, IFP octets
        error-recovery      CHOICE {                            -- one octet: 0x00 or 0x80
            secondary-ifp-packets  SEQUENCE OF open type,       -- count, then each IFP
            fec-info  SEQUENCE { fec-npackets INTEGER,          -- length, octets
                                 fec-data SEQUENCE OF OCTET STRING } } }

A length is one octet below 128, two (first bit set) below 16384; the fragmented form for
longer fields is refused, since no IFP comes near it. Secondaries carry the packets sent
just before, newest first: secondaries[0] is seq-1. We send redundancy only (our SDP never
offers FEC); a received FEC packet is decoded strictly and its primary used, but its FEC
data repairs nothing. Every decode fault raises `UdptlError` naming it. Adding the
redundancy and recovering from it is `udptl_stream`'s part.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQ_MODULO = 1 << 16
MAX_IFP_OCTETS = 4096  # spandsp's IFPs stay below 400; anything far larger is garbage
MAX_SECONDARIES = 16  # redundancy deeper than this buys nothing on a real line
_MAX_FEC_INTEGER_OCTETS = 4
_SHORT_LENGTH_LIMIT = 0x80
_LONG_LENGTH_LIMIT = 0x4000
_SECONDARIES, _FEC = 0x00, 0x80


class UdptlError(ValueError):
    """A UDPTL packet that cannot be decoded or encoded; the message names the fault."""


@dataclass(frozen=True, slots=True)
class FecInfo:
    npackets: int
    data: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class UdptlPacket:
    seq: int
    primary: bytes
    secondaries: tuple[bytes, ...] = ()  # newest first: secondaries[i] is seq - 1 - i
    fec: FecInfo | None = None  # set instead of secondaries when the sender used FEC


def encode(packet: UdptlPacket, *, max_ifp: int = MAX_IFP_OCTETS) -> bytes:
    """The datagram for one packet; an IFP that is empty or too long is refused."""
    if not 0 <= packet.seq < SEQ_MODULO:
        raise UdptlError(f"seq-number {packet.seq} outside 0..65535")
    out = bytearray(packet.seq.to_bytes(2, "big"))
    _put_open(out, packet.primary, "primary IFP", max_ifp)
    if packet.fec is None:
        out.append(_SECONDARIES)
        _put_count(out, len(packet.secondaries), "secondary IFPs")
        for n, ifp in enumerate(packet.secondaries):
            _put_open(out, ifp, f"secondary IFP {n}", max_ifp)
    else:
        if packet.secondaries:
            raise UdptlError("a packet carries secondary IFPs or FEC, not both")
        out.append(_FEC)
        npackets = packet.fec.npackets
        if not 0 <= npackets < 1 << (8 * _MAX_FEC_INTEGER_OCTETS - 1):
            raise UdptlError(f"fec-npackets {npackets} out of range")
        octets = npackets.to_bytes(max(1, (npackets.bit_length() + 8) // 8), "big")
        _put_length(out, len(octets))
        out += octets
        _put_count(out, len(packet.fec.data), "fec-data entries")
        for n, data in enumerate(packet.fec.data):
            _put_open(out, data, f"fec-data {n}", max_ifp)
    return bytes(out)


def decode(
    datagram: bytes, *, max_ifp: int = MAX_IFP_OCTETS, max_secondaries: int = MAX_SECONDARIES
) -> UdptlPacket:
    """The packet in one datagram, every length checked against what is left and the limits."""
    reader = _Reader(datagram)
    seq = int.from_bytes(reader.take(2, "seq-number"), "big")
    primary = reader.open_type("primary IFP", max_ifp)
    if not primary:
        raise UdptlError("primary IFP is empty")
    # The choice is the first bit; the padding after it is ignored, as Asterisk does.
    recovery = reader.take(1, "error-recovery choice")[0] & _FEC
    secondaries: tuple[bytes, ...] = ()
    fec = None
    if recovery == _SECONDARIES:
        count = reader.count("secondary IFPs", max_secondaries)
        # Some senders pad the list with empty entries; they are kept and recover nothing.
        secondaries = tuple(reader.open_type(f"secondary IFP {n}", max_ifp) for n in range(count))
    else:
        size = reader.length("fec-npackets length")
        if not 1 <= size <= _MAX_FEC_INTEGER_OCTETS:
            raise UdptlError(f"fec-npackets of {size} octets (1..{_MAX_FEC_INTEGER_OCTETS})")
        npackets = int.from_bytes(reader.take(size, "fec-npackets"), "big", signed=True)
        if npackets < 0:
            raise UdptlError(f"fec-npackets {npackets} is negative")
        count = reader.count("fec-data entries", max_secondaries)
        data = tuple(reader.open_type(f"fec-data {n}", max_ifp) for n in range(count))
        fec = FecInfo(npackets, data)
    if reader.left:
        raise UdptlError(f"{reader.left} octets after the end of the packet")
    return UdptlPacket(seq, primary, secondaries, fec)


def _put_length(out: bytearray, value: int) -> None:
    if value < _SHORT_LENGTH_LIMIT:
        out.append(value)
    else:
        out += (0x8000 | value).to_bytes(2, "big")


def _put_count(out: bytearray, count: int, what: str) -> None:
    if count > MAX_SECONDARIES:
        raise UdptlError(f"{count} {what}, at most {MAX_SECONDARIES}")
    _put_length(out, count)


def _put_open(out: bytearray, data: bytes, what: str, max_ifp: int) -> None:
    if not 1 <= len(data) <= min(max_ifp, _LONG_LENGTH_LIMIT - 1):
        raise UdptlError(f"{what} of {len(data)} octets (1..{max_ifp})")
    _put_length(out, len(data))
    out += data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    @property
    def left(self) -> int:
        return len(self._data) - self._at

    def take(self, size: int, what: str) -> bytes:
        if size > self.left:
            raise UdptlError(
                f"truncated: {what} needs {size} octets at octet {self._at}, {self.left} left"
            )
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk

    def length(self, what: str) -> int:
        first = self.take(1, what)[0]
        if first < _SHORT_LENGTH_LIMIT:
            return first
        if first & 0x40:
            raise UdptlError(f"{what} uses the fragmented form (16384 octets or more)")
        return ((first & 0x3F) << 8) | self.take(1, what)[0]

    def count(self, what: str, limit: int) -> int:
        count = self.length(f"count of {what}")
        if count > limit:
            raise UdptlError(f"{count} {what}, at most {limit}")
        return count

    def open_type(self, what: str, max_ifp: int) -> bytes:
        size = self.length(f"{what} length")
        if size > max_ifp:
            raise UdptlError(f"{what} of {size} octets, at most {max_ifp}")
        return self.take(size, what)
