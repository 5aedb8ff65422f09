"""The inbound push as a `Notifier`: builds the JSON_POST body of a received fax and hands it
to the status push's notifier, which signs, authenticates, posts through the guarded client
and classifies the answer exactly as for a status push."""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.domain.notification import Channel, FaxInSnapshot, PushTarget
from faxgate.notify.base import DeliveryResult, Notifier, PushNotice
from faxgate.notify.faxin_payload import CONTENT_TYPE, faxin_body


@dataclass(frozen=True)
class FaxInNotice:
    target: PushTarget  # its secrets unsealed
    snapshot: FaxInSnapshot
    pdf: bytes
    delivery_id: str  # the same on every retry


class FaxInPushNotifier:
    channel = Channel.FAXIN

    def __init__(self, push: Notifier[PushNotice]) -> None:
        self.push = push

    async def deliver(self, notice: FaxInNotice) -> DeliveryResult:
        body = faxin_body(notice.snapshot, notice.target, notice.pdf)
        return await self.push.deliver(
            PushNotice(notice.target, body, CONTENT_TYPE, notice.delivery_id)
        )
