"""`precheck_document`: the fast submit-time check (400 instead of a failed fax later)."""

from __future__ import annotations

from faxgate.config import Settings
from faxgate.render import pdfium
from faxgate.render.errors import DocumentRejected, RenderFailure
from faxgate.render.sniff import Kind, classify


def precheck_document(name: str, content: bytes, settings: Settings) -> None:
    """Raise DocumentRejected for an unknown extension, 0 bytes, content that lies about its
    type, a PDF that does not parse or needs a password, or a document over the size limit."""
    if len(content) > settings.max_document_bytes:
        raise DocumentRejected(
            f"document {name!r} is {len(content):,} bytes, "
            f"more than the limit of {settings.max_document_bytes:,}"
        )
    kind = classify(name, content)
    if kind is Kind.PDF:
        try:
            pages = pdfium.page_count(content, name)
        except RenderFailure as exc:
            raise DocumentRejected(exc.reason) from exc
        if pages > settings.max_pages:
            raise DocumentRejected(
                f"document {name!r} has {pages} pages (at most {settings.max_pages})"
            )
