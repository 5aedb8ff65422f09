"""Outbox rows queued by the version before the typed notifications (camelCase targets, the
Fax4A request itself as the snapshot's options) are still delivered after an upgrade, with
the very push body and mail they would have had; `faxgate secrets reseal` still seals their
secrets; and a row no version wrote fails by name without stopping the others."""

from __future__ import annotations

import json
import time
import uuid
from email import message_from_bytes
from typing import Any

import pytest
import sqlalchemy as sa

from faxgate.domain.report import JobReport, report_from_dict
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions
from faxgate.notify.payload import (
    DocumentInfo,
    JobOptionsEcho,
    OverlayEcho,
    PushContext,
    PushEcho,
    report_json,
    report_xml,
)
from faxgate.notify.signing import verify
from faxgate.pipeline.notifier import OutboxDrainer
from faxgate.sealing.keys import secret_box
from faxgate.store import outbox
from faxgate.store.db import Database
from faxgate.store.sealed_rows import reseal_all
from faxgate.store.tables import deliveries
from tests.notify.receiver import PASSWORD, USER, running_receiver
from tests.notify.smtp_server import running_smtp
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio
LOOPBACK = ("127.0.0.0/8",)
JOB_ID = "FJIJPNJYN906EDIJNFGI5S"
OLD_SECRET, NEW_SECRET = "acct-secret-old", "acct-secret-new"

# A snapshot as pipeline/notifications.py wrote it: report_to_dict's form, the request as
# stored (camelCase, documents without data), the document names.
REPORT = {
    "jobId": JOB_ID,
    "pages": 2,
    "reference": ["order-17", "", ""],
    "createdAt": 1794152220.0,
    "completedAt": 1794152348.0,
    "recipients": [
        {
            "number": "+49 30 1234567",
            "properties": [["ToName", "Jörg Müller"]],
            "status": "OK",
            "reason": "OK",
            "sentTs": 1794152288.0,
            "durationSecs": 26,
            "sentToNumber": "0049301234567",
            "remoteCsid": "+49 30 1234567",
            "numId": "FNIJPNJYNA06EDIJNFUO1Q",
        }
    ],
}
MAIL = {
    "successAddress": "ok@example.com",
    "failureAddress": "bad@example.com",
    "attachedFaxImageMode": "NEVER",
    "attachedFaxImageFormat": "PDF",
}


def _request(push_url: str) -> dict[str, Any]:
    return {
        "recipients": [{"number": "+49 30 1234567", "properties": [{"key": "ToName"}]}],
        "documents": [{"name": "letter.pdf"}, {"name": "note.txt", "charset": "UTF-8"}],
        "reference": {"customerDefinedId": "order-17"},
        "renderingOptions": {
            "paperFormat": "A4",
            "resolution": "LOW",
            "coverpageTemplate": "cover.html",
            "overlay": {"name": "letterhead.pdf", "mode": "FIRST_PAGE"},
            "header": "%tid %z",
        },
        "transportOptions": {"csid": "+49 30 999", "isExpress": False, "isBlacklistEnabled": True},
        "statusReportOptions": {
            "reportMail": MAIL,
            "httpStatusPush": {
                "targetUrl": push_url,
                "authMethod": "HTTP_BASIC",
                "principal": USER,
                "credentials": "sealed or not, never echoed",
            },
        },
        "meta": {"customerReference": "ref-1"},
    }


def _expected_xml(report: JobReport, push_url: str) -> bytes:
    """The XML push of the old notifier for this request, field by field."""
    context = PushContext(
        documents=(DocumentInfo("letter.pdf"), DocumentInfo("note.txt")),
        report_mail=ReportMailOptions(
            "ok@example.com", "bad@example.com", ImageMode.NEVER, ImageFormat.PDF
        ),
        http_status_push=PushEcho(push_url, PushAuth.HTTP_BASIC),
        options=JobOptionsEcho(
            resolution="LOW",
            csid="+49 30 999",
            header="%tid %z",
            is_blacklist_enabled=True,
            is_express=False,
            overlay=OverlayEcho("letterhead.pdf", "FIRST_PAGE"),
            coverpage_template_name="cover.html",
            job_reference="ref-1",
        ),
    )
    return report_xml(report, context)


