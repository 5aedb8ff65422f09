"""HTTP limits of a real `faxgate serve`, attacked over raw sockets as a hostile client would:
a header flood, connections that never finish their headers (slowloris), more connections
than the service allows, and more large bodies at once than its body budget."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import FaxgateServer, ServerFactory
from tests.e2e.raw_http import (
    WITHIN,
    closed_by_server,
    connect,
    health,
    read_reply,
    read_response,
    status,
)

pytestmark = pytest.mark.parametrize("db_url", [None])  # HTTP only: SQLite is enough

FLOOD_BYTES = 32 * 1024 * 1024
CHUNK = 256 * 1024


def _open_fds(server: FaxgateServer) -> int:
    assert server.process is not None
    return len(list(Path(f"/proc/{server.process.pid}/fd").iterdir()))


def test_header_flood_is_refused_while_it_is_read(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory()
    refused = False
    with connect(server) as flood:
        flood.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHost: faxgate\r\nX-Flood: ")
        for sent in range(0, FLOOD_BYTES, CHUNK):
            try:
                flood.sendall(b"a" * CHUNK)
            except (BrokenPipeError, ConnectionResetError):
                refused = True
                break
            if sent % (4 * 1024 * 1024) == 0:
                assert health(server) == 200
        if not refused:
            try:
                flood.sendall(b"\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                refused = True
        reply = read_reply(flood)
    # The answer is 431, unless the server's close overtook it (then the flood was cut off).
    assert refused or status(reply) == 431, reply[:200]
    if reply:
        assert status(reply) == 431, reply[:200]
    assert health(server) == 200


def test_too_many_header_fields_is_431(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_HTTP_MAX_HEADER_FIELDS="20")
    fields = b"".join(b"X-Field-%d: %d\r\n" % (i, i) for i in range(30))
    with connect(server) as sock:
        sock.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHost: faxgate\r\n" + fields + b"\r\n")
        reply = read_reply(sock)
    assert status(reply) == 431, reply[:200]
    assert b'"field":"headers"' in reply
    at_limit = b"".join(b"X-Field-%d: %d\r\n" % (i, i) for i in range(18))
    with connect(server) as sock:  # Host, 18 fields and Connection: 20, served
        sock.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHost: faxgate\r\n" + at_limit)
        sock.sendall(b"Connection: close\r\n\r\n")
        assert status(read_reply(sock)) == 200


def test_slowloris_connections_are_closed(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_HTTP_HEADER_TIMEOUT_SECS="1", FAXGATE_HTTP_KEEP_ALIVE_SECS="1")
    before = _open_fds(server)
    head = b"POST /rest/v1/99999TE/fax HTTP/1.1\r\nHost: faxgate\r\n"
    partial = [connect(server) for _ in range(30)]  # a request begun, never finished
    for sock in partial:
        sock.sendall(head)
    silent = [connect(server) for _ in range(10)]  # connected, nothing sent
    reused = [connect(server) for _ in range(10)]  # one request answered, the next one begun
    for sock in reused:
        sock.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHost: faxgate\r\n\r\n")
        assert status(read_response(sock)) == 200
        sock.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHo")
    attackers = partial + silent + reused
    try:
        deadline = time.monotonic() + WITHIN
        open_ones = list(attackers)
        while open_ones and time.monotonic() < deadline:
            for sock in open_ones:
                if sock in partial:  # a header line now and then, as slowloris does
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X-a: b\r\n")
            time.sleep(0.3)
            open_ones = [sock for sock in open_ones if not closed_by_server(sock)]
            assert health(server) == 200
        assert not open_ones, f"{len(open_ones)} of {len(attackers)} still open"
        # the server's sockets are gone too, not only our view of them
        while _open_fds(server) > before + 2:
            assert time.monotonic() < deadline, f"{_open_fds(server)} fds, {before} before"
            time.sleep(0.1)
    finally:
        for sock in attackers:
            sock.close()


def test_connections_over_the_cap_are_refused(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_HTTP_MAX_CONNECTIONS="20")
    held = [connect(server) for _ in range(20)]
    try:
        for sock in held:  # each one accepted and counted before the next connects
            sock.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHost: faxgate\r\n\r\n")
            assert status(read_response(sock)) == 200
        with connect(server) as extra:
            extra.sendall(b"GET /faxgate/v1/health HTTP/1.1\r\nHost: faxgate\r\n\r\n")
            reply = read_reply(extra)
        assert reply == b"" or status(reply) == 503, reply[:200]
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + WITHIN
    while True:  # the held ones' closes are seen by the server shortly
        try:
            if health(server) == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "never served again"
        time.sleep(0.1)
