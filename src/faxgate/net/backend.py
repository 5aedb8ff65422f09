"""httpx transports whose every TCP connection passes the address policy.

The check sits in httpcore's network backend, the one place where a host name becomes a
socket: the backend resolves the name itself, checks each resolved address, and opens the
socket to an address it checked. Checking the URL's host before the request instead would
leave a DNS-rebinding gap (the name could resolve differently a moment later) and would miss
redirects. TLS still verifies and sends SNI for the URL's host name, and the Host header is
untouched, because httpcore takes both from the URL, not from the socket.

Proxies are never used (``trust_env=False``): a proxy would make the connection on our behalf
to an address we never saw.
"""

from __future__ import annotations

import socket
import ssl
import typing

import anyio
import httpcore
import httpx

from faxgate.net.guard import NetworkPolicy, OutboundRefused

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def _addresses(infos: typing.Iterable[tuple[typing.Any, ...]]) -> list[str]:
    seen: list[str] = []
    for info in infos:
        host = str(info[4][0])
        if host not in seen:
            seen.append(host)
    return seen


def _allowed(policy: NetworkPolicy, host: str, addresses: list[str]) -> list[str]:
    """The resolved addresses we may connect to; refuse when there is none.

    Refused addresses are skipped rather than failing the whole name, so a host with one public
    and one private record still works, and the private one is never connected to.
    """
    if not addresses:
        raise httpcore.ConnectError(f"{host} did not resolve to any address")
    allowed = [a for a in addresses if policy.refusal(a) is None]
    if not allowed:
        reason = str(policy.refusal(addresses[0]))
        raise OutboundRefused(reason if host == addresses[0] else f"{host}: {reason}")
    return allowed


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: NetworkPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last: Exception | None = None
        for address in _allowed(self._policy, host, _addresses(infos)):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc  # try the next checked address, as getaddrinfo clients do
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise OutboundRefused("unix sockets are not allowed for outbound requests")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: NetworkPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last: Exception | None = None
        for address in _allowed(self._policy, host, _addresses(infos)):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("unix sockets are not allowed for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: NetworkPolicy, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False)
        # httpx offers no public hook for the network backend, so the pool it built is replaced
        # by one that differs only in the backend. tests/net prove the guard is in effect.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(policy),
        )


class AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: NetworkPolicy, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            network_backend=AsyncGuardedBackend(policy),
        )
