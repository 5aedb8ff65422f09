"""What a job (or its account) asks of its status report: push authentication and report-mail
options.

Enum values are the Fax4A wire values (spec §5.4, §5.5); ``parse`` helpers accept them in any
case and accept the Java SDK's ``OAUTH`` for ``OAUTH2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class PushAuth(StrEnum):
    """How the status push authenticates."""

    NONE = "NONE"
    HTTP_BASIC = "HTTP_BASIC"
    HTTP_DIGEST = "HTTP_DIGEST"
    OAUTH2 = "OAUTH2"

    @classmethod
    def parse(cls, text: str | None) -> PushAuth:
        value = (text or "NONE").strip().upper()
        if value == "OAUTH":  # Java SDK spelling (spec §5.4)
            return cls.OAUTH2
        try:
            return cls(value or "NONE")
        except ValueError:
            raise ValueError(
                f"authMethod {text!r}: expected one of NONE, HTTP_BASIC, HTTP_DIGEST, OAUTH2"
            ) from None


class ImageMode(StrEnum):
    """When the report mail carries the fax image."""

    NEVER = "NEVER"
    SUCCESS_ONLY = "SUCCESS_ONLY"
    FAILURE_ONLY = "FAILURE_ONLY"
    ALWAYS = "ALWAYS"

    @classmethod
    def parse(cls, text: str | None) -> ImageMode:
        return _parse(cls, text, cls.NEVER, "attachedFaxImageMode")

    def attaches(self, success: bool) -> bool:
        if self is ImageMode.ALWAYS:
            return True
        if self is ImageMode.SUCCESS_ONLY:
            return success
        if self is ImageMode.FAILURE_ONLY:
            return not success
        return False


class ImageFormat(StrEnum):
    """The fax image format in the report mail; PDF_WITH_OCR is searchable."""

    TIFF = "TIFF"
    PDF = "PDF"
    PDF_WITH_OCR = "PDF_WITH_OCR"

    @classmethod
    def parse(cls, text: str | None) -> ImageFormat:
        return _parse(cls, text, cls.TIFF, "attachedFaxImageFormat")


def _parse(cls: type[E], text: str | None, default: E, field: str) -> E:
    value = (text or "").strip().upper()
    if not value:
        return default
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in cls)
        raise ValueError(f"{field} {text!r}: expected one of {allowed}") from None


@dataclass(frozen=True)
class ReportMailOptions:
    """``statusReportOptions.reportMail``; an empty or missing address means no mail."""

    success_address: str | None = None
    failure_address: str | None = None
    attached_fax_image_mode: ImageMode = ImageMode.NEVER
    attached_fax_image_format: ImageFormat = ImageFormat.TIFF
