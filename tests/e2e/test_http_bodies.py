"""Request bodies at a real `faxgate serve`: more large bodies at once than the body budget,
and a big body validated while /health keeps answering."""

from __future__ import annotations

import base64
import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.e2e.conftest import FaxgateServer, ServerFactory
from tests.e2e.raw_http import WITHIN, connect, health, read_reply, read_response, status

pytestmark = pytest.mark.parametrize("db_url", [None])  # HTTP only: SQLite is enough


def _job_body(size: int) -> bytes:
    """A valid job whose JSON is about `size` bytes (a text document of that size)."""
    text = base64.b64encode(b"fax\n" * (size * 3 // 16)).decode()
    body = {
        "recipients": [{"number": "+4930123456"}],
        "documents": [{"name": "a.txt", "data": text}],
    }
    return json.dumps(body).encode()


def _request(server: FaxgateServer, body: bytes) -> bytes:
    token = base64.b64encode(f"{server.login}:{server.password}".encode())
    return (
        b"POST /rest/v1/%s/fax HTTP/1.1\r\nHost: faxgate\r\nAuthorization: Basic %s\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % (server.cust_nr.encode(), token, len(body))
    )


def _body_bytes_held(server: FaxgateServer) -> float:
    metrics = httpx.get(f"{server.url}/faxgate/v1/metrics", timeout=10).text
    for line in metrics.splitlines():
        if line.startswith("faxgate_http_body_bytes_held "):
            return float(line.split()[1])
    raise AssertionError("no faxgate_http_body_bytes_held in the metrics")


@contextmanager
def _held_bodies(server: FaxgateServer, body: bytes, count: int) -> Iterator[list[socket.socket]]:
    """`count` requests whose bodies are sent but for their last byte (so they stay held)."""
    socks = [connect(server) for _ in range(count)]
    try:
        for sock in socks:
            sock.sendall(_request(server, body) + body[:-1])
        yield socks
    finally:
        for sock in socks:
            sock.close()


def test_large_bodies_at_once_are_bounded(faxgate_factory: ServerFactory) -> None:
    mib = 1024 * 1024
    server = faxgate_factory(
        FAXGATE_HTTP_BODY_BUDGET_BYTES=str(20 * mib),
        FAXGATE_HTTP_BODY_WAIT_SECS="1",
        FAXGATE_WORKERS_IN_SERVE="false",  # intake only: no render of the accepted jobs
    )
    body = _job_body(8 * mib)
    with _held_bodies(server, body, 2) as held:
        deadline = time.monotonic() + WITHIN
        while _body_bytes_held(server) < 2 * (len(body) - 1):  # the server has read them
            assert time.monotonic() < deadline, _body_bytes_held(server)
            time.sleep(0.1)
        with connect(server) as third:
            sending = threading.Thread(target=third.sendall, args=(_request(server, body) + body,))
            sending.start()
            reply = read_response(third)
            sending.join(WITHIN)
        assert status(reply) == 503, reply[:300]
        assert b"retry-after" in reply.lower()
        assert health(server) == 200
        for sock in held:  # the held ones complete normally
            sock.sendall(body[-1:])
            assert status(read_response(sock)) == 201
    with connect(server) as later:  # and their room is free again
        later.sendall(_request(server, body) + body)
        assert status(read_response(later)) == 201


def _slow_job_body() -> bytes:
    """A job within every cap whose validation takes about a second of CPU (1000 recipients
    with 100 properties and 100 alternative numbers each), refused for its last number: its
    answer follows its validation at once, with nothing to wait for in between."""
    properties = [{"key": f"key{i}", "value": "v" * 20} for i in range(100)]
    recipients = [
        {
            "number": f"+4930{1_000_000 + n}",
            "properties": properties,
            "alternativeNumbers": ["+4930123456"] * 100,
        }
        for n in range(1000)
    ]
    recipients[-1]["number"] = "not a number"
    document = {"name": "a.txt", "data": base64.b64encode(b"fax\n").decode()}
    return json.dumps({"recipients": recipients, "documents": [document]}).encode()


def _readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


def test_health_answers_while_a_big_job_is_validated(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_WORKERS_IN_SERVE="false")
    body = _slow_job_body()
    with connect(server) as sock:
        sock.sendall(_request(server, body) + body[:-1])
        deadline = time.monotonic() + WITHIN
        # The server holds all but the last byte, so validation has not started yet; the
        # last byte then starts it, and /health is asked at once (no slow metrics poll in
        # between that would eat into the second the validation takes).
        while _body_bytes_held(server) < len(body) - 1:
            assert time.monotonic() < deadline, _body_bytes_held(server)
            time.sleep(0.01)
        assert not _readable(sock), "answered before the body was complete"
        sock.sendall(body[-1:])
        assert health(server) == 200
        assert not _readable(sock), "the job was answered before /health was"
        answer = read_response(sock)
    assert status(answer) == 400
    assert b'"field":"recipients[999].number"' in answer


def test_a_body_that_stops_coming_is_408(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_HTTP_BODY_TIMEOUT_SECS="1")
    body = _job_body(256 * 1024)
    with connect(server) as sock:
        sock.sendall(_request(server, body) + body[: len(body) // 2])
        reply = read_reply(sock)  # until the server closes the connection
    assert status(reply) == 408, reply[:300]
    assert b'"field":"body"' in reply
    deadline = time.monotonic() + WITHIN
    while _body_bytes_held(server):  # what it had sent is given back
        assert time.monotonic() < deadline, _body_bytes_held(server)
        time.sleep(0.1)
