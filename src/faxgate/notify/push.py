"""Deliver one status push: one POST (two for an expired OAuth2 token), classified for retry.

Outcome rules: 2xx delivered; network errors, timeouts, 5xx, 408 and 429 retryable; other 4xx
not (the receiver rejected the request, repeating it cannot help); 3xx not followed (a push is
a POST to a configured URL; following a redirect could silently send reports elsewhere) and not
retryable; a refused address (FAXGATE_ALLOW_NETWORKS) or a bad URL not retryable.
"""

from __future__ import annotations

import time

import httpx

from faxgate.domain.notification import Channel, PushTarget
from faxgate.domain.redact import without_password
from faxgate.domain.report_options import PushAuth
from faxgate.net.decoding import ContentEncodingError, read_prefix
from faxgate.net.guard import OutboundRefused, check_scheme
from faxgate.notify.base import DeliveryResult, PushNotice
from faxgate.notify.oauth import TokenCache, TokenError, TokenRequest
from faxgate.notify.signing import DELIVERY_HEADER, SIGNATURE_HEADER, signature_header

_MAX_ERROR_BODY = 300  # bytes of a failed answer kept in the attempt log


class PushNotifier:
    """The status push as a `Notifier`: one client (made by guarded_async_client) and one
    OAuth2 token cache for every push of a process."""

    channel = Channel.PUSH

    def __init__(self, client: httpx.AsyncClient, tokens: TokenCache) -> None:
        self.client = client
        self.tokens = tokens

    async def deliver(self, notice: PushNotice) -> DeliveryResult:
        target = notice.target
        return await deliver_push(
            self.client,
            target,
            notice.body,
            notice.content_type,
            notice.delivery_id,
            list(target.secrets) or None,
            self.tokens,
            time.time(),
        )


async def deliver_push(
    client: httpx.AsyncClient,
    target: PushTarget,
    body: bytes,
    content_type: str,
    delivery_id: str,
    signature_secret: str | list[str] | None,
    tokens: TokenCache,
    now: float,
) -> DeliveryResult:
    """POST ``body`` to the target once (``client`` must come from guarded_async_client)."""
    headers = {"Content-Type": content_type, DELIVERY_HEADER: delivery_id}
    if signature_secret:
        headers[SIGNATURE_HEADER] = signature_header(signature_secret, int(now), body)
    try:
        check_scheme(target.url, httpx.URL(target.url).scheme)
        if target.auth_method is PushAuth.OAUTH2:
            return await _post_with_token(client, target, body, headers, tokens, now)
        return await _post(client, target.url, body, headers, _auth(target))
    except TokenError as exc:
        return DeliveryResult(False, exc.retryable, None, _hide(f"OAuth2: {exc}", target))
    except OutboundRefused as exc:
        return DeliveryResult(False, False, None, _hide(str(exc), target))
    except httpx.TimeoutException:
        return DeliveryResult(False, True, None, _hide(f"{target.url}: timed out", target))
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        error = f"{target.url}: not a usable URL: {exc}"
        return DeliveryResult(False, False, None, _hide(error, target))
    except httpx.TransportError as exc:
        error = f"{target.url}: {exc or type(exc).__name__}"
        return DeliveryResult(False, True, None, _hide(error, target))


def _hide(error: str, target: PushTarget) -> str:
    """The error as stored and logged: no password of a URL, nor the target's credentials
    (a library message may quote them)."""
    for url in (target.url, target.token_url):
        if url:
            error = error.replace(url, without_password(url))
    if target.credentials and len(target.credentials) >= 4:  # shorter would blank words
        error = error.replace(target.credentials, "***")
    return error


def _auth(target: PushTarget) -> httpx.Auth | None:
    user, password = target.principal or "", target.credentials or ""
    if target.auth_method is PushAuth.HTTP_BASIC:
        return httpx.BasicAuth(user, password)
    if target.auth_method is PushAuth.HTTP_DIGEST:
        return httpx.DigestAuth(user, password)  # answers the receiver's 401 challenge
    return None


async def _post_with_token(
    client: httpx.AsyncClient,
    target: PushTarget,
    body: bytes,
    headers: dict[str, str],
    tokens: TokenCache,
    now: float,
) -> DeliveryResult:
    if not target.token_url:
        return DeliveryResult(False, False, None, "OAUTH2 push needs a token URL")
    request = TokenRequest(
        target.token_url, target.principal or "", target.credentials or "", target.scope
    )
    token = await tokens.get(client, request, now)
    result = await _post(client, target.url, body, headers | _bearer(token), None)
    if result.status_code == 401:
        # The receiver may have revoked or expired the token before we expected: once more
        # with a fresh one, never in a loop.
        tokens.invalidate(request)
        token = await tokens.get(client, request, now)
        result = await _post(client, target.url, body, headers | _bearer(token), None)
    return result


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    auth: httpx.Auth | None,
) -> DeliveryResult:
    request = client.build_request("POST", url, content=body, headers=headers)
    # Streamed so a receiver answering with a huge body cannot fill our memory.
    response = await client.send(request, auth=auth, stream=True)
    try:
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(True, False, status, None)
        excerpt = await _excerpt(response)
        if 300 <= status < 400:
            where = without_password(response.headers.get("Location", "?"))
            error = f"HTTP {status} redirect to {where} not followed; configure the final URL"
            return DeliveryResult(False, False, status, error)
        retryable = status >= 500 or status in (408, 429)
        error = f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
        return DeliveryResult(False, retryable, status, error)
    finally:
        await response.aclose()


async def _excerpt(response: httpx.Response) -> str:
    """The start of an error answer, decoded in bounded steps (httpx would decode a whole
    network chunk: a few kilobytes of brotli make gigabytes, at every retry)."""
    try:
        data, _complete = await read_prefix(response, _MAX_ERROR_BODY)
    except ContentEncodingError as exc:
        return f"(answer not shown: {exc})"
    return data.decode("utf-8", "replace").strip()
