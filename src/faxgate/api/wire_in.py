"""Request models of the Fax4A API, exactly as the spec names the fields (spec §4.1, §3.6).

Tolerant where the official SDKs need it (spec §2.4, §11.5): unknown keys are ignored, `null`
means absent, snake_case spellings are accepted beside camelCase, enums match without regard
to case and accept their synonyms, `""` is an absent optional enum.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from faxgate.domain.header import validate_header
from faxgate.domain.job import OverlayMode, PaperFormat, Resolution
from faxgate.domain.numbers import normalise
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth

DOCUMENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,32}")
MAX_BULK_IDS = 1000
# Lists inside one recipient; the lists of a job are capped by settings (capped_job_request).
MAX_RECIPIENT_PROPERTIES = 100
MAX_ALTERNATIVE_NUMBERS = 100


class Wire(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
    )


def _enum_input(synonyms: dict[str, str] | None = None) -> BeforeValidator:
    def canon(value: Any) -> Any:
        if isinstance(value, str):
            key = value.strip().upper().replace("-", "_")
            if not key:
                return None
            return (synonyms or {}).get(key, key)
        return value

    return BeforeValidator(canon)


class BulkAction(StrEnum):
    """What a bulk request does."""

    GET = "GET"
    DELETE = "DELETE"


def _fax_number(value: str) -> str:
    normalise(value)  # raises InvalidNumber (a ValueError) naming the fault
    return value


def _document_name(value: str) -> str:
    if not DOCUMENT_NAME.fullmatch(value):
        raise ValueError(
            "must be 1 to 32 characters of A-Z, a-z, 0-9, '.', '_' or '-' (no spaces or slashes)"
        )
    return value


def _header(value: str | None) -> str | None:
    if value:
        validate_header(value)  # a lone '%' or an unknown control code is a ValueError
    return value


def _http_url(value: str) -> str:
    if not re.match(r"https?://[^\s/]+", value, re.IGNORECASE):
        raise ValueError("must be an http:// or https:// URL")
    return value


FaxNumber = Annotated[str, AfterValidator(_fax_number)]
OptStr = str | None


class Reference(Wire):
    """The client's own reference of the job, echoed in every report."""

    customer_defined_id: Annotated[
        OptStr,
        Field(
            max_length=256,
            description=(
                "Free id of the client's, up to 256 characters; a repeat within the duplicate"
                " window is refused with 409."
            ),
        ),
    ] = None
    billing_code: Annotated[
        OptStr, Field(max_length=80, description="Cost centre, free format, up to 80 characters.")
    ] = None
    billing_info: Annotated[
        OptStr, Field(max_length=80, description="More accounting data, up to 80 characters.")
    ] = None


class RecipientProperty(Wire):
    """One cover-page placeholder of a recipient."""

    key: str = Field(description="Placeholder name, e.g. ToName, ToCompanyName, SubjectTitle.")
    value: str = Field(description="Its text.")


class FaxRecipient(Wire):
    """One number to send the fax to."""

    number: FaxNumber = Field(
        description=(
            "Fax number in international form, e.g. +49 89 1234567-8900 or 0012015551000;"
            " spaces, -, / and parentheses are allowed. Reports repeat it as given."
        )
    )
    properties: (
        Annotated[list[RecipientProperty], Field(max_length=MAX_RECIPIENT_PROPERTIES)] | None
    ) = Field(
        default=None,
        description=f"Cover-page placeholders, at most {MAX_RECIPIENT_PROPERTIES}.",
    )
    alternative_numbers: (
        Annotated[list[FaxNumber], Field(max_length=MAX_ALTERNATIVE_NUMBERS)] | None
    ) = Field(
        default=None,
        description=(
            "Numbers dialled in turn when the main number keeps failing, at most"
            f" {MAX_ALTERNATIVE_NUMBERS}."
        ),
    )


class Document(Wire):
    """One document to fax, given inline (data) or by URL (reference)."""

    name: Annotated[str, AfterValidator(_document_name)] = Field(
        description=(
            "File name, 1 to 32 characters of A-Z, a-z, 0-9, '.', '_' and '-'; its extension"
            " decides the file type (pdf, ps, tif, txt, html, doc, docx, xls, xlsx, ...)."
        )
    )
    # checked in submit, for .txt documents only (spec §11.5 item 4)
    charset: OptStr = Field(
        default=None,
        description="Character set of a .txt document (default UTF-8); ignored otherwise.",
    )
    reference: Annotated[OptStr, AfterValidator(lambda v: v and _http_url(v))] = Field(
        default=None,
        description="http(s) URL the document is fetched from when the job is processed; wins"
        " over data.",
    )
    data: OptStr = Field(default=None, description="The document's content, base64-encoded.")


class TransportOptions(Wire):
    """How the fax is sent."""

    csid: Annotated[
        OptStr, Field(max_length=20, description="Sender fax id shown to the recipient, up to 20.")
    ] = None
    is_express: bool | None = Field(default=None, description="Send ahead of non-express jobs.")
    is_blacklist_enabled: bool | None = Field(
        default=None,
        description="Check numbers against the block lists; a blocked one ends BLACKLIST.",
    )


