"""Status push and report mail from the pipeline's outbox, against real local receivers:
queued with the job's completion, retried, recorded per attempt, replayable."""

from __future__ import annotations

import json
import socket
import time
import xml.etree.ElementTree as ET
from email import message_from_bytes
from email.message import Message
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import select

from faxgate.domain.job import AccountChanges, PushFormat, StatusPush
from faxgate.notify.signing import verify
from faxgate.sealing.keys import secret_box
from faxgate.service.account_admin import configure, replay_notifications
from faxgate.store.tables import deliveries
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR
from tests.documents import job
from tests.notify.receiver import CLIENT_ID, CLIENT_SECRET, PASSWORD, USER, running_receiver
from tests.notify.smtp_server import running_smtp
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio
NS = "{http://retarus.com/fax4ba/faxws/3/0}"
LOOPBACK = ("127.0.0.0/8",)


async def _notifications(client: httpx.AsyncClient, job_id: str, count: int = 1) -> list[Any]:
    """Wait until `count` notifications of the job have ended (delivered or failed)."""
    deadline = time.monotonic() + 60
    while True:
        detail = (await client.get(f"/faxgate/v1/jobs/{job_id}")).json()
        done = [n for n in detail["notifications"] if n["state"] != "pending"]
        if len(done) >= count:
            return list(detail["notifications"])
        assert time.monotonic() < deadline, detail["notifications"]
        await anyio.sleep(0.05)


def _push(url: str, method: str, **more: str) -> dict[str, Any]:
    return {
        "statusReportOptions": {"httpStatusPush": {"targetUrl": url, "authMethod": method, **more}}
    }


@pytest.mark.parametrize("method", ["NONE", "HTTP_BASIC", "HTTP_DIGEST", "OAUTH"])
async def test_xml_push_with_each_auth_method(make_service: ServiceFactory, method: str) -> None:
    path = {"NONE": "/none", "HTTP_BASIC": "/basic", "HTTP_DIGEST": "/digest", "OAUTH": "/bearer"}
    with running_receiver() as receiver:
        async with make_service(allow_networks=LOOPBACK) as service:
            if method == "OAUTH":
                await configure(
                    service.db,
                    secret_box(service.settings),
                    CUST_NR,
                    AccountChanges(push_token_url=receiver.url("/token")),
                )
            secret = (CLIENT_ID, CLIENT_SECRET) if method == "OAUTH" else (USER, PASSWORD)
            body = job(
                "+99900",
                "+99901",
                **_push(
                    receiver.url(path[method]), method, principal=secret[0], credentials=secret[1]
                ),
            )
            job_id = await send(service.client, body)
            await wait_final(service.client, job_id)
            (notification,) = await _notifications(service.client, job_id)
    assert notification["state"] == "delivered"
    (push,) = receiver.received
    assert push.headers["Content-Type"].startswith("text/xml")
    assert push.headers["X-Faxgate-Delivery"] == notification["deliveryId"]
    root = ET.fromstring(push.body)
    assert root.tag == f"{NS}faxJobReport"
    assert root.findtext(f"{NS}jobId") == job_id
    statuses = [r.findtext(f"{NS}status") for r in root.findall(f"{NS}faxRecipient")]
    assert statuses == ["OK", "BUSY"]
    assert secret[1].encode() not in push.body  # credentials are never echoed


async def test_json_push_to_the_account_default_retried_and_signed(
    make_service: ServiceFactory,
) -> None:
    with running_receiver() as receiver:
        receiver.fail_first = 2
        async with make_service(allow_networks=LOOPBACK, push_backoff_secs=(0.05,)) as service:
            await configure(
                service.db,
                secret_box(service.settings),
                CUST_NR,
                AccountChanges(
                    push_format=PushFormat.JSON,
                    push_secret="s3cr3t",
                    default_push=StatusPush(receiver.url("/flaky")),
                ),
            )
            job_id = await send(service.client, job("+99900"))
            await wait_final(service.client, job_id)
            (notification,) = await _notifications(service.client, job_id)
    assert notification["state"] == "delivered"
    assert [a["statusCode"] for a in notification["attempts"]] == [503, 503, 200]
    assert receiver.requests == ["/flaky"] * 3
    (push,) = receiver.received
    assert json.loads(push.body)["jobId"] == job_id
    assert push.headers["Content-Type"].startswith("application/json")
    assert verify("s3cr3t", push.headers["X-Faxgate-Signature"], push.body, now=time.time())


