"""Response models of the Fax4A API that only the API sends (spec §3, §4.3), and the
serialisers that fill them. The FaxReport itself is defined once, in domain/report_schema.py,
for the API, the JSON status push and the outbox alike.

The SDKs are strict about these shapes (spec §11.5 items 8–9): delete objects carry exactly
`jobId`, `deleted` and an optional `reason`; lists are always `{"reports": [...]}`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from faxgate.domain.report_schema import FaxReportOut, JsonOut
from faxgate.service.reports import Deletion


class FaxReportListOut(JsonOut):
    """Reports, oldest first; an empty list when there are none."""

    reports: tuple[FaxReportOut, ...] = Field(
        description="At most 1000 reports; for a bulk GET only those found."
    )


class JobDeleteOut(JsonOut):
    """The outcome of deleting one report (JobDeleteReport)."""

    jobId: str = Field(description="The job whose report was to be deleted.")
    deleted: bool = Field(description="Whether the report was deleted.")
    reason: str | None = Field(
        default=None,
        description=(
            "Only when deleted is false: NOT_FOUND (no report with this jobId for this login)"
            " or INTERNAL_ERROR."
        ),
    )


class JobDeleteListOut(JsonOut):
    """One delete outcome per report."""

    reports: tuple[JobDeleteOut, ...] = Field(
        description="Delete-oldest: the reports deleted; bulk DELETE: one item per jobId asked."
    )


class JobIdOut(JsonOut):
    """A job was accepted and stored."""

    jobId: str = Field(description="The new job's id: FJ and 20 characters of A-Z, 0-9.")


class ErrorOut(JsonOut):
    """A request that failed, naming the fault (the SDKs ignore this body)."""

    status: int = Field(description="The HTTP status code, repeated.")
    field: str | None = Field(
        description="The request field at fault, e.g. recipients[0].number; null for none."
    )
    error: str = Field(description="What is wrong, for a person to read.")


def deletion_json(d: Deletion) -> dict[str, Any]:
    body: dict[str, Any] = {"jobId": d.job_id, "deleted": d.deleted}
    if d.reason:
        body["reason"] = d.reason
    return body
