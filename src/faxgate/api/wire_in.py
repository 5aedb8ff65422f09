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
from faxgate.domain.numbers import normalise

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


class PaperFormat(StrEnum):
    A4 = "A4"
    LETTER = "LETTER"


class Resolution(StrEnum):
    HIGH = "HIGH"
    LOW = "LOW"


class OverlayMode(StrEnum):
    ALL_PAGES = "ALL_PAGES"
    NO_OVERLAY = "NO_OVERLAY"
    FIRST_PAGE = "FIRST_PAGE"
    LAST_PAGE = "LAST_PAGE"
    ALL_BUT_FIRST_PAGE = "ALL_BUT_FIRST_PAGE"
    ALL_BUT_LAST_PAGE = "ALL_BUT_LAST_PAGE"
    ALL_BUT_FIRST_AND_LAST_PAGE = "ALL_BUT_FIRST_AND_LAST_PAGE"
    FIRST_FILE = "FIRST_FILE"


class AuthMethod(StrEnum):
    NONE = "NONE"
    HTTP_BASIC = "HTTP_BASIC"
    HTTP_DIGEST = "HTTP_DIGEST"
    OAUTH2 = "OAUTH2"


class ImageMode(StrEnum):
    NEVER = "NEVER"
    SUCCESS_ONLY = "SUCCESS_ONLY"
    FAILURE_ONLY = "FAILURE_ONLY"
    ALWAYS = "ALWAYS"


class ImageFormat(StrEnum):
    TIFF = "TIFF"
    PDF = "PDF"
    PDF_WITH_OCR = "PDF_WITH_OCR"


class BulkAction(StrEnum):
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
    customer_defined_id: Annotated[OptStr, Field(max_length=256)] = None
    billing_code: Annotated[OptStr, Field(max_length=80)] = None
    billing_info: Annotated[OptStr, Field(max_length=80)] = None


class RecipientProperty(Wire):
    key: str
    value: str


class FaxRecipient(Wire):
    number: FaxNumber
    properties: (
        Annotated[list[RecipientProperty], Field(max_length=MAX_RECIPIENT_PROPERTIES)] | None
    ) = None
    alternative_numbers: (
        Annotated[list[FaxNumber], Field(max_length=MAX_ALTERNATIVE_NUMBERS)] | None
    ) = None


class Document(Wire):
    name: Annotated[str, AfterValidator(_document_name)]
    charset: OptStr = None  # checked in submit, for .txt documents only (spec §11.5 item 4)
    reference: Annotated[OptStr, AfterValidator(lambda v: v and _http_url(v))] = None
    data: OptStr = None


class TransportOptions(Wire):
    csid: Annotated[OptStr, Field(max_length=20)] = None
    is_express: bool | None = None
    is_blacklist_enabled: bool | None = None


class Overlay(Wire):
    name: Annotated[str, Field(min_length=1)]
    mode: Annotated[OverlayMode, _enum_input()]


class RenderingOptions(Wire):
    paper_format: Annotated[PaperFormat | None, _enum_input()] = None
    resolution: Annotated[Resolution | None, _enum_input()] = None
    coverpage_template: OptStr = None
    overlay: Overlay | None = None
    header: Annotated[OptStr, AfterValidator(_header)] = None


class ReportMail(Wire):
    success_address: OptStr = None
    failure_address: OptStr = None
    attached_fax_image_mode: Annotated[ImageMode | None, _enum_input()] = None
    attached_fax_image_format: Annotated[ImageFormat | None, _enum_input()] = None


class HttpStatusPush(Wire):
    target_url: Annotated[str, AfterValidator(_http_url)]
    principal: OptStr = None
    credentials: OptStr = None
    auth_method: Annotated[AuthMethod | None, _enum_input({"OAUTH": "OAUTH2"})] = None


class StatusReportOptions(Wire):
    report_purge_ts: Any = None  # "not currently valid" at Retarus: accepted in any form, ignored
    report_mail: ReportMail | None = None
    http_status_push: HttpStatusPush | None = None


class JobValid(Wire):
    start: OptStr = None
    end: OptStr = None


class MetaData(Wire):
    customer_reference: OptStr = None
    job_valid: JobValid | None = None


class FaxJobRequest(Wire):
    reference: Reference | None = None
    recipients: Annotated[list[FaxRecipient], Field(min_length=1)]
    documents: list[Document] | None = None
    transport_options: TransportOptions | None = None
    rendering_options: RenderingOptions | None = None
    status_report_options: StatusReportOptions | None = None
    meta: MetaData | None = None


@functools.cache
def capped_job_request(max_recipients: int, max_documents: int) -> type[FaxJobRequest]:
    """FaxJobRequest with the per-job caps of the settings. A list over its cap is refused by
    its length alone, before any of its items is validated."""

    class CappedFaxJobRequest(FaxJobRequest):
        recipients: Annotated[list[FaxRecipient], Field(min_length=1, max_length=max_recipients)]
        documents: Annotated[list[Document], Field(max_length=max_documents)] | None = None

    return CappedFaxJobRequest


class BulkRequest(Wire):
    action: Annotated[BulkAction, _enum_input()]
    job_ids: Annotated[list[str], Field(max_length=MAX_BULK_IDS)]
