"""Content-Encoding of documents fetched by reference: decoded in bounded steps.

The bombs run in a child process under an address-space limit, and its peak memory is
measured: decoding a whole network chunk at once (what httpx does) blows past it.
"""

from __future__ import annotations

import pytest

from faxgate.config import Settings
from faxgate.net.fetch import FetchError, FetchFailure, fetch_url
from tests.bombs import CEILING, built_bomb, require_brotli, run_limited

from .conftest import LONG_DOC, Server

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))

_FETCH_IN_CHILD = """
    import sys
    from faxgate.config import Settings
    from faxgate.net.fetch import FetchError, fetch_url
    try:
        body = fetch_url(sys.argv[1], Settings(allow_networks=("127.0.0.0/8",)))
        print("fetched", len(body))
    except FetchError as exc:
        print("failed", exc.kind.value, exc)
"""


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/br", "/gzip-br"])
def test_compressed_documents_are_decoded(server: Server, path: str) -> None:
    if "br" in path:
        require_brotli()
    assert fetch_url(server.url(path), LOOPBACK) == LONG_DOC


@pytest.mark.parametrize("path", ["/gzip", "/br"])
def test_decoded_size_is_capped(server: Server, path: str) -> None:
    if "br" in path:
        require_brotli()
    with pytest.raises(FetchError) as info:
        fetch_url(server.url(path), LOOPBACK.with_overrides(fetch_max_bytes=10_000))
    assert info.value.kind is FetchFailure.TOO_LARGE
    assert "10000 bytes" in str(info.value)


def test_unknown_encoding_is_a_clear_error(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/zstd"), LOOPBACK)
    assert info.value.kind is FetchFailure.BAD_ENCODING
    assert "unsupported Content-Encoding 'zstd'" in str(info.value)


def test_damaged_data_is_a_clear_error(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/damaged-gzip"), LOOPBACK)
    assert info.value.kind is FetchFailure.BAD_ENCODING
    assert "gzip" in str(info.value)


@pytest.mark.parametrize("path", ["/bomb-gzip-gzip", "/bomb-br"])
def test_bomb_stops_at_the_size_limit_within_a_memory_ceiling(server: Server, path: str) -> None:
    if "br" in path:
        require_brotli()
    built_bomb(path)
    run = run_limited(_FETCH_IN_CHILD, server.url(path))
    assert run.returncode == 0, run.describe()
    assert "failed too_large" in run.stdout, run.describe()
    assert "FAXGATE_FETCH_MAX_BYTES" in run.stdout
    assert run.peak_rss < CEILING, run.describe()
