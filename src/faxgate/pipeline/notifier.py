"""The notifier: drains the outbox, one delivery at a time per loop, with back-off.

Push: XML (Retarus's default) or JSON per account, signed when the account has a secret,
the same delivery id on every retry. Mail: built from the report snapshot, the fax image
attached from the spool when the job asked for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog

from faxgate.config import Settings
from faxgate.domain.report import report_from_dict
from faxgate.net.client import guarded_async_client
from faxgate.notify.backoff import next_attempt
from faxgate.notify.images import Attachment
from faxgate.notify.mail import MailError, build_report_mail, send_mail
from faxgate.notify.oauth import TokenCache
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions
from faxgate.notify.payload import (
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    DocumentInfo,
    JobOptionsEcho,
    OverlayEcho,
    PushContext,
    PushEcho,
    report_json,
    report_xml,
)
from faxgate.notify.push import PushTarget, deliver_push
from faxgate.sealing.box import SecretKeyError
from faxgate.sealing.fields import PUSH_TARGET, map_secrets
from faxgate.sealing.keys import secret_box
from faxgate.store import outbox
from faxgate.store.db import Database
from faxgate.store.outbox import Delivery
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool

log = structlog.get_logger("faxgate.notify")
Result = tuple[bool, bool, int | None, str | None]  # delivered, retryable, status, error


def mail_options(mail: dict[str, Any]) -> ReportMailOptions:
    return ReportMailOptions(
        success_address=mail.get("successAddress"),
        failure_address=mail.get("failureAddress"),
        attached_fax_image_mode=ImageMode.parse(mail.get("attachedFaxImageMode")),
        attached_fax_image_format=ImageFormat.parse(mail.get("attachedFaxImageFormat")),
    )


def push_context(snapshot: dict[str, Any]) -> PushContext:
    """What the XML report echoes of the request (never push credentials)."""
    options: dict[str, Any] = snapshot["options"]
    rendering = options.get("renderingOptions") or {}
    transport = options.get("transportOptions") or {}
    report_options = options.get("statusReportOptions") or {}
    push = report_options.get("httpStatusPush")
    mail = report_options.get("reportMail")
    overlay = rendering.get("overlay")
    return PushContext(
        documents=tuple(DocumentInfo(name) for name in snapshot["documents"]),
        report_mail=mail_options(mail) if mail else None,
        http_status_push=(
            PushEcho(push["targetUrl"], PushAuth.parse(push.get("authMethod"))) if push else None
        ),
        options=JobOptionsEcho(
            resolution=rendering.get("resolution"),
            csid=transport.get("csid"),
            header=rendering.get("header"),
            is_blacklist_enabled=transport.get("isBlacklistEnabled"),
            is_express=transport.get("isExpress"),
            overlay=OverlayEcho(overlay["name"], overlay["mode"]) if overlay else None,
            coverpage_template_name=rendering.get("coverpageTemplate"),
            job_reference=(options.get("meta") or {}).get("customerReference"),
        ),
    )


class Notifier:
    def __init__(self, settings: Settings, db: Database, worker_id: str) -> None:
        self.settings = settings
        self.db = db
        self.worker_id = worker_id
        self.tokens = TokenCache()
        self.box = secret_box(settings)
        self._client = guarded_async_client(settings)
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> bool:
        now = time.time()
        async with self.db.writer.begin() as conn:
            delivery = await outbox.claim(conn, self.worker_id, now, self.settings.lease_secs)
        if delivery is None:
            return False
        delivered, retryable, status, error = await self._deliver(delivery)
        ended = time.time()
        attempt_no = delivery.attempts + 1
        retry_at = (
            next_attempt(attempt_no, delivery.created_at, ended, self.settings)
            if not delivered and retryable
            else None
        )
        async with self.db.writer.begin() as conn:
            await outbox.record(
                conn, delivery, self.worker_id, ended, delivered, status, error, retry_at
            )
        log.info(
            "notification",
            job_id=delivery.job_id,
            channel=delivery.channel,
            delivered=delivered,
            status=status,
            error=error,
            attempt=attempt_no,
            next_in=None if retry_at is None else round(retry_at - ended, 1),
        )
        return True

    async def _deliver(self, delivery: Delivery) -> Result:
        try:
            if delivery.channel == "push":
                return await self._push(delivery)
            return await self._mail(delivery)
        except Exception as exc:  # a bug or a corrupt row must not stop the outbox
            log.exception("notification fault", job_id=delivery.job_id)
            return False, False, None, f"{type(exc).__name__}: {exc}"

    async def _push(self, delivery: Delivery) -> Result:
        try:
            # Unsealed only here, for the request; never stored or logged.
            target = map_secrets(delivery.target, PUSH_TARGET, self.box.unseal)
        except SecretKeyError as exc:
            return False, False, None, str(exc)
        report = report_from_dict(delivery.snapshot["report"])
        if target.get("format") == "JSON":
            body, content_type = report_json(report), JSON_CONTENT_TYPE
        else:
            body, content_type = (
                report_xml(report, push_context(delivery.snapshot)),
                XML_CONTENT_TYPE,
            )
        result = await deliver_push(
            self._client,
            PushTarget(
                url=target["url"],
                auth_method=PushAuth.parse(target.get("authMethod")),
                principal=target.get("principal"),
                credentials=target.get("credentials"),
                token_url=target.get("tokenUrl"),
                scope=target.get("scope"),
            ),
            body,
            content_type,
            delivery.delivery_id,
            target.get("secret"),
            self.tokens,
            time.time(),
        )
        return result.delivered, result.retryable, result.status_code, result.error

    async def _mail(self, delivery: Delivery) -> Result:
        report = report_from_dict(delivery.snapshot["report"])
        spool = open_spool(self.settings, self.db)
        image = await spool.get(ImageKey(delivery.job_id, ImageKind.SENT, 0))
        message = build_report_mail(
            report,
            mail_options(delivery.target),
            Attachment(image) if image else None,
            self.settings,
            ocr_available=False,
        )
        if message is None:
            return True, False, None, "no address for this outcome: nothing to send"
        try:
            await send_mail(message, self.settings)
        except MailError as exc:
            return False, exc.retryable, None, str(exc)
        return True, False, 250, None

    async def _run(self) -> None:
        while True:
            try:
                worked = await self.run_once()
            except Exception:
                log.exception("notifier error")
                worked = False
            if not worked:
                await asyncio.sleep(self.settings.poll_interval_secs)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifier")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()
