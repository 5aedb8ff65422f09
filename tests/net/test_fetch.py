"""fetch_url against real HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from faxgate.config import Settings
from faxgate.net.client import guarded_async_client, guarded_client
from faxgate.net.fetch import FetchError, FetchFailure, fetch_url
from faxgate.net.guard import OutboundRefused

from .conftest import DOC, Server

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))
ONLY_127_0_0_1 = Settings(allow_networks=("127.0.0.1/32",))


def test_loopback_is_refused_by_default(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/doc"), Settings())
    assert info.value.kind is FetchFailure.REFUSED
    assert "127.0.0.1" in str(info.value)
    assert "FAXGATE_ALLOW_NETWORKS" in str(info.value)
    assert server.hits == []  # refused before any connection


def test_a_name_is_checked_by_what_it_resolves_to(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(f"http://localhost:{server.port}/doc", Settings())
    assert info.value.kind is FetchFailure.REFUSED
    assert "localhost" in str(info.value)
    assert server.hits == []


def test_allowed_network_fetches_the_document(server: Server) -> None:
    assert fetch_url(server.url("/doc"), LOOPBACK) == DOC
    assert fetch_url(f"http://localhost:{server.port}/doc", LOOPBACK) == DOC


def test_redirect_within_allowed_networks_is_followed(server: Server) -> None:
    assert fetch_url(server.url("/redirect?to=/doc"), LOOPBACK) == DOC


def test_redirect_from_allowed_to_refused_target_is_refused(
    server: Server, other_server: Server
) -> None:
    target = other_server.url("/doc")
    with pytest.raises(FetchError) as info:
        fetch_url(server.url(f"/redirect?to={target}"), ONLY_127_0_0_1)
    assert info.value.kind is FetchFailure.REFUSED
    assert "127.0.0.2" in str(info.value)
    assert other_server.hits == []  # the refused hop was never connected to


def test_redirect_to_another_scheme_is_refused(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/redirect?to=file:///etc/passwd"), LOOPBACK)
    assert info.value.kind is FetchFailure.REFUSED


def test_redirect_cap(server: Server) -> None:
    settings = LOOPBACK.with_overrides(fetch_max_redirects=3)
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/loop/0"), settings)
    assert info.value.kind is FetchFailure.TOO_MANY_REDIRECTS
    assert "more than 3 redirects" in str(info.value)
    assert len(server.hits) == 4  # the first request and three redirects, no more


def test_size_cap_with_declared_length(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/big"), LOOPBACK.with_overrides(fetch_max_bytes=1000))
    assert info.value.kind is FetchFailure.TOO_LARGE
    assert "1000 bytes" in str(info.value)


def test_size_cap_while_streaming(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/big-chunked"), LOOPBACK.with_overrides(fetch_max_bytes=1000))
    assert info.value.kind is FetchFailure.TOO_LARGE


def test_exactly_at_the_cap_is_fine(server: Server) -> None:
    body = fetch_url(server.url("/big"), LOOPBACK.with_overrides(fetch_max_bytes=4096))
    assert len(body) == 4096


def test_timeout(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/slow"), LOOPBACK.with_overrides(fetch_timeout_secs=0.3))
    assert info.value.kind is FetchFailure.TIMEOUT
    assert info.value.transient


def test_not_found(server: Server) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(server.url("/nothing"), LOOPBACK)
    assert info.value.kind is FetchFailure.HTTP_STATUS
    assert info.value.status_code == 404
    assert "404" in str(info.value)
    assert not info.value.transient


def test_connection_refused_is_a_network_error() -> None:
    # A port nobody listens on: bind-and-close gives one that was just free.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as info:
        fetch_url(f"http://127.0.0.1:{port}/doc", LOOPBACK)
    assert info.value.kind is FetchFailure.NETWORK
    assert info.value.transient


def test_non_http_scheme_is_refused() -> None:
    with pytest.raises(FetchError) as info:
        fetch_url("file:///etc/passwd", Settings())
    assert info.value.kind is FetchFailure.REFUSED


def test_sync_client_raises_refused(server: Server) -> None:
    with guarded_client(Settings()) as client, pytest.raises(OutboundRefused):
        client.get(server.url("/doc"))


def test_async_client_applies_the_same_guard(server: Server) -> None:
    async def run() -> None:
        async with guarded_async_client(Settings()) as client:
            with pytest.raises(OutboundRefused):
                await client.get(server.url("/doc"))
        async with guarded_async_client(LOOPBACK) as client:
            response = await client.get(server.url("/doc"))
            assert response.content == DOC
            # Redirects are not followed by the client: each hop must be checked by the caller.
            response = await client.get(server.url("/redirect?to=/doc"))
            assert response.status_code == 302

    asyncio.run(run())


def test_async_client_does_not_use_environment_proxies(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would connect on our behalf to an address the guard never saw.
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://192.0.2.1:9")

    async def run() -> httpx.Response:
        async with guarded_async_client(LOOPBACK) as client:
            return await client.get(server.url("/doc"))

    assert asyncio.run(run()).content == DOC
