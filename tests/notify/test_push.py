"""deliver_push against a real receiver on 127.0.0.1, in both formats, with each auth method."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from faxgate.config import Settings
from faxgate.domain.notification import PushTarget
from faxgate.domain.report_options import PushAuth
from faxgate.net.client import guarded_async_client
from faxgate.notify.base import DeliveryResult
from faxgate.notify.oauth import TokenCache, TokenRequest
from faxgate.notify.payload import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    XML_NAMESPACE,
    PushContext,
    report_json,
    report_xml,
)
from faxgate.notify.push import deliver_push
from faxgate.notify.signing import DELIVERY_HEADER, SIGNATURE_HEADER, verify

from .conftest import parse_xml, sample_report
from .receiver import CLIENT_ID, CLIENT_SECRET, PASSWORD, USER, ReceiverState

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))
NOW = 1_800_000_000.0


def _push(
    target: PushTarget,
    body: bytes = b"{}",
    content_type: str = JSON_CONTENT_TYPE,
    *,
    secret: str | None = None,
    tokens: TokenCache | None = None,
    settings: Settings = LOOPBACK,
    delivery_id: str = "dlv-1",
    now: float = NOW,
) -> DeliveryResult:
    async def run() -> DeliveryResult:
        async with guarded_async_client(settings) as client:
            return await deliver_push(
                client,
                target,
                body,
                content_type,
                delivery_id,
                secret,
                tokens or TokenCache(),
                now,
            )

    return asyncio.run(run())


def _targets(receiver: ReceiverState) -> dict[PushAuth, PushTarget]:
    return {
        PushAuth.NONE: PushTarget(receiver.url("/none")),
        PushAuth.HTTP_BASIC: PushTarget(
            receiver.url("/basic"), PushAuth.HTTP_BASIC, USER, PASSWORD
        ),
        PushAuth.HTTP_DIGEST: PushTarget(
            receiver.url("/digest"), PushAuth.HTTP_DIGEST, USER, PASSWORD
        ),
        PushAuth.OAUTH2: PushTarget(
            receiver.url("/bearer"),
            PushAuth.OAUTH2,
            CLIENT_ID,
            CLIENT_SECRET,
            token_url=receiver.url("/token"),
        ),
    }


@pytest.mark.parametrize("auth", list(PushAuth))
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_push_in_each_format_with_each_auth_method(
    receiver: ReceiverState, auth: PushAuth, fmt: str
) -> None:
    report = sample_report()
    if fmt == "xml":
        body, content_type = report_xml(report, PushContext()), XML_CONTENT_TYPE
    else:
        body, content_type = report_json(report), JSON_CONTENT_TYPE
    result = _push(_targets(receiver)[auth], body, content_type, delivery_id="dlv-42")
    assert result == DeliveryResult(True, False, 200, None)
    [got] = receiver.received
    assert got.headers["Content-Type"] == content_type
    assert got.headers[DELIVERY_HEADER] == "dlv-42"
    assert SIGNATURE_HEADER not in got.headers
    if fmt == "xml":
        root = parse_xml(got.body)
        assert root.tag == f"{{{XML_NAMESPACE}}}faxJobReport"
        assert root.findtext(f"{{{XML_NAMESPACE}}}jobId") == report.job_id
    else:
        assert json.loads(got.body)["jobId"] == report.job_id


def test_wrong_basic_credentials_are_not_retried(receiver: ReceiverState) -> None:
    target = PushTarget(receiver.url("/basic"), PushAuth.HTTP_BASIC, USER, "wrong")
    result = _push(target)
    assert (result.delivered, result.retryable, result.status_code) == (False, False, 401)
    assert receiver.received == []


def test_digest_is_a_real_challenge_and_response(receiver: ReceiverState) -> None:
    target = PushTarget(receiver.url("/digest"), PushAuth.HTTP_DIGEST, USER, PASSWORD)
    assert _push(target).delivered
    assert receiver.requests == ["/digest", "/digest"]  # challenge, then the answer
    assert receiver.received[0].headers["Authorization"].startswith("Digest ")
    wrong = PushTarget(receiver.url("/digest"), PushAuth.HTTP_DIGEST, USER, "wrong")
    assert _push(wrong).status_code == 401


def test_oauth2_token_is_cached_until_expiry(receiver: ReceiverState) -> None:
    target = _targets(receiver)[PushAuth.OAUTH2]
    tokens = TokenCache()
    receiver.token_lifetime = 600
    assert _push(target, tokens=tokens, now=NOW).delivered
    assert _push(target, tokens=tokens, now=NOW + 500).delivered
    assert receiver.tokens_issued == 1
    # 600 s lifetime minus the 30 s margin: at +580 a new token is fetched.
    assert _push(target, tokens=tokens, now=NOW + 580).delivered
    assert receiver.tokens_issued == 2


def test_oauth2_refetches_once_when_the_receiver_rejects_the_token(
    receiver: ReceiverState,
) -> None:
    target = _targets(receiver)[PushAuth.OAUTH2]
    tokens = TokenCache()
    assert _push(target, tokens=tokens).delivered
    receiver.revoke_tokens()
    assert _push(target, tokens=tokens).delivered
    assert receiver.tokens_issued == 2
    assert len(receiver.received) == 2


def test_oauth2_bad_client_secret_is_not_retried(receiver: ReceiverState) -> None:
    target = PushTarget(
        receiver.url("/bearer"),
        PushAuth.OAUTH2,
        CLIENT_ID,
        "nope",
        token_url=receiver.url("/token"),
    )
    result = _push(target)
    assert (result.delivered, result.retryable) == (False, False)
    assert result.error is not None
    assert "invalid_client" in result.error
    assert receiver.requests == ["/token"]  # the push itself was never sent


def test_oauth2_without_token_url(receiver: ReceiverState) -> None:
    result = _push(PushTarget(receiver.url("/bearer"), PushAuth.OAUTH2, CLIENT_ID, "x"))
    assert (result.delivered, result.retryable) == (False, False)


def test_503_is_retryable_then_delivered_with_the_same_delivery_id(
    receiver: ReceiverState,
) -> None:
    target = PushTarget(receiver.url("/flaky"))
    first = _push(target, delivery_id="dlv-7")
    assert (first.delivered, first.retryable, first.status_code) == (False, True, 503)
    assert first.error == "HTTP 503: try later"
    second = _push(target, delivery_id="dlv-7")
    assert second.delivered
    assert receiver.received[0].headers[DELIVERY_HEADER] == "dlv-7"


def test_4xx_is_not_retryable(receiver: ReceiverState) -> None:
    for path, status in [("/reject", 400), ("/gone", 410)]:
        result = _push(PushTarget(receiver.url(path)))
        assert (result.delivered, result.retryable, result.status_code) == (False, False, status)
    assert _push(PushTarget(receiver.url("/reject"))).error == "HTTP 400: bad report"


def test_redirect_is_not_followed(receiver: ReceiverState) -> None:
    result = _push(PushTarget(receiver.url("/moved")))
    assert (result.delivered, result.retryable, result.status_code) == (False, False, 307)
    assert receiver.received == []


def test_network_error_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _push(PushTarget(f"http://127.0.0.1:{port}/none"))
    assert (result.delivered, result.retryable, result.status_code) == (False, True, None)


def test_push_and_token_urls_pass_the_guard(receiver: ReceiverState) -> None:
    result = _push(PushTarget(receiver.url("/none")), settings=Settings())
    assert (result.delivered, result.retryable) == (False, False)
    assert result.error is not None
    assert "FAXGATE_ALLOW_NETWORKS" in result.error
    # Push URL on an allowed network, token URL refused: the token is never requested.
    token_only_refused = PushTarget(
        "http://127.0.0.1:9/never",
        PushAuth.OAUTH2,
        CLIENT_ID,
        CLIENT_SECRET,
        token_url=f"http://127.0.0.2:{receiver.port}/token",
    )
    result = _push(token_only_refused, settings=Settings(allow_networks=("127.0.0.1/32",)))
    assert (result.delivered, result.retryable) == (False, False)
    assert result.error is not None
    assert "127.0.0.2" in result.error
    assert receiver.requests == []


def test_non_http_scheme_is_refused() -> None:
    result = _push(PushTarget("ftp://127.0.0.1/x"))
    assert (result.delivered, result.retryable) == (False, False)


def test_signature_verified_by_the_receiver(receiver: ReceiverState) -> None:
    body = report_json(sample_report())
    assert _push(PushTarget(receiver.url("/none")), body, secret="acct-secret").delivered
    [got] = receiver.received
    header = got.headers[SIGNATURE_HEADER]
    assert header.startswith(f"t={int(NOW)},v1=")
    assert verify("acct-secret", header, got.body, now=NOW + 5)
    assert not verify("other-secret", header, got.body, now=NOW + 5)


def test_credentials_stay_out_of_reprs() -> None:
    target = PushTarget("https://x.example/", PushAuth.OAUTH2, "id", "top-secret", "https://t/")
    assert "top-secret" not in repr(target)
    assert "top-secret" not in repr(TokenRequest("https://t/", "id", "top-secret"))