async def _insert(db: Database, channel: str, target: str, snapshot: str) -> None:
    now = time.time()
    async with db.writer.begin() as conn:
        await conn.execute(
            sa.insert(deliveries).values(
                job_id=JOB_ID,
                login="alice",
                channel=channel,
                target=target,
                snapshot=snapshot,
                delivery_id=str(uuid.uuid4()),
                created_at=now,
                next_attempt_at=now,
            )
        )


async def test_rows_queued_before_the_upgrade_are_delivered_as_before(
    make_service: ServiceFactory,
) -> None:
    with running_receiver() as receiver, running_smtp() as mailbox:
        async with make_service(
            workers=False, allow_networks=LOOPBACK, smtp_port=mailbox.port
        ) as service:
            box = secret_box(service.settings)
            xml_url, json_url = receiver.url("/basic"), receiver.url("/none")
            snapshot = json.dumps(
                {
                    "report": REPORT,
                    "options": _request(xml_url),
                    "documents": ["letter.pdf", "note.txt"],
                }
            )
            xml_target = {
                "url": xml_url,
                "authMethod": "HTTP_BASIC",
                "principal": USER,
                "credentials": box.seal(PASSWORD),
                "tokenUrl": None,
                "scope": None,
                "format": "XML",
                "secret": box.seal(OLD_SECRET),
            }
            # stored before encryption existed: plain text, two secrets (a rotation)
            json_target = {
                "url": json_url,
                "authMethod": "NONE",
                "principal": None,
                "credentials": None,
                "tokenUrl": None,
                "scope": None,
                "format": "JSON",
                "secret": [OLD_SECRET, NEW_SECRET],
            }
            await _insert(service.db, "push", json.dumps(xml_target), snapshot)
            await _insert(service.db, "push", json.dumps(json_target), snapshot)
            await _insert(service.db, "push", json.dumps({"authMethod": "NONE"}), snapshot)
            await _insert(service.db, "mail", json.dumps(MAIL), snapshot)

            counts = await reseal_all(service.db, box)
            assert counts["deliveries.target"] == 1  # the plain-text row, sealed now
            async with service.db.reader.connect() as conn:
                stored = [t for (t,) in await conn.execute(sa.select(deliveries.c.target))]
            assert not any(OLD_SECRET in t or NEW_SECRET in t for t in stored), stored

            drainer = OutboxDrainer(service.settings, service.db, "after-upgrade")
            try:
                for _ in range(10):  # four rows; each run delivers one
                    if not await drainer.run_once():
                        break
            finally:
                await drainer.stop()
            async with service.db.reader.connect() as conn:
                shown = await outbox.for_job(conn, JOB_ID)

    assert [(n.channel, n.state, n.target) for n in shown] == [
        ("push", "delivered", xml_url),
        ("push", "delivered", json_url),
        ("push", "failed", ""),
        ("mail", "delivered", "ok@example.com"),
    ]
    (unreadable,) = shown[2].attempts
    assert (unreadable.error or "").startswith("unreadable outbox row: KeyError"), unreadable

    report = report_from_dict(REPORT)
    xml_push, json_push = sorted(receiver.received, key=lambda r: r.path)  # /basic, /none
    assert xml_push.body == _expected_xml(report, xml_url)
    assert xml_push.headers["Content-Type"].startswith("text/xml")
    assert verify(OLD_SECRET, xml_push.headers["X-Faxgate-Signature"], xml_push.body, time.time())
    assert json_push.body == report_json(report)
    for secret in (OLD_SECRET, NEW_SECRET):
        signature = json_push.headers["X-Faxgate-Signature"]
        assert verify(secret, signature, json_push.body, time.time())

    ((_sender, recipients, raw),) = mailbox.messages
    assert recipients == ["ok@example.com"]
    assert message_from_bytes(raw)["Subject"] == f"Fax {JOB_ID}: sent"
