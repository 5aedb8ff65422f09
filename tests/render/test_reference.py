"""Documents given by `reference`: fetched at render time through faxgate.net.fetch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import RenderFailure, SourceDocument, render_fax
from tests.render.conftest import RECIPIENT, make_job, text_pdf

PDF = text_pdf(2)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/letter.pdf":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_reference_is_fetched_when_its_network_is_allowed(server: str, tmp_path: Path) -> None:
    settings = Settings(allow_networks=("127.0.0.0/8",), rasteriser="pdfium")
    document = SourceDocument("letter.pdf", None, f"{server}/letter.pdf", None)
    count = render_fax(make_job((document,)), RECIPIENT, settings, tmp_path, tmp_path / "o.tiff")
    assert count == 2


def test_reference_wins_over_inline_data(server: str, tmp_path: Path) -> None:
    settings = Settings(allow_networks=("127.0.0.0/8",), rasteriser="pdfium")
    document = SourceDocument("letter.pdf", text_pdf(5), f"{server}/letter.pdf", None)
    count = render_fax(make_job((document,)), RECIPIENT, settings, tmp_path, tmp_path / "o.tiff")
    assert count == 2


@pytest.mark.parametrize(
    ("path", "settings", "words"),
    [
        ("/letter.pdf", Settings(), "could not be fetched"),  # loopback is not allowed by default
        ("/missing.pdf", Settings(allow_networks=("127.0.0.0/8",)), "404"),
    ],
)
def test_fetch_failures_are_missing_files(
    server: str, tmp_path: Path, path: str, settings: Settings, words: str
) -> None:
    document = SourceDocument("letter.pdf", None, server + path, None)
    with pytest.raises(RenderFailure) as caught:
        render_fax(make_job((document,)), RECIPIENT, settings, tmp_path, tmp_path / "o.tiff")
    assert caught.value.status is FaxStatus.MISSING_FAX_FILE
    assert words in caught.value.reason
