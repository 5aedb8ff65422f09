"""Both ends of a UDPTL stream: redundancy added when sending, order restored when receiving.

The receiver holds packets that arrive after a gap, hoping a later packet's redundancy (or
the late packet itself) fills it, and never holds more than `window` sequence numbers: a
packet further ahead gives the oldest gaps up as lost. The carrier calls `flush()` when a
gap has lasted longer than the fax can wait (T.30 timers are seconds, a held V.21 frame
must not be). Sequence numbers wrap at 65536; one half of the circle counts as behind.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from faxgate.carriers.sip.udptl import (
    MAX_SECONDARIES,
    SEQ_MODULO,
    UdptlError,
    UdptlPacket,
    encode,
)

_HALF = SEQ_MODULO // 2
DEFAULT_WINDOW = 8  # reordering on a trunk spans a few packets; waiting longer only delays


class UdptlSender:
    """Numbers outgoing IFPs and adds the last `redundancy` ones, within the datagram size."""

    def __init__(self, *, redundancy: int = 3, max_datagram: int | None = None) -> None:
        if not 0 <= redundancy <= MAX_SECONDARIES:
            raise ValueError(f"redundancy {redundancy} outside 0..{MAX_SECONDARIES}")
        self._recent: deque[bytes] = deque(maxlen=redundancy)
        self._max_datagram = max_datagram
        self._seq = 0

    def datagram(self, ifp: bytes) -> bytes:
        """The next datagram; the oldest secondaries go first when it would be too large."""
        secondaries = tuple(reversed(self._recent))
        while True:
            data = encode(UdptlPacket(self._seq, ifp, secondaries))
            if self._max_datagram is None or len(data) <= self._max_datagram:
                break
            if not secondaries:
                raise UdptlError(
                    f"an IFP of {len(ifp)} octets exceeds T38FaxMaxDatagram {self._max_datagram}"
                )
            secondaries = secondaries[:-1]
        self._recent.append(ifp)
        self._seq = (self._seq + 1) % SEQ_MODULO
        return data


@dataclass(frozen=True, slots=True)
class ReceivedIfp:
    seq: int
    ifp: bytes
    recovered: bool  # taken from the redundancy of a later packet


@dataclass(slots=True)
class ReceiveCounts:
    """For the attempt history: how the line treated this stream."""

    packets: int = 0
    delivered: int = 0
    recovered: int = 0
    lost: int = 0  # given up: neither it nor a redundant copy came within the window
    stale: int = 0  # duplicates, and packets arriving after their number was delivered or lost


class UdptlReceiver:
    def __init__(self, *, window: int = DEFAULT_WINDOW) -> None:
        if not 1 <= window <= _HALF:
            raise ValueError(f"window {window} outside 1..{_HALF}")
        self._window = window
        self._next: int | None = None  # the sequence number to deliver next
        self._held: dict[int, ReceivedIfp] = {}  # ahead of _next, fewer than window apart
        self.counts = ReceiveCounts()

    @property
    def waiting(self) -> bool:
        """Packets are held behind a gap (the carrier arms its flush timer)."""
        return bool(self._held)

    def push(self, packet: UdptlPacket) -> list[ReceivedIfp]:
        """The IFPs that this packet makes deliverable, in sequence order."""
        self.counts.packets += 1
        if self._next is None:
            # The very first packets may be lost too: start where its redundancy reaches.
            usable = 0
            for ifp in packet.secondaries[: self._window - 1]:
                if not ifp:
                    break
                usable += 1
            self._next = (packet.seq - usable) % SEQ_MODULO
        ahead = self._ahead(packet.seq)
        if ahead >= _HALF:
            self.counts.stale += 1
            return []
        if packet.seq in self._held:  # held as a copy, or a duplicate: its redundancy may help
            self.counts.stale += 1
        # Redundant copies of the packets just before this one; some may fill gaps.
        spare = {
            (packet.seq - back) % SEQ_MODULO: ifp
            for back, ifp in enumerate(packet.secondaries[:ahead], start=1)
            if ifp
        }
        out: list[ReceivedIfp] = []
        if ahead >= self._window:
            out += self._give_up(ahead - self._window + 1, spare)
        for seq, ifp in spare.items():
            if self._ahead(seq) < self._ahead(packet.seq) and seq not in self._held:
                self._held[seq] = ReceivedIfp(seq, ifp, recovered=True)
        self._held.setdefault(packet.seq, ReceivedIfp(packet.seq, packet.primary, recovered=False))
        return out + self._deliver_ready()

    def flush(self) -> list[ReceivedIfp]:
        """Give up the gaps: everything held, in order, the missing ones counted lost."""
        if not self._held:
            return []
        return self._give_up(max(self._ahead(seq) for seq in self._held) + 1, {})

    def _ahead(self, seq: int) -> int:
        assert self._next is not None
        return (seq - self._next) % SEQ_MODULO

    def _give_up(self, steps: int, spare: dict[int, bytes]) -> list[ReceivedIfp]:
        """Move _next forward by `steps`: deliver what is held or spare there, count the rest lost.

        Only held and spare numbers are visited (fewer than window + MAX_SECONDARIES), so a
        packet half the circle ahead costs no more than one just past the window.
        """
        assert self._next is not None
        found = {seq: ReceivedIfp(seq, ifp, recovered=True) for seq, ifp in spare.items()}
        found.update(self._held)
        passed = sorted((s for s in found if self._ahead(s) < steps), key=self._ahead)
        out = [self._count(found[seq]) for seq in passed]
        for seq in passed:
            self._held.pop(seq, None)
        self.counts.lost += steps - len(passed)
        self._next = (self._next + steps) % SEQ_MODULO
        return out + self._deliver_ready()

    def _deliver_ready(self) -> list[ReceivedIfp]:
        assert self._next is not None
        out = []
        while self._next in self._held:  # at most window rounds: that is all that is held
            out.append(self._count(self._held.pop(self._next)))
            self._next = (self._next + 1) % SEQ_MODULO
        return out

    def _count(self, item: ReceivedIfp) -> ReceivedIfp:
        self.counts.delivered += 1
        self.counts.recovered += item.recovered
        return item
