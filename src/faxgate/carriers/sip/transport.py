"""UDP and TCP for SIP on one port (RFC 3261 §18).

TCP is framed by Content-Length. A peer that sends more than MAX_MESSAGE_BYTES in one
message, more than MAX_HEADER_LINES header lines, no usable Content-Length, or nothing for
`idle_timeout` seconds loses its connection. Messages go up as bytes; parsing is the user
agent's job, so that everything that goes wrong with the input is counted in one place.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import re
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Literal

from faxgate.carriers.sip.wire import MAX_HEADER_LINES, MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)

_CONTENT_LENGTH_LINE = re.compile(
    rb"^(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,6})[ \t]*\r?\n$", re.I
)
_BIND_ATTEMPTS = 20
_MAX_RESOLVED = 64  # host names remembered; names come from the far end's headers too


@dataclass(frozen=True)
class Peer:
    """Where a message came from, or where it goes."""

    transport: Literal["udp", "tcp"]
    host: str
    port: int


class _TcpFraming(Exception):
    pass


class SipTransport:
    def __init__(
        self,
        host: str,
        port: int,
        on_message: Callable[[bytes, Peer], None],
        *,
        idle_timeout: float = 300.0,
        max_connections: int = 1024,
    ) -> None:
        self.host = host
        self.port = port
        self.dropped = 0  # input thrown away before parsing: oversized, unframeable
        self._on_message = on_message
        self._idle_timeout = idle_timeout
        self._max_connections = max_connections
        self._udp: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._connections: dict[tuple[str, int], asyncio.StreamWriter] = {}
        self._connecting: dict[tuple[str, int], list[bytes]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._resolved: dict[str, str] = {}  # host name -> IPv4 address

    async def start(self) -> int:
        """Bind UDP and TCP on the same port; with port 0, one free for both."""
        loop = asyncio.get_running_loop()
        for _ in range(_BIND_ATTEMPTS):
            udp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp_sock.bind((self.host, self.port))
            port: int = udp_sock.getsockname()[1]
            try:
                self._server = await asyncio.start_server(
                    self._accepted, self.host, port, limit=MAX_MESSAGE_BYTES
                )
            except OSError as exc:
                udp_sock.close()
                if exc.errno != errno.EADDRINUSE or self.port != 0:
                    raise
                continue
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), sock=udp_sock
            )
            self.port = port
            return port
        raise OSError(errno.EADDRINUSE, "no port free for both UDP and TCP")

    def send(self, data: bytes, peer: Peer) -> None:
        """Send without waiting; a TCP connection is opened on first use and reused."""
        if peer.transport == "udp":
            address = self._resolved.get(peer.host, peer.host)
            if _is_address(address):
                if self._udp is not None:
                    self._udp.sendto(data, (address, peer.port))
            else:  # a name: resolved off the loop (sendto would block on DNS)
                self._spawn(self._send_resolved(data, peer))
            return
        key = (peer.host, peer.port)
        writer = self._connections.get(key)
        if writer is not None and not writer.is_closing():
            writer.write(data)
        elif key in self._connecting:
            self._connecting[key].append(data)
        else:
            self._connecting[key] = [data]
            self._spawn(self._connect(key))

    async def _send_resolved(self, data: bytes, peer: Peer) -> None:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(peer.host, peer.port, family=socket.AF_INET)
        except OSError as exc:
            log.info("sip: cannot resolve %s: %s", peer.host, exc)
            return
        if len(self._resolved) >= _MAX_RESOLVED:
            self._resolved.clear()
        address = str(infos[0][4][0])
        self._resolved[peer.host] = address
        if self._udp is not None:
            self._udp.sendto(data, (address, peer.port))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._connections.values()):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._udp is not None:
            self._udp.close()

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, key: tuple[str, int]) -> None:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(key[0], key[1], limit=MAX_MESSAGE_BYTES), 10.0
            )
        except (OSError, TimeoutError) as exc:
            log.info("sip: no TCP connection to %s:%d: %s", key[0], key[1], exc)
            self._connecting.pop(key, None)  # the transactions time out (Timer B/F)
            return
        for data in self._connecting.pop(key, []):
            writer.write(data)
        await self._serve(reader, writer, key)

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("peername")
        if len(self._connections) >= self._max_connections:
            self.dropped += 1
            writer.close()
            return
        await self._serve(reader, writer, (address[0], address[1]))

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: tuple[str, int]
    ) -> None:
        self._connections[key] = writer
        peer = Peer("tcp", key[0], key[1])
        try:
            while True:
                message = await asyncio.wait_for(_read_frame(reader), self._idle_timeout)
                if message is None:
                    break
                self._on_message(message, peer)
        except (_TcpFraming, ValueError) as exc:  # ValueError: a line over the reader's limit
            self.dropped += 1
            log.info("sip: TCP from %s:%d closed: %s", key[0], key[1], exc)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            if self._connections.get(key) is writer:
                del self._connections[key]
            writer.close()


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """One message from a TCP stream; None at a clean end of stream."""
    lines: list[bytes] = []
    blank_lines = 0  # keep-alive CRLFs between messages (RFC 5626 §3.5.1)
    size = 0
    length: int | None = None
    while True:
        if len(lines) + blank_lines > MAX_HEADER_LINES:
            raise _TcpFraming("too many header lines")
        line = await reader.readline()
        if not line:
            if lines:
                raise _TcpFraming("stream ended inside a message")
            return None
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            raise _TcpFraming("message too large")
        if line in (b"\r\n", b"\n"):
            if lines:
                break
            blank_lines += 1
            continue
        lines.append(line)
        match = _CONTENT_LENGTH_LINE.match(line)
        if match:
            length = int(match.group(1))
    if length is None:
        raise _TcpFraming("no Content-Length")
    if size + length > MAX_MESSAGE_BYTES:
        raise _TcpFraming("message too large")
    body = await reader.readexactly(length) if length else b""
    return b"".join(lines) + b"\r\n" + body


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, transport: SipTransport) -> None:
        self._transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if not data.strip():  # keep-alive
            return
        self._transport._on_message(data, Peer("udp", str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        log.debug("sip: UDP error %s", exc)
