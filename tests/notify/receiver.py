"""A real push receiver on 127.0.0.1: Basic, Digest (RFC 7616, MD5, qop=auth), an OAuth2
token endpoint with a Bearer-checking endpoint, and endpoints that fail on purpose (some
with compressed answers, decompression bombs among them)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus

from tests.bombs import brotli_bomb, stacked_gzip_bomb

USER, PASSWORD = "pushuser", "pa:ss wörd"
CLIENT_ID, CLIENT_SECRET = "client-1", "s3cret+/="
REALM = "faxgate-test"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ReceiverState:
    port: int = 0
    received: list[Received] = field(default_factory=list)  # accepted pushes only
    requests: list[str] = field(default_factory=list)  # every request path, in order
    nonces: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    token_lifetime: int = 3600
    fail_first: int = 1  # /flaky answers 503 this many times

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def revoke_tokens(self) -> None:
        self.tokens.clear()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (RFC 7616 MD5 is the point)


def _digest_params(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in header.removeprefix("Digest ").split(","):
        key, _, value = part.strip().partition("=")
        params[key] = value.strip('"')
    return params


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        state = self.server.state
        state.requests.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        routes: dict[str, Callable[[bytes], None]] = {
            "/none": self._accept,
            "/basic": self._basic,
            "/digest": self._digest,
            "/token": self._token,
            "/bearer": self._bearer,
            "/flaky": self._flaky,
            "/reject": lambda b: self._answer(400, b"bad report"),
            "/gone": lambda b: self._answer(410, b""),
            "/moved": self._moved,
            "/reject-gzip": lambda b: self._answer(
                400, gzip.compress(b"bad report, compressed"), {"Content-Encoding": "gzip"}
            ),
            "/bomb-gzip-gzip": lambda b: self._answer(
                500, stacked_gzip_bomb(), {"Content-Encoding": "gzip, gzip"}
            ),
            "/bomb-br": lambda b: self._answer(500, brotli_bomb(), {"Content-Encoding": "br"}),
            "/token-bomb": lambda b: self._answer(
                200, brotli_bomb(), {"Content-Encoding": "br", "Content-Type": "application/json"}
            ),
        }
        handler = routes.get(self.path)
        if handler is None:
            self._answer(404, b"")
        else:
            handler(body)

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _accept(self, body: bytes) -> None:
        self.server.state.received.append(Received(self.path, dict(self.headers.items()), body))
        self._answer(200, b"")

    def _basic(self, body: bytes) -> None:
        expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            self._answer(401, b"", {"WWW-Authenticate": f'Basic realm="{REALM}"'})
        else:
            self._accept(body)

    def _digest(self, body: bytes) -> None:
        state = self.server.state
        header = self.headers.get("Authorization", "")
        if header.startswith("Digest "):
            p = _digest_params(header)
            ha1 = _md5(f"{USER}:{REALM}:{PASSWORD}")
            ha2 = _md5(f"POST:{p.get('uri', '')}")
            expected = _md5(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
            if (
                p.get("username") == USER
                and p.get("realm") == REALM
                and p.get("nonce") in state.nonces
                and p.get("qop") == "auth"
                and p.get("uri") == self.path
                and p.get("response") == expected
            ):
                self._accept(body)
                return
        nonce = secrets.token_hex(16)
        state.nonces.add(nonce)
        challenge = f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'
        self._answer(401, b"", {"WWW-Authenticate": challenge})

    def _token(self, body: bytes) -> None:
        state = self.server.state
        form = parse_qs(body.decode())
        # The client form-encodes id and secret before Basic (RFC 6749 §2.3.1).
        encoded = self.headers.get("Authorization", "").removeprefix("Basic ")
        user, _, password = base64.b64decode(encoded or "Og==").decode().partition(":")
        client = (unquote_plus(user), unquote_plus(password))
        if client != (CLIENT_ID, CLIENT_SECRET) or form.get("grant_type") != ["client_credentials"]:
            self._answer(401, b'{"error":"invalid_client"}')
            return
        state.tokens_issued += 1
        token = f"tok-{state.tokens_issued}-{secrets.token_hex(4)}"
        state.tokens.add(token)
        payload = (
            f'{{"access_token":"{token}","token_type":"Bearer",'
            f'"expires_in":{state.token_lifetime}}}'
        )
        self._answer(200, payload.encode(), {"Content-Type": "application/json"})

    def _bearer(self, body: bytes) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if token in self.server.state.tokens:
            self._accept(body)
        else:
            self._answer(401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def _flaky(self, body: bytes) -> None:
        state = self.server.state
        if state.fail_first > 0:
            state.fail_first -= 1
            self._answer(503, b"try later")
        else:
            self._accept(body)

    def _moved(self, body: bytes) -> None:
        self._answer(307, b"", {"Location": "/none"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    state: ReceiverState


@contextmanager
def running_receiver() -> Iterator[ReceiverState]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.state = ReceiverState(port=httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd.state
    finally:
        httpd.shutdown()
        httpd.server_close()
