"""The status report of one job, as the service keeps it, and its JSON forms.

One serialiser, shaped by the models in report_schema: `report_body` is the FaxReport the API
answers and the JSON push posts; `report_to_dict` is the outbox snapshot, the same report with
the fields the XML push and the mail need besides it; `report_from_dict` reads a snapshot back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faxgate.domain.report_schema import MAX_DURATION_SECS, FaxReportOut, ReportSnapshot, rfc3339
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


# ---------------------------------------------------------------- report → JSON

# Built as plain data and validated once against the model, which decides keys, order and
# rules: a third of the cost of building the nested models one by one.


def _recipient_json(recipient: RecipientReport) -> dict[str, Any]:
    properties = [{"key": k, "value": v} for k, v in recipient.properties]
    return {
        "number": recipient.number,
        "properties": properties or None,
        "status": recipient.status.value,
        "reason": recipient.reason or recipient.status.value,
        "sentTs": rfc3339(recipient.sent_ts) if recipient.sent_ts else None,
        "durationInSecs": max(0, min(recipient.duration_secs, MAX_DURATION_SECS)),
        "sentToNumber": recipient.sent_to_number,
        "remoteCsid": recipient.remote_csid,
    }


def _reference_json(reference: Reference) -> dict[str, str]:
    # The store may hold NULL for a reference the job did not give; the SDKs need strings.
    return {
        "customerDefinedId": reference.customer_defined_id or "",
        "billingCode": reference.billing_code or "",
        "billingInfo": reference.billing_info or "",
    }


def fax_report(report: JobReport) -> FaxReportOut:
    return FaxReportOut.model_validate(
        {
            "jobId": report.job_id,
            "recipientStatus": [_recipient_json(r) for r in report.recipients],
            "pages": report.pages,
            "reference": _reference_json(report.reference),
        }
    )


def report_body(report: JobReport) -> dict[str, Any]:
    """The FaxReport, JSON-ready: the API's answer and the JSON push, key for key."""
    return fax_report(report).model_dump(mode="json")


# ---------------------------------------------------------------- the outbox snapshot


def report_to_dict(report: JobReport) -> dict[str, Any]:
    """A JSON-ready snapshot, so a notification can be built after the report is deleted."""
    snapshot = ReportSnapshot.model_validate(
        {
            "jobId": report.job_id,
            "recipientStatus": [
                {**_recipient_json(r), "numId": r.num_id} for r in report.recipients
            ],
            "pages": report.pages,
            "reference": _reference_json(report.reference),
            "createdAt": rfc3339(report.created_at),
            "completedAt": rfc3339(report.completed_at) if report.completed_at else None,
        }
    )
    return snapshot.model_dump(mode="json")


def report_from_dict(data: dict[str, Any]) -> JobReport:
    """A snapshot back as a report; snapshots from before ReportSnapshot still load."""
    if "recipients" in data:
        return _from_first_snapshot(data)
    snapshot = ReportSnapshot.model_validate(data)
    return JobReport(
        job_id=snapshot.jobId,
        recipients=tuple(
            RecipientReport(
                number=r.number,
                properties=tuple((p.key, p.value) for p in r.properties or ()),
                status=FaxStatus(r.status),
                reason=r.reason,
                sent_ts=_parsed(r.sentTs),
                duration_secs=r.durationInSecs,
                sent_to_number=r.sentToNumber,
                remote_csid=r.remoteCsid,
                num_id=r.numId,
            )
            for r in snapshot.recipientStatus
        ),
        pages=snapshot.pages,
        reference=Reference(
            snapshot.reference.customerDefinedId,
            snapshot.reference.billingCode,
            snapshot.reference.billingInfo,
        ),
        created_at=datetime.fromisoformat(snapshot.createdAt),
        completed_at=_parsed(snapshot.completedAt),
    )


def _parsed(moment: str | None) -> datetime | None:
    return None if moment is None else datetime.fromisoformat(moment)


def _moment(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _from_first_snapshot(data: dict[str, Any]) -> JobReport:
    """The snapshot outbox rows held before ReportSnapshot: epoch seconds, the reference as a
    list, raw reason and duration."""
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
