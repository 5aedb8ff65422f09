"""httpx clients for outbound requests: guarded, no proxies, no automatic redirects.

Redirects are not followed by httpx because each hop is a new URL to check; callers that
follow them (``fetch_url``) do so in their own loop, where every hop goes through the guard.
Bodies are read with ``iter_raw`` and decoded by net/decoding.py, never by httpx (which
decodes a whole network chunk at once).
"""

from __future__ import annotations

import ssl

import httpx

from faxgate import __version__
from faxgate.config import Settings
from faxgate.net.backend import AsyncGuardedTransport, GuardedTransport
from faxgate.net.decoding import accept_encoding
from faxgate.net.guard import NetworkPolicy

USER_AGENT = f"faxgate/{__version__}"


def _headers() -> dict[str, str]:
    # Only the codings decoded in bounded steps (net/decoding.py); bodies are read raw.
    return {"User-Agent": USER_AGENT, "Accept-Encoding": accept_encoding()}


def guarded_client(
    settings: Settings, timeout: float | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.Client:
    """``ssl_context``: trust other CAs than the public ones (default: certifi's bundle)."""
    policy = NetworkPolicy.from_settings(settings)
    return httpx.Client(
        transport=GuardedTransport(policy, ssl_context),
        timeout=settings.fetch_timeout_secs if timeout is None else timeout,
        follow_redirects=False,
        trust_env=False,
        headers=_headers(),
    )


def guarded_async_client(
    settings: Settings, timeout: float | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """The client the push code uses: push and OAuth2 token URLs pass the same guard."""
    policy = NetworkPolicy.from_settings(settings)
    return httpx.AsyncClient(
        transport=AsyncGuardedTransport(policy, ssl_context),
        timeout=settings.push_timeout_secs if timeout is None else timeout,
        follow_redirects=False,
        trust_env=False,
        headers=_headers(),
    )
