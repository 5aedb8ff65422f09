"""The two ways rendering refuses a document.

    Exception
    ├── RenderFailure        processing time: ends the recipient with a Fax4A status (§6)
    └── ValueError
        └── DocumentRejected submit time: the API answers 400 with str(exc)

Foreign failures (Ghostscript exit codes, pdfium and Pillow errors, LibreOffice) are
translated into these at the adapter that meets them, with a sentence a person understands.
"""

from __future__ import annotations

from faxgate.domain.statuses import FaxStatus


class RenderFailure(Exception):
    """A recipient cannot be rendered; `status` is the report status, `reason` the why."""

    def __init__(self, status: FaxStatus, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason

    def __reduce__(self) -> tuple[type[RenderFailure], tuple[FaxStatus, str]]:
        # keeps status and reason intact across the process-pool boundary (pickle)
        return (RenderFailure, (self.status, self.reason))


class DocumentRejected(ValueError):
    """A fault visible at submit time; str(exc) names it."""


def rendering_error(reason: str) -> RenderFailure:
    return RenderFailure(FaxStatus.RENDERING_ERROR, reason)


def unknown_file(reason: str) -> RenderFailure:
    return RenderFailure(FaxStatus.UNKNOWN_FAX_FILE, reason)


def too_many_pages(name: str, limit: int, pages: int | None = None) -> RenderFailure:
    """A document over the page limit, found before or while its pages are produced."""
    count = f"{pages} pages" if pages is not None else f"more than {limit} pages"
    return rendering_error(f"document {name!r} has {count} (at most {limit}, FAXGATE_MAX_PAGES)")