class Overlay(Wire):
    """A letterhead or form laid over the pages."""

    name: Annotated[str, Field(min_length=1)] = Field(
        description="The overlay template's name, without path or extension."
    )
    mode: Annotated[OverlayMode, _enum_input()] = Field(
        description="Which pages get the overlay (case-insensitive)."
    )


class RenderingOptions(Wire):
    """How the documents become fax pages."""

    paper_format: Annotated[PaperFormat | None, _enum_input()] = Field(
        default=None, description="A4 (default) or LETTER, case-insensitive."
    )
    resolution: Annotated[Resolution | None, _enum_input()] = Field(
        default=None, description="HIGH (fine, default) or LOW (normal)."
    )
    coverpage_template: OptStr = Field(
        default=None,
        description="Cover page template to put first, filled from the recipient's properties.",
    )
    overlay: Overlay | None = Field(default=None, description="Overlay laid over the pages.")
    header: Annotated[OptStr, AfterValidator(_header)] = Field(
        default=None,
        description=(
            "Header line printed on each page, with control codes such as %d.%m.%Y, %H:%M,"
            " %P/%T (page of total), %C (sender CSID), %# (recipient number); %% for a '%'."
        ),
    )


class ReportMail(Wire):
    """A report mail when the job is complete."""

    success_address: OptStr = Field(
        default=None, description="Where the mail goes when every recipient got the fax."
    )
    failure_address: OptStr = Field(
        default=None, description="Where the mail goes when any recipient did not."
    )
    attached_fax_image_mode: Annotated[ImageMode | None, _enum_input()] = Field(
        default=None, description="When the fax image is attached (default NEVER)."
    )
    attached_fax_image_format: Annotated[ImageFormat | None, _enum_input()] = Field(
        default=None, description="Format of the attached image (default TIFF)."
    )


class HttpStatusPush(Wire):
    """A report POSTed to a URL when the job is complete."""

    target_url: Annotated[str, AfterValidator(_http_url)] = Field(
        description="http(s) URL the report is posted to."
    )
    principal: OptStr = Field(default=None, description="User name, or for OAUTH2 the client id.")
    credentials: OptStr = Field(
        default=None, description="Password, or for OAUTH2 the client secret; never echoed."
    )
    auth_method: Annotated[PushAuth | None, _enum_input({"OAUTH": "OAUTH2"})] = Field(
        default=None, description="How the push authenticates (default NONE; OAUTH means OAUTH2)."
    )


class StatusReportOptions(Wire):
    """Notifications when the job is complete; without them the account's defaults apply."""

    # "not currently valid" at Retarus: accepted in any form, ignored
    report_purge_ts: Any = Field(default=None, description="Accepted in any form and ignored.")
    report_mail: ReportMail | None = Field(default=None, description="A report mail.")
    http_status_push: HttpStatusPush | None = Field(default=None, description="A status push.")


class JobValid(Wire):
    """When the job may be sent."""

    start: OptStr = Field(
        default=None,
        description=(
            "Earliest send time: an ISO 8601 date-time with a time zone, or a duration from now"
            " (e.g. PT10M); default now."
        ),
    )
    end: OptStr = Field(
        default=None,
        description=(
            "Expiry: an ISO 8601 date-time with a time zone, or a duration after now (e.g."
            " PT80M); default one month after start. A job not sent by then expires."
        ),
    )


class MetaData(Wire):
    """Job metadata."""

    customer_reference: OptStr = Field(default=None, description="The client's internal reference.")
    job_valid: JobValid | None = Field(default=None, description="The validity window of the job.")


class FaxJobRequest(Wire):
    """A fax job: documents sent to one or more recipients."""

    reference: Reference | None = Field(
        default=None, description="The client's reference of the job."
    )
    recipients: Annotated[list[FaxRecipient], Field(min_length=1)] = Field(
        description="Who gets the fax, at least one; each gets its own status."
    )
    documents: list[Document] | None = Field(
        default=None, description="What is faxed, in order; required unless a cover page is used."
    )
    transport_options: TransportOptions | None = Field(default=None, description="How it is sent.")
    rendering_options: RenderingOptions | None = Field(
        default=None,
        description="How the documents become pages (rendering_options also accepted).",
    )
    status_report_options: StatusReportOptions | None = Field(
        default=None, description="Push and mail when the job is complete."
    )
    meta: MetaData | None = Field(default=None, description="Metadata and the validity window.")


@functools.cache
def capped_job_request(max_recipients: int, max_documents: int) -> type[FaxJobRequest]:
    """FaxJobRequest with the per-job caps of the settings. A list over its cap is refused by
    its length alone, before any of its items is validated."""

    class CappedFaxJobRequest(FaxJobRequest):
        recipients: Annotated[list[FaxRecipient], Field(min_length=1, max_length=max_recipients)]
        documents: Annotated[list[Document], Field(max_length=max_documents)] | None = None

    return CappedFaxJobRequest


class BulkRequest(Wire):
    """Reports of many jobs at once: get them, or delete them."""

    action: Annotated[BulkAction, _enum_input()] = Field(
        description="GET or DELETE, case-insensitive."
    )
    job_ids: Annotated[list[str], Field(max_length=MAX_BULK_IDS)] = Field(
        description=f"The jobs, at most {MAX_BULK_IDS}."
    )
