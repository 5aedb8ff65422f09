"""Response models of the Fax4A API (spec §4.2, §4.3) and the serialisers that fill them.

The SDKs are strict about these shapes (spec §11.5 item 7–9): `reference` always carries its
three string keys, `sentTs` is RFC 3339 or null and never "", delete objects carry exactly
`jobId`, `deleted` and an optional `reason`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from faxgate.domain.report import JobReport
from faxgate.notify.payload import report_dict
from faxgate.service.reports import Deletion


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReferenceOut(Out):
    customerDefinedId: str
    billingCode: str
    billingInfo: str


class PropertyOut(Out):
    key: str
    value: str


class RecipientStatusOut(Out):
    number: str
    properties: list[PropertyOut] | None
    status: str
    reason: str
    sentTs: str | None
    durationInSecs: int
    sentToNumber: str | None
    remoteCsid: str | None


class FaxReportOut(Out):
    jobId: str
    recipientStatus: list[RecipientStatusOut]
    pages: int
    reference: ReferenceOut


class FaxReportListOut(Out):
    reports: list[FaxReportOut]


class JobDeleteOut(Out):
    jobId: str
    deleted: bool
    reason: str | None = None


class JobDeleteListOut(Out):
    reports: list[JobDeleteOut]


class JobIdOut(Out):
    jobId: str


class ErrorOut(Out):
    status: int
    field: str | None
    error: str


def report_json(report: JobReport) -> dict[str, Any]:
    """The FaxReport of spec §4.2: the same form the JSON status push posts."""
    return report_dict(report)


def deletion_json(d: Deletion) -> dict[str, Any]:
    body: dict[str, Any] = {"jobId": d.job_id, "deleted": d.deleted}
    if d.reason:
        body["reason"] = d.reason
    return body
