"""A document's bytes and kind: given inline, or fetched by reference at render time."""

from __future__ import annotations

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.net.fetch import FetchError, fetch_url
from faxgate.render.errors import DocumentRejected, RenderFailure, rendering_error
from faxgate.render.model import SourceDocument
from faxgate.render.sniff import Kind, classify


def load(document: SourceDocument, settings: Settings) -> bytes:
    """The document's bytes; a `reference` wins over inline data (spec §4.1)."""
    if document.reference:
        data = _fetch(document, settings)
    elif document.content is not None:
        data = document.content
    else:
        raise RenderFailure(
            FaxStatus.MISSING_FAX_FILE,
            f"document {document.name!r} has neither data nor a reference",
        )
    limit = settings.max_document_bytes
    if len(data) > limit:
        raise rendering_error(
            f"document {document.name!r} is {len(data):,} bytes, more than the limit of {limit:,}"
        )
    return data


def kind_of(document: SourceDocument, data: bytes) -> Kind:
    """The kind, or RenderFailure when the content is empty or contradicts the name."""
    try:
        return classify(document.name, data)
    except DocumentRejected as exc:
        status = FaxStatus.MISSING_FAX_FILE if not data else FaxStatus.UNKNOWN_FAX_FILE
        raise RenderFailure(status, str(exc)) from exc


def _fetch(document: SourceDocument, settings: Settings) -> bytes:
    assert document.reference is not None
    try:
        return fetch_url(document.reference, settings)
    except FetchError as exc:
        raise RenderFailure(
            FaxStatus.MISSING_FAX_FILE,
            f"document {document.name!r} could not be fetched from its reference: {exc}",
        ) from exc
