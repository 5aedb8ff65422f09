"""HTTP/1.1 over raw sockets, for attacks no well-behaved client library would send."""

from __future__ import annotations

import socket

import httpx

from tests.e2e.conftest import FaxgateServer

WITHIN = 30.0  # bound of every wait in the tests; a healthy server needs a fraction of it


def health(server: FaxgateServer) -> int:
    return httpx.get(f"{server.url}/faxgate/v1/health", timeout=10).status_code


def connect(server: FaxgateServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def status(reply: bytes) -> int | None:
    """The status code of the first response in `reply`, or None."""
    if not reply.startswith(b"HTTP/1.1 "):
        return None
    return int(reply[9:12])


def read_reply(sock: socket.socket) -> bytes:
    """What the server sent until it closed (or reset) the connection."""
    reply = b""
    sock.settimeout(WITHIN)
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return reply


def read_response(sock: socket.socket) -> bytes:
    """One whole response (headers and Content-Length body); the connection stays open."""
    reply = b""
    sock.settimeout(WITHIN)
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a whole response: {reply[:200]!r}"
        reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a whole response: {reply[:200]!r}"
        body += chunk
    return head + b"\r\n\r\n" + body


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed the connection (it may have answered first)."""
    sock.setblocking(False)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)
