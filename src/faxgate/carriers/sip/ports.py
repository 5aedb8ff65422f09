"""The UDP port range of the media sockets (FAXGATE_SIP_RTP_PORTS, e.g. "40000-49999").

Only even ports are handed out (RTP convention: RTCP would take the odd one above). The
operating system is the record of what is taken: a port whose bind fails is skipped, and
closing the socket gives it back. A cursor spreads consecutive calls over the range, so a
port just closed is not reused at once (late packets of the old call would reach the new).
"""

from __future__ import annotations

import errno
import ipaddress
import socket

MIN_PORT = 1024  # below: privileged ports, never media


class PortPool:
    def __init__(self, spec: str) -> None:
        self.low, self.high = parse_range(spec)
        self._cursor = self.low

    @property
    def size(self) -> int:
        """How many even ports the range holds."""
        return (self.high - self.low) // 2 + 1

    def bind_udp(self, host: str) -> socket.socket:
        """A non-blocking UDP socket bound to `host` on a free even port of the range."""
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
        for _ in range(self.size):  # every even port at most once
            port = self._cursor
            self._cursor = port + 2 if port + 2 <= self.high else self.low
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.bind((host, port))
            except OSError as exc:
                sock.close()
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise
            sock.setblocking(False)
            return sock
        raise OSError(errno.EADDRINUSE, f"no free UDP port in {self.low}-{self.high} on {host}")


def parse_range(spec: str) -> tuple[int, int]:
    """(first even port, last port) of "LOW-HIGH"; ValueError naming the fault."""
    low_text, dash, high_text = spec.strip().partition("-")
    if not dash:
        raise ValueError(f"port range {spec!r} is not LOW-HIGH (e.g. 40000-49999)")
    bounds = []
    for text in (low_text.strip(), high_text.strip()):
        if not (text.isascii() and text.isdigit() and len(text) <= 5):
            raise ValueError(f"port range {spec!r}: {text!r} is not a port number")
        bounds.append(int(text))
    low, high = bounds
    if not MIN_PORT <= low <= high <= 65535:
        raise ValueError(f"port range {spec!r}: need {MIN_PORT} <= LOW <= HIGH <= 65535")
    low += low % 2
    if low > high:
        raise ValueError(f"port range {spec!r} holds no even port")
    return low, high
