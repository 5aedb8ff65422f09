"""The outbox drainer: claims one delivery at a time per loop, hands it to the notifier of
its channel, records the attempt and when to try again (back-off).

Push: XML (Retarus's default) or JSON per account, signed when the account has a secret,
the same delivery id on every retry. Mail: built from the report snapshot, the fax image
attached from the spool when the job asked for it. Inbound push: a received fax with its PDF,
read from the spool now (a fax purged before its push fails that push for good).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.message import EmailMessage

import structlog

from faxgate.config import Settings
from faxgate.domain.job import JobOptions, PushFormat
from faxgate.domain.notification import JobSnapshot, MailTarget, PushTarget
from faxgate.net.client import guarded_async_client
from faxgate.notify.backoff import next_attempt
from faxgate.notify.base import DeliveryResult, Notifier, PushNotice
from faxgate.notify.faxin_push import FaxInNotice, FaxInPushNotifier
from faxgate.notify.images import Attachment
from faxgate.notify.mail import MailNotifier, build_report_mail
from faxgate.notify.oauth import TokenCache
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
from faxgate.notify.push import PushNotifier
from faxgate.sealing.box import SecretKeyError
from faxgate.sealing.keys import secret_box
from faxgate.store import outbox
from faxgate.store.db import Database
from faxgate.store.outbox import Delivery, FaxInDelivery, UnreadableDelivery
from faxgate.store.spool import ImageKey, ImageKind, Spool
from faxgate.store.spools import open_spool

log = structlog.get_logger("faxgate.notify")


def push_context(options: JobOptions, documents: tuple[str, ...]) -> PushContext:
    """What the XML report echoes of the request (never push credentials)."""
    rendering, transport = options.rendering, options.transport
    push, overlay = options.reporting.push, rendering.overlay
    return PushContext(
        documents=tuple(DocumentInfo(name) for name in documents),
        report_mail=options.reporting.mail,
        http_status_push=PushEcho(push.url, push.auth) if push else None,
        options=JobOptionsEcho(
            resolution=rendering.resolution.value if rendering.resolution else None,
            csid=transport.csid,
            header=rendering.header,
            is_blacklist_enabled=transport.blocklist_enabled,
            is_express=transport.express,
            overlay=OverlayEcho(overlay.name, overlay.mode.value) if overlay else None,
            coverpage_template_name=rendering.cover_template,
            job_reference=options.customer_reference,
        ),
    )


class OutboxDrainer:
    def __init__(self, settings: Settings, db: Database, worker_id: str) -> None:
        self.settings = settings
        self.db = db
        self.worker_id = worker_id
        self.box = secret_box(settings)
        self.spool = open_spool(settings, db)
        self._client = guarded_async_client(settings)
        self.push: Notifier[PushNotice] = PushNotifier(self._client, TokenCache())
        self.mail: Notifier[EmailMessage] = MailNotifier(settings)
        self.faxin: Notifier[FaxInNotice] = FaxInPushNotifier(self.push)
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> bool:
        now = time.time()
        async with self.db.writer.begin() as conn:
            delivery = await outbox.claim(conn, self.worker_id, now, self.settings.lease_secs)
        if delivery is None:
            return False
        result = await self._deliver(delivery)
        ended = time.time()
        attempt_no = delivery.attempts + 1
        retry_at = (
            next_attempt(attempt_no, delivery.created_at, ended, self.settings)
            if not result.delivered and result.retryable
            else None
        )
        async with self.db.writer.begin() as conn:
            await outbox.record(
                conn,
                delivery,
                self.worker_id,
                ended,
                result.delivered,
                result.status_code,
                result.error,
                retry_at,
            )
        log.info(
            "notification",
            job_id=delivery.job_id,
            channel=delivery.channel,
            delivered=result.delivered,
            status=result.status_code,
            error=result.error,
            attempt=attempt_no,
            next_in=None if retry_at is None else round(retry_at - ended, 1),
        )
        return True

    async def _deliver(
        self, delivery: Delivery | FaxInDelivery | UnreadableDelivery
    ) -> DeliveryResult:
        if isinstance(delivery, UnreadableDelivery):
            return DeliveryResult(False, False, None, delivery.error)
        try:
            if isinstance(delivery, FaxInDelivery):
                return await self._faxin(delivery)
            if isinstance(delivery.target, PushTarget):
                return await self._push(delivery, delivery.target)
            return await self._mail(delivery, delivery.target)
        except Exception as exc:  # a bug must not stop the outbox
            log.exception("notification fault", job_id=delivery.job_id)
            return DeliveryResult(False, False, None, f"{type(exc).__name__}: {exc}")

    async def _push(self, delivery: Delivery, target: PushTarget) -> DeliveryResult:
        try:
            # Unsealed only here, for the request; never stored or logged.
            target = target.with_secrets(self.box.unseal)
        except SecretKeyError as exc:
            return DeliveryResult(False, False, None, str(exc))
        body, content_type = _push_body(target, delivery.snapshot)
        return await self.push.deliver(PushNotice(target, body, content_type, delivery.delivery_id))

    async def _faxin(self, delivery: FaxInDelivery) -> DeliveryResult:
        pdf = await self.spool.get(ImageKey(delivery.job_id, ImageKind.FAXIN_PDF, 0))
        if pdf is None:
            error = f"fax {delivery.job_id} was deleted (retention) before its push was delivered"
            return DeliveryResult(False, False, None, error)
        try:
            target = delivery.target.push.with_secrets(self.box.unseal)
        except SecretKeyError as exc:
            return DeliveryResult(False, False, None, str(exc))
        notice = FaxInNotice(target, delivery.snapshot, pdf, delivery.delivery_id)
        return await self.faxin.deliver(notice)

    async def _mail(self, delivery: Delivery, target: MailTarget) -> DeliveryResult:
        image = await fax_image(self.spool, delivery.job_id)
        message = build_report_mail(
            delivery.snapshot.report,
            target.mail,
            Attachment(image) if image else None,
            self.settings,
            ocr_available=False,
        )
        if message is None:
            return DeliveryResult(True, False, None, "no address for this outcome: nothing to send")
        return await self.mail.deliver(message)

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


def _push_body(target: PushTarget, snapshot: JobSnapshot) -> tuple[bytes, str]:
    if target.format is PushFormat.JSON:
        return report_json(snapshot.report), JSON_CONTENT_TYPE
    context = push_context(snapshot.options, snapshot.documents)
    return report_xml(snapshot.report, context), XML_CONTENT_TYPE


async def fax_image(spool: Spool, job_id: str) -> bytes | None:
    """The sent fax image of a job (recipient 0's), or None once it is gone."""
    return await spool.get(ImageKey(job_id, ImageKind.SENT, 0))