async def test_4xx_is_not_retried_and_replay_sends_again(make_service: ServiceFactory) -> None:
    with running_receiver() as receiver:
        async with make_service(allow_networks=LOOPBACK, push_backoff_secs=(0.05,)) as service:
            job_id = await send(
                service.client, job("+99900", **_push(receiver.url("/reject"), "NONE"))
            )
            await wait_final(service.client, job_id)
            (failed,) = await _notifications(service.client, job_id)
            assert failed["state"] == "failed" and len(failed["attempts"]) == 1
            assert await replay_notifications(service.db, job_id) == 1
            deadline = time.monotonic() + 30
            while True:
                (again,) = (await service.client.get(f"/faxgate/v1/jobs/{job_id}")).json()[
                    "notifications"
                ]
                if again["state"] != "pending" and len(again["attempts"]) == 2:
                    break
                assert time.monotonic() < deadline
                await anyio.sleep(0.05)
    assert receiver.requests == ["/reject", "/reject"]
    assert again["deliveryId"] == failed["deliveryId"]


async def test_push_to_a_private_address_is_refused_by_default(
    make_service: ServiceFactory,
) -> None:
    with running_receiver() as receiver:
        async with make_service() as service:
            job_id = await send(
                service.client, job("+99900", **_push(receiver.url("/none"), "NONE"))
            )
            await wait_final(service.client, job_id)
            (notification,) = await _notifications(service.client, job_id)
    assert notification["state"] == "failed"
    assert "FAXGATE_ALLOW_NETWORKS" in notification["attempts"][0]["error"]
    assert receiver.requests == []


def _parts(message: Message) -> dict[str, bytes]:
    return {
        str(part.get_filename()): bytes(part.get_payload(decode=True))
        for part in message.walk()
        if part.get_filename()
    }


@pytest.mark.parametrize(("fmt", "magic"), [("TIFF", b"II*\x00"), ("PDF", b"%PDF")])
async def test_report_mail_with_the_fax_attached(
    make_service: ServiceFactory, fmt: str, magic: bytes
) -> None:
    with running_smtp() as mailbox:
        async with make_service(smtp_port=mailbox.port) as service:
            mail = {
                "successAddress": "ok@example.com",
                "failureAddress": "bad@example.com",
                "attachedFaxImageMode": "ALWAYS",
                "attachedFaxImageFormat": fmt,
            }
            ok = await send(service.client, job("+99900", statusReportOptions={"reportMail": mail}))
            bad = await send(
                service.client, job("+99922", statusReportOptions={"reportMail": mail})
            )
            for job_id in (ok, bad):
                await wait_final(service.client, job_id)
                (notification,) = await _notifications(service.client, job_id)
                assert notification["state"] == "delivered"
    by_recipient = {rcpt[0]: message_from_bytes(data) for _, rcpt, data in mailbox.messages}
    assert set(by_recipient) == {"ok@example.com", "bad@example.com"}
    assert ok in str(by_recipient["ok@example.com"]["Subject"])
    assert "failed" in str(by_recipient["bad@example.com"]["Subject"])
    (attachment,) = _parts(by_recipient["ok@example.com"]).values()
    assert attachment.startswith(magic)


async def test_a_report_mail_is_not_retried_once_its_report_was_deleted(
    make_service: ServiceFactory,
) -> None:
    with socket.socket() as closed:  # a mail server that is down: every try is retryable
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    async with make_service(smtp_port=port, push_backoff_secs=(0.2,)) as service:
        mail = {"successAddress": "ok@example.com"}
        job_id = await send(service.client, job("+99900", statusReportOptions={"reportMail": mail}))
        await wait_final(service.client, job_id)
        deadline = time.monotonic() + 30
        while True:  # the mail was tried and is waiting for its next try
            detail = (await service.client.get(f"/faxgate/v1/jobs/{job_id}")).json()
            (tried,) = detail["notifications"]
            if tried["attempts"]:
                break
            assert time.monotonic() < deadline, tried
            await anyio.sleep(0.05)
        assert tried["channel"] == "mail" and tried["state"] == "pending", tried
        deleted = await service.client.delete(service.url(f"/reports/{job_id}"))
        assert deleted.status_code == 200, deleted.text
        deadline = time.monotonic() + 30
        while True:
            async with service.db.reader.begin() as conn:
                row = (
                    await conn.execute(
                        select(deliveries.c.state, deliveries.c.last_error).where(
                            deliveries.c.job_id == job_id
                        )
                    )
                ).one()
            if row.state != "pending":
                break
            assert time.monotonic() < deadline, row
            await anyio.sleep(0.05)
    assert row.state == "failed"
    assert row.last_error == "the report was deleted before its mail was sent: not sent"
