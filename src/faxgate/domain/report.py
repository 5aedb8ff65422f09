"""The status report of one job, as the service keeps it (independent of the wire)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def report_to_dict(report: JobReport) -> dict[str, Any]:
    """A JSON-ready snapshot, so a notification can be built after the report is deleted."""
    return {
        "jobId": report.job_id,
        "pages": report.pages,
        "reference": [
            report.reference.customer_defined_id,
            report.reference.billing_code,
            report.reference.billing_info,
        ],
        "createdAt": report.created_at.timestamp(),
        "completedAt": report.completed_at.timestamp() if report.completed_at else None,
        "recipients": [
            {
                "number": r.number,
                "properties": [list(p) for p in r.properties],
                "status": r.status.value,
                "reason": r.reason,
                "sentTs": r.sent_ts.timestamp() if r.sent_ts else None,
                "durationSecs": r.duration_secs,
                "sentToNumber": r.sent_to_number,
                "remoteCsid": r.remote_csid,
                "numId": r.num_id,
            }
            for r in report.recipients
        ],
    }


def _moment(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def report_from_dict(data: dict[str, Any]) -> JobReport:
    return JobReport(
        job_id=data["jobId"],
        pages=data["pages"],
        reference=Reference(*data["reference"]),
        created_at=datetime.fromtimestamp(data["createdAt"], UTC),
        completed_at=_moment(data["completedAt"]),
        recipients=tuple(
            RecipientReport(
                number=r["number"],
                properties=tuple((k, v) for k, v in r["properties"]),
                status=FaxStatus(r["status"]),
                reason=r["reason"],
                sent_ts=_moment(r["sentTs"]),
                duration_secs=r["durationSecs"],
                sent_to_number=r["sentToNumber"],
                remote_csid=r["remoteCsid"],
                num_id=r["numId"],
            )
            for r in data["recipients"]
        ),
    )
