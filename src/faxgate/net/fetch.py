"""Fetch a document by reference (sync: called from render worker processes).

Errors raised here, all ``FetchError`` with a ``kind``::

    FetchError
      REFUSED             the URL or a resolved address is not allowed (FAXGATE_ALLOW_NETWORKS)
      BAD_URL             not a URL we can request
      TIMEOUT             the whole fetch took longer than fetch_timeout_secs
      TOO_LARGE           the body is larger than fetch_max_bytes (on the wire or decoded)
      BAD_ENCODING        a Content-Encoding we do not decode, or data damaged for it
      TOO_MANY_REDIRECTS  more than fetch_max_redirects hops
      HTTP_STATUS         the server answered 4xx/5xx (``status_code`` is set)
      NETWORK             DNS failure, connection refused or reset, TLS failure
"""

from __future__ import annotations

import time
from enum import StrEnum

import httpx

from faxgate.config import Settings
from faxgate.net.client import guarded_client
from faxgate.net.decoding import (
    BoundedDecoder,
    ContentEncodingError,
    DecodedTooLarge,
)
from faxgate.net.guard import OutboundRefused, check_scheme


class FetchFailure(StrEnum):
    REFUSED = "refused"
    BAD_URL = "bad_url"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    BAD_ENCODING = "bad_encoding"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_STATUS = "http_status"
    NETWORK = "network"


class FetchError(Exception):
    def __init__(self, message: str, kind: FetchFailure, status_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status_code = status_code

    @property
    def transient(self) -> bool:
        """Worth trying again later: the same request may well succeed."""
        if self.kind is FetchFailure.HTTP_STATUS:
            return self.status_code is not None and (
                self.status_code >= 500 or self.status_code in (408, 429)
            )
        return self.kind in (FetchFailure.TIMEOUT, FetchFailure.NETWORK)


def fetch_url(url: str, settings: Settings) -> bytes:
    """GET ``url`` and return its body, following redirects with every hop checked."""
    deadline = time.monotonic() + settings.fetch_timeout_secs
    with guarded_client(settings) as client:
        current = url
        try:
            request = client.build_request("GET", url)
            for _hop in range(settings.fetch_max_redirects + 1):
                current = str(request.url)
                check_scheme(current, request.url.scheme)
                _limit_time(request, deadline)
                response = client.send(request, stream=True)
                try:
                    if response.is_redirect and response.next_request is not None:
                        request = response.next_request
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            f"{current}: the server answered HTTP {response.status_code}"
                            f" {response.reason_phrase}".rstrip(),
                            FetchFailure.HTTP_STATUS,
                            response.status_code,
                        )
                    return _read_capped(response, current, settings, deadline)
                finally:
                    response.close()
            raise FetchError(
                f"{url}: more than {settings.fetch_max_redirects} redirects (last: {current})",
                FetchFailure.TOO_MANY_REDIRECTS,
            )
        except OutboundRefused as exc:
            raise FetchError(f"{current}: {exc}", FetchFailure.REFUSED) from exc
        except httpx.TimeoutException as exc:
            raise _timeout(current, settings) from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"{current}: not a usable URL: {exc}", FetchFailure.BAD_URL) from exc
        except httpx.HTTPError as exc:
            message = str(exc) or type(exc).__name__
            raise FetchError(f"{current}: {message}", FetchFailure.NETWORK) from exc


def _limit_time(request: httpx.Request, deadline: float) -> None:
    # Each hop and each socket operation gets only what is left of the overall budget.
    remaining = max(deadline - time.monotonic(), 0.001)
    request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()


def _timeout(url: str, settings: Settings) -> FetchError:
    return FetchError(
        f"{url}: no complete answer within {settings.fetch_timeout_secs:g} s",
        FetchFailure.TIMEOUT,
    )


def _read_capped(response: httpx.Response, url: str, settings: Settings, deadline: float) -> bytes:
    """The decoded body, at most fetch_max_bytes both on the wire and decoded.

    The raw stream is read and decoded here in bounded steps: httpx would decode each
    network chunk whole, and a few kilobytes of brotli become gigabytes."""
    limit = settings.fetch_max_bytes
    too_large = FetchError(
        f"{url}: the document is larger than {limit} bytes (FAXGATE_FETCH_MAX_BYTES)",
        FetchFailure.TOO_LARGE,
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    encoding = response.headers.get("Content-Encoding", "")
    try:
        decoder = BoundedDecoder(encoding, max_output=limit)
        body = bytearray()
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > limit:
                raise too_large
            for piece in decoder.feed(chunk):
                body += piece
                # A server trickling bytes never trips the per-read timeout; this bounds the
                # total, and a slow decode too.
                if time.monotonic() > deadline:
                    raise _timeout(url, settings)
            if time.monotonic() > deadline:
                raise _timeout(url, settings)
        for piece in decoder.end():
            body += piece
    except DecodedTooLarge as exc:
        raise too_large from exc
    except ContentEncodingError as exc:
        raise FetchError(f"{url}: {exc}", FetchFailure.BAD_ENCODING) from exc
    return bytes(body)
