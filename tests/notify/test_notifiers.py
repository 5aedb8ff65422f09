"""Status push and report mail as implementations of the Notifier protocol, against a real
push receiver and a real SMTP server on 127.0.0.1: every way a delivery ends is a
DeliveryResult, and neither assumes what the content is about."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import pytest

from faxgate.config import Settings
from faxgate.domain.notification import PushTarget
from faxgate.domain.report_options import ImageMode, PushAuth, ReportMailOptions
from faxgate.net.client import guarded_async_client
from faxgate.notify.base import DeliveryResult, N_contra, Notifier, PushNotice
from faxgate.notify.mail import MailNotifier, build_report_mail
from faxgate.notify.oauth import TokenCache
from faxgate.notify.push import PushNotifier
from faxgate.notify.signing import DELIVERY_HEADER, SIGNATURE_HEADER, verify

from .conftest import sample_report
from .receiver import PASSWORD, USER, ReceiverState
from .smtp_server import Mailbox, running_smtp

LOOPBACK = Settings(allow_networks=("127.0.0.0/8",))
INBOUND = b'{"event":"fax.received","faxId":"FI-1"}'  # not a job report: any content goes


async def _deliver(notifier: Notifier[N_contra], notice: N_contra) -> DeliveryResult:
    """What the outbox drainer does with any notifier."""
    return await notifier.deliver(notice)


def _push(target: PushTarget, delivery_id: str = "dlv-1") -> DeliveryResult:
    async def run() -> DeliveryResult:
        async with guarded_async_client(LOOPBACK) as client:
            notice = PushNotice(target, INBOUND, "application/json", delivery_id)
            return await _deliver(PushNotifier(client, TokenCache()), notice)

    return asyncio.run(run())


def test_a_push_is_sent_as_handed_and_signed_with_each_secret_of_a_rotation(
    receiver: ReceiverState,
) -> None:
    target = PushTarget(
        receiver.url("/basic"), PushAuth.HTTP_BASIC, USER, PASSWORD, secrets=("old", "new")
    )
    assert _push(target, "dlv-9") == DeliveryResult(True, False, 200, None)
    (got,) = receiver.received
    assert got.body == INBOUND
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers[DELIVERY_HEADER] == "dlv-9"
    for secret in ("old", "new"):
        assert verify(secret, got.headers[SIGNATURE_HEADER], got.body, now=time.time())


def test_an_unsigned_push_has_no_signature(receiver: ReceiverState) -> None:
    assert _push(PushTarget(receiver.url("/none"))).delivered
    (got,) = receiver.received
    assert SIGNATURE_HEADER not in got.headers


@pytest.mark.parametrize(
    ("path", "status", "retryable"), [("/reject", 400, False), ("/flaky", 503, True)]
)
def test_a_refused_push_is_a_result_that_says_whether_to_retry(
    receiver: ReceiverState, path: str, status: int, retryable: bool
) -> None:
    result = _push(PushTarget(receiver.url(path)))
    assert (result.delivered, result.retryable, result.status_code) == (False, retryable, status)
    assert result.error is not None and result.error.startswith(f"HTTP {status}")
    assert receiver.received == []


def _mail_settings(box: Mailbox) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=box.port, mail_from="fax@example.org")


def _message() -> EmailMessage:
    options = ReportMailOptions("ok@example.com", "fail@example.com", ImageMode.NEVER)
    message = build_report_mail(sample_report(), options, None, Settings(), False)
    assert message is not None
    return message


def test_a_mail_is_sent_as_handed() -> None:
    with running_smtp() as box:
        result = asyncio.run(_deliver(MailNotifier(_mail_settings(box)), _message()))
    assert result == DeliveryResult(True, False, 250, None)
    ((_sender, recipients, raw),) = box.messages
    assert recipients == ["ok@example.com"]
    assert f"X-Faxgate-Job: {sample_report().job_id}".encode() in raw


@pytest.mark.parametrize(
    ("reply", "retryable"), [("550 5.1.1 no such user", False), ("451 4.3.0 later", True)]
)
def test_a_refused_mail_is_a_result_that_says_whether_to_retry(reply: str, retryable: bool) -> None:
    with running_smtp() as box:
        box.reject_rcpt["ok@example.com"] = reply
        result = asyncio.run(_deliver(MailNotifier(_mail_settings(box)), _message()))
    assert (result.delivered, result.retryable, result.status_code) == (False, retryable, None)
    assert result.error is not None and reply.split(maxsplit=1)[0] in result.error
    assert box.messages == []


def test_no_mail_server_is_a_retryable_result() -> None:
    with running_smtp() as box:
        settings = _mail_settings(box)  # just stopped: nobody listens there now
    result = asyncio.run(_deliver(MailNotifier(settings), _message()))
    assert (result.delivered, result.retryable) == (False, True)
    assert result.error is not None and f"127.0.0.1:{box.port}" in result.error
