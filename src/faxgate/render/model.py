"""What the service asks the renderer to do (the contract of the render package)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceDocument:
    name: str  # the Fax4A document name; its extension is cross-checked with the content
    content: bytes | None  # decoded data, or None when given by reference
    reference: str | None  # URL, fetched at render time
    charset: str | None  # only for .txt; Retarus names, case-insensitive (spec §5.1)


@dataclass(frozen=True)
class OverlaySpec:
    content: bytes  # one-page PDF or image (the account's overlay template)
    mode: str  # spec §5.6 mode, already upper-cased


@dataclass(frozen=True)
class RenderJob:
    job_id: str
    documents: tuple[SourceDocument, ...]
    paper: str  # "A4" | "LETTER"
    fine: bool  # HIGH=True, LOW=False
    header: str | None  # renderingOptions.header; None → default header
    csid: str  # sender CSID for %C and the default header
    cover_html: str | None  # Jinja2 HTML template text, or None for no cover page
    overlay: OverlaySpec | None
    submitted_at: datetime  # aware UTC


@dataclass(frozen=True)
class RenderRecipient:
    index: int
    number: str  # as the client sent it
    normalised_number: str  # 00… form, for %#
    properties: tuple[tuple[str, str], ...]  # cover-page keys/values, %K
