"""The notifier protocol: one verb, `deliver`, like a carrier's `transmit`.

A notifier is handed a notice (where to, and the content already built for it) and never
raises for a failed delivery: every way one ends is a `DeliveryResult`, which says whether
trying again can help. What the content says (a Fax4A job report, an inbound fax) is the
caller's business, so status push and report mail serve any kind of notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from faxgate.domain.notification import Channel, PushTarget

N_contra = TypeVar("N_contra", contravariant=True)


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    retryable: bool  # worth another attempt later (only when not delivered)
    status_code: int | None  # HTTP status, or 250 for an accepted mail
    error: str | None  # for a person; never holds a credential


@dataclass(frozen=True)
class PushNotice:
    target: PushTarget  # its secrets unsealed
    body: bytes
    content_type: str
    delivery_id: str  # the same on every retry, so a receiver can drop duplicates


class Notifier(Protocol[N_contra]):
    channel: Channel

    async def deliver(self, notice: N_contra) -> DeliveryResult: ...
