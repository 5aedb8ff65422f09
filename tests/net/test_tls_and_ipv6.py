"""The guard connects to the checked address yet keeps the URL's host for TLS and Host."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from faxgate.config import Settings
from faxgate.net.client import guarded_client
from faxgate.net.fetch import FetchError, FetchFailure, fetch_url
from faxgate.net.guard import OutboundRefused


class _Echo(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.headers.get("Host", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


def _run(httpd: ThreadingHTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, list[str]]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    seen_sni: list[str] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def remember_sni(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        seen_sni.append(name or "")

    context.sni_callback = remember_sni
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    for port in _run(httpd):
        yield port, cert, seen_sni


def test_tls_keeps_sni_host_and_verification_for_the_url_name(
    tls_server: tuple[int, Path, list[str]],
) -> None:
    port, cert, seen_sni = tls_server
    trust = ssl.create_default_context(cafile=str(cert))
    settings = Settings(allow_networks=("127.0.0.0/8", "::1/128"))
    with guarded_client(settings, ssl_context=trust) as client:
        response = client.get(f"https://localhost:{port}/")
        assert response.text == f"localhost:{port}"  # Host header from the URL
        assert seen_sni == ["localhost"]  # SNI from the URL, though we dialled an IP
        # The certificate names localhost only: by IP, verification must fail.
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|IP address"):
            client.get(f"https://127.0.0.1:{port}/")
    with guarded_client(Settings(), ssl_context=trust) as client, pytest.raises(OutboundRefused):
        client.get(f"https://localhost:{port}/")


@pytest.fixture
def v6_port() -> Iterator[int]:
    try:
        httpd = _V6Server(("::1", 0), _Echo)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    yield from _run(httpd)


def test_ipv6_loopback_is_refused_by_default_and_allowed_by_its_network(v6_port: int) -> None:
    url = f"http://[::1]:{v6_port}/"
    with pytest.raises(FetchError) as info:
        fetch_url(url, Settings(allow_networks=("127.0.0.0/8",)))
    assert info.value.kind is FetchFailure.REFUSED
    assert "::1" in str(info.value)
    assert fetch_url(url, Settings(allow_networks=("::1/128",))) == f"[::1]:{v6_port}".encode()
