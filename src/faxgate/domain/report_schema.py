"""The Fax4A ``FaxReport`` as JSON (spec §4.2): the one definition behind the API responses, the
JSON status push, the outbox snapshot and the OpenAPI schema.

The SDKs are strict about this shape (spec §11.5 item 7): ``reference`` always carries its three
string keys, ``sentTs`` is RFC 3339 ``Z`` or null and never "", ``durationInSecs`` fits an
unsigned 16-bit integer (Rust), ``reason`` is never empty, ``properties`` is a list or null. The
models state these rules as constraints, so a report that breaks one fails where it is built.
The field order is the order on the wire.

The outbox snapshot is the same report extended by what the XML push and the report mail need
besides it: ``numId`` per recipient, ``createdAt`` and ``completedAt``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

RFC3339_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
MAX_DURATION_SECS = 65535  # the Rust SDK reads durationInSecs as a u16

Moment = Annotated[str, Field(pattern=RFC3339_UTC, json_schema_extra={"format": "date-time"})]


def rfc3339(moment: datetime) -> str:
    """UTC, whole seconds, ``Z``: the form every SDK parses (naive values are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class JsonOut(BaseModel):
    """A JSON object faxgate writes: closed (no other keys), and titled by its field names."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, field_title_generator=lambda name, _: name
    )


class ReferenceOut(JsonOut):
    """The client's reference of the job, always present with exactly these three keys."""

    customerDefinedId: str = Field(
        description='The customerDefinedId the job was sent with, "" when it had none.'
    )
    billingCode: str = Field(
        description='The billingCode the job was sent with, "" when it had none.'
    )
    billingInfo: str = Field(
        description='The billingInfo the job was sent with, "" when it had none.'
    )


class PropertyOut(JsonOut):
    """One cover-page property of a recipient, as the job gave it."""

    key: str = Field(description="Name of the property, e.g. ToName.")
    value: str = Field(description="Its value.")


class RecipientStatusOut(JsonOut):
    """The status of one recipient (FaxRecipientWithStatus)."""

    number: str = Field(description="The recipient's number exactly as the job gave it.")
    properties: tuple[PropertyOut, ...] | None = Field(
        description="The recipient's cover-page properties in request order; null when none."
    )
    status: str = Field(
        description=(
            "Transmission status code (spec §6): PENDING until the recipient is final, then OK"
            " or the failure, e.g. BUSY, NOFAX, WRONG_NO, CANCELLED."
        ),
        min_length=1,
    )
    reason: str = Field(
        description="Explanation of the status; the status itself when there is no other text.",
        min_length=1,
    )
    sentTs: Moment | None = Field(
        description=(
            "When the fax was sent: RFC 3339 in UTC, whole seconds, with Z; null while nothing"
            " was sent (never an empty string)."
        )
    )
    durationInSecs: int = Field(
        description=(
            "Line time of the transmission in seconds, 0 if nothing was sent; capped at 65535."
        ),
        ge=0,
        le=MAX_DURATION_SECS,
    )
    sentToNumber: str | None = Field(
        description=(
            "The number actually dialled, normalised (00 instead of +, digits only); null while"
            " no call was made."
        )
    )
    remoteCsid: str | None = Field(
        description="CSID the remote fax machine announced (may be empty); null without a call."
    )


class FaxReportOut(JsonOut):
    """The status report of one fax job (FaxReport), pending or complete."""

    jobId: str = Field(description="The job's id, as the send request answered it.")
    recipientStatus: tuple[RecipientStatusOut, ...] = Field(
        description="One entry per recipient, in the order of the request."
    )
    pages: int = Field(
        description="Pages of the fax as sent; 0 while nothing is rendered or sent.", ge=0
    )
    reference: ReferenceOut = Field(description="The client's reference of the job.")


class RecipientSnapshot(RecipientStatusOut):
    """A recipient's status as the outbox keeps it: the report's fields and its numId."""

    numId: str = Field(description="Per-recipient id (FN…), echoed by the XML status push.")


class ReportSnapshot(FaxReportOut):
    """The report as the outbox keeps it for a notification: built when the job completes, so
    the push and the mail can be sent after the report itself is deleted."""

    recipientStatus: tuple[RecipientSnapshot, ...] = Field(
        description="One entry per recipient, in the order of the request."
    )
    createdAt: Moment = Field(description="When the job was accepted.")
    completedAt: Moment | None = Field(description="When its last recipient became final.")
