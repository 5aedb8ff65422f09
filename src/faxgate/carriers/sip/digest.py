"""Answering a 401 or 407 challenge once (RFC 3261 §22.2, digest by aiosipua.auth)."""

from __future__ import annotations

from aiosipua import SipRequest, SipResponse
from aiosipua.auth import SipDigestAuth, answer_challenge

from faxgate.carriers.sip.endpoint import SipEndpoint

CHALLENGES = (401, 407)


def authorize(
    request: SipRequest, challenge: SipResponse, endpoint: SipEndpoint
) -> tuple[str, str] | None:
    """The Authorization or Proxy-Authorization header answering `challenge` for `request`,
    or None when we have no credentials or cannot answer that challenge."""
    if endpoint.user is None or endpoint.password is None:
        return None
    return answer_challenge(
        SipDigestAuth(endpoint.user, endpoint.password),
        challenge,
        challenge.status_code,
        request.method,
        request.uri,
    )
