"""OAuth2 client-credentials tokens for status push, cached until shortly before expiry.

The client authenticates to the token endpoint with HTTP Basic (RFC 6749 §2.3.1: every
authorization server must support it), with client id and secret form-encoded first as the
RFC asks. The token URL goes through the same guarded client as the push itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import httpx

from faxgate.net.decoding import ContentEncodingError, read_prefix
from faxgate.net.guard import check_scheme

EXPIRY_MARGIN_SECS = 30.0
DEFAULT_LIFETIME_SECS = 60.0  # when the server gives no expires_in: ask again soon
_MAX_ERROR_BODY = 300
_MAX_TOKEN_ANSWER = 64 * 1024  # a token answer is a few hundred bytes of JSON


class TokenError(Exception):
    def __init__(self, message: str, retryable: bool, status_code: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status_code = status_code


@dataclass(frozen=True)
class TokenRequest:
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        # The secret is part of the key (a changed secret must not reuse an old token) but
        # only as a digest, so the cache holds no second copy of it.
        digest = hashlib.sha256(self.client_secret.encode()).hexdigest()
        return (self.token_url, self.client_id, digest, self.scope or "")


@dataclass
class TokenCache:
    """Access tokens by (token URL, client, secret, scope); one cache per worker process."""

    margin_secs: float = EXPIRY_MARGIN_SECS
    _tokens: dict[tuple[str, str, str, str], tuple[str, float]] = field(default_factory=dict)

    async def get(self, client: httpx.AsyncClient, request: TokenRequest, now: float) -> str:
        cached = self._tokens.get(request.key)
        if cached is not None and now < cached[1]:
            return cached[0]
        token, lifetime = await fetch_token(client, request)
        self._tokens[request.key] = (token, now + max(lifetime - self.margin_secs, 0.0))
        return token

    def invalidate(self, request: TokenRequest) -> None:
        self._tokens.pop(request.key, None)


async def fetch_token(client: httpx.AsyncClient, request: TokenRequest) -> tuple[str, float]:
    """A new access token and its lifetime in seconds. Raises TokenError."""
    url = request.token_url
    check_scheme(url, httpx.URL(url).scheme)
    form = {"grant_type": "client_credentials"}
    if request.scope:
        form["scope"] = request.scope
    auth = httpx.BasicAuth(quote_plus(request.client_id), quote_plus(request.client_secret))
    try:
        post = client.build_request("POST", url, data=form, headers={"Accept": "application/json"})
        # Streamed and read in bounded steps: the answer comes from a configured URL.
        response = await client.send(post, auth=auth, stream=True)
        try:
            body, complete = await read_prefix(response, _MAX_TOKEN_ANSWER)
        finally:
            await response.aclose()
    except httpx.TimeoutException as exc:
        raise TokenError(f"token URL {url}: timed out", retryable=True) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise TokenError(f"token URL {url}: {exc}", retryable=False) from exc
    except httpx.TransportError as exc:
        raise TokenError(f"token URL {url}: {exc or type(exc).__name__}", True) from exc
    except ContentEncodingError as exc:
        raise TokenError(f"token URL {url}: {exc}", False, response.status_code) from exc
    status = response.status_code
    if status != 200:
        detail = body[:_MAX_ERROR_BODY].decode("utf-8", "replace").strip()
        raise TokenError(
            f"token URL {url} answered HTTP {status}" + (f": {detail}" if detail else ""),
            retryable=status >= 500 or status in (408, 429),
            status_code=status,
        )
    if not complete:
        raise TokenError(
            f"token URL {url}: the answer is larger than {_MAX_TOKEN_ANSWER} bytes", False, 200
        )
    return _parse_token(url, body)


def _parse_token(url: str, body: bytes) -> tuple[str, float]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise TokenError(f"token URL {url}: the answer is not JSON", False, 200) from exc
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        raise TokenError(f"token URL {url}: the answer has no access_token", False, 200)
    token_type = str(payload.get("token_type", "bearer"))
    if token_type.lower() != "bearer":
        raise TokenError(f"token URL {url}: token_type {token_type!r} is not Bearer", False, 200)
    try:
        lifetime = float(payload.get("expires_in", DEFAULT_LIFETIME_SECS))
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME_SECS
    return token, lifetime
