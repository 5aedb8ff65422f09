"""The status report of one job, as the service keeps it (independent of the wire)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from faxgate.domain.statuses import FaxStatus


@dataclass(frozen=True)
class Reference:
    customer_defined_id: str = ""
    billing_code: str = ""
    billing_info: str = ""


@dataclass(frozen=True)
class RecipientReport:
    number: str  # as the client sent it
    properties: tuple[tuple[str, str], ...]  # cover-page key/value pairs, in request order
    status: FaxStatus
    reason: str
    sent_ts: datetime | None  # UTC; None while nothing was sent
    duration_secs: int
    sent_to_number: str | None  # the normalised number actually dialled
    remote_csid: str | None
    num_id: str  # per-recipient id (`FN…`), used by the SOAP-style push


@dataclass(frozen=True)
class JobReport:
    job_id: str
    recipients: tuple[RecipientReport, ...]
    pages: int
    reference: Reference
    created_at: datetime
    completed_at: datetime | None  # set once every recipient is final

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None
