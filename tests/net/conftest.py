"""A real HTTP server on a loopback address, in a thread, with a few fixed routes."""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.bombs import brotli_bomb, stacked_gzip_bomb

DOC = b"%PDF-1.4 a small document\n"
LONG_DOC = b"%PDF-1.4 " + b"a longer document, compressed on the wire " * 5000


def _brotli(data: bytes) -> bytes:
    import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: PLC0415

    return bytes(brotli.compress(data))


_ENCODED: dict[str, Callable[[], tuple[str, bytes]]] = {
    "/gzip": lambda: ("gzip", gzip.compress(LONG_DOC)),
    "/deflate": lambda: ("deflate", zlib.compress(LONG_DOC)),
    "/br": lambda: ("br", _brotli(LONG_DOC)),
    "/gzip-br": lambda: ("gzip, br", _brotli(gzip.compress(LONG_DOC))),
    "/zstd": lambda: ("zstd", b"(\xb5/\xfd not really zstd"),
    "/damaged-gzip": lambda: ("gzip", gzip.compress(LONG_DOC)[:-40]),
    "/bomb-gzip-gzip": lambda: ("gzip, gzip", stacked_gzip_bomb()),
    "/bomb-br": lambda: ("br", brotli_bomb()),
}


@dataclass
class Server:
    host: str
    port: int
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        state = self.server.state
        state.hits.append(self.path)
        path, _, query = self.path.partition("?")
        if path == "/doc":
            self._send(200, DOC)
        elif path == "/redirect":
            self._redirect(query.removeprefix("to="))
        elif path.startswith("/loop/"):
            self._redirect(f"/loop/{int(path.removeprefix('/loop/')) + 1}")
        elif path == "/big":  # declared length
            self._send(200, b"x" * 4096)
        elif path == "/big-chunked":  # no length: the cap must apply while streaming
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(8):
                self.wfile.write(b"200\r\n" + b"y" * 512 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path in _ENCODED:  # served as they are, with the coding the name says
            encoding, body = _ENCODED[path]()
            self._send(200, body, {"Content-Encoding": encoding})
        elif path == "/slow":
            time.sleep(3)
            self._send(200, DOC)
        else:
            self._send(404, b"not here")

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a /slow handler must not hold up the end of a test
    state: Server

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up early (size cap, timeout) is what some tests are about


def _serve(host: str) -> Iterator[Server]:
    httpd = _HTTPServer((host, 0), _Handler)
    httpd.state = Server(host, httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd.state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def other_server() -> Iterator[Server]:
    """A second loopback address, outside an allow-list of 127.0.0.1/32 (Linux routes 127/8)."""
    yield from _serve("127.0.0.2")
