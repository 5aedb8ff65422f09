"""What both media legs do with their UDP socket: bounded reads from the far end only.

Each 20 ms step reads what has arrived (at most READS_PER_STEP datagrams; a flood waits in
the kernel's buffer, which drops the excess). A datagram from any address but the one the
far end announced is dropped and counted: RTP and UDPTL are symmetric, so a packet from
elsewhere is a stranger's. Sends never block: a full socket buffer drops the packet.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator

READS_PER_STEP = 32  # 1 datagram per step is normal; a few more after a stall
MAX_DATAGRAM = 2048  # an RTP G.711 packet is 172 octets, a UDPTL one a few hundred


class MediaSocket:
    def __init__(
        self, sock: socket.socket, remote: tuple[str, int], packets: Counter[str], kind: str
    ) -> None:
        self.sock = sock
        self.remote = remote
        self._packets = packets
        self._foreign = f"{kind}_foreign"
        self._oversized = f"{kind}_oversized"
        self._send_dropped = f"{kind}_send_dropped"

    def received(self) -> Iterator[bytes]:
        """The datagrams from the far end that are waiting, oldest first."""
        for _ in range(READS_PER_STEP):
            try:
                data, address = self.sock.recvfrom(MAX_DATAGRAM + 1)
            except BlockingIOError:
                return
            except OSError:  # e.g. an ICMP error queued on the socket: nothing to read
                continue
            if (address[0], address[1]) != self.remote:
                self._packets[self._foreign] += 1
            elif len(data) > MAX_DATAGRAM:
                self._packets[self._oversized] += 1
            else:
                yield data

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendto(data, self.remote)
        except OSError:  # BlockingIOError (buffer full) among them: the packet is lost
            self._packets[self._send_dropped] += 1
            return False
        return True
