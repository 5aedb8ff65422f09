"""`render_fax`: one recipient's fax = (cover page) + the job's cached pages, each under its
header band, written as one multi-page TIFF Class F.

Only the cover page and the header bands are made per recipient; the document pages come
from the job's page cache and are spliced after the band without re-encoding.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from faxgate.config import Settings
from faxgate.domain.header import (
    DEFAULT_HEADER,
    HeaderContext,
    HeaderTemplate,
    expand,
    parse_header,
    personalisation,
)
from faxgate.domain.overlay import overlay_pages
from faxgate.render import pdfium
from faxgate.render.bitonal import halve_grey, to_bitonal
from faxgate.render.cover import cover_grey, cover_html
from faxgate.render.errors import RenderFailure, rendering_error
from faxgate.render.geometry import WIDTH, PageGeometry, paper_name
from faxgate.render.header_band import band_strip
from faxgate.render.model import RenderJob, RenderRecipient
from faxgate.render.overlay_image import apply_overlay, overlay_bitmap
from faxgate.render.pagestore import JobPages, job_pages
from faxgate.render.sniff import Kind, content_kind
from faxgate.render.tiff_f import (
    COMPRESSION_G3,
    COMPRESSION_G4,
    Strip,
    TiffWriter,
    concat_g4,
    decode,
    encode,
)


def render_fax(
    job: RenderJob, recipient: RenderRecipient, settings: Settings, cache_dir: Path, out: Path
) -> int:
    """Write the recipient's multi-page TIFF-F to `out`; return its page count."""
    try:
        template = parse_header(job.header if job.header is not None else DEFAULT_HEADER)
        geometry = PageGeometry(paper_name(job.paper), job.fine, len(template.lines))
    except ValueError as exc:
        raise rendering_error(f"the rendering options are invalid: {exc}") from exc
    if not job.documents and job.cover_html is None:
        raise rendering_error("the job has neither documents nor a cover page")
    has_cover = job.cover_html is not None
    now = datetime.now(UTC)
    context = HeaderContext(
        now=now, page=1, total=1, recipient_number=recipient.normalised_number, csid=job.csid,
        personalisation=personalisation(recipient.properties),
    )  # fmt: skip
    predicted = _predicted_total(job)
    with ThreadPoolExecutor(max_workers=1) as helper:
        # While Ghostscript rasterises (this thread only waits on it), draw the header bands
        # in a second thread: the page count of inline PDFs is known before rendering.
        early = None
        if predicted is not None and predicted <= settings.max_pages:
            early = helper.submit(_bands, template, context, predicted, geometry.fine)
        pages = job_pages(job, geometry, settings, cache_dir)
        total = len(pages) + int(has_cover)
        if total > settings.max_pages:
            raise rendering_error(
                f"the fax would have {total} pages (at most {settings.max_pages})"
            )
        bands = early.result() if early is not None and predicted == total else None
    if bands is None:
        bands = _bands(template, context, total, geometry.fine)
    compression = COMPRESSION_G3 if settings.fax_compression.lower() == "g3" else COMPRESSION_G4
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".render-", suffix=".tiff", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            writer = TiffWriter(stream, dpi_y=geometry.dpi_y, compression=compression)
            bodies = _bodies(job, recipient, geometry, pages, total, now, cache_dir)
            for number, (band, body) in enumerate(zip(bands, bodies, strict=True)):
                page = Strip(WIDTH, band.rows + body.rows, COMPRESSION_G4,
                             concat_g4(band.data, body.data))  # fmt: skip
                if compression == COMPRESSION_G3:
                    page = encode(decode(page), COMPRESSION_G3)
                writer.add_page(page, page_number=number, total=total)
            writer.close()
        os.replace(temporary, out)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return total


def _bands(template: HeaderTemplate, context: HeaderContext, total: int, fine: bool) -> list[Strip]:
    return [
        band_strip(expand(template, replace(context, page=number, total=total)), fine=fine)
        for number in range(1, total + 1)
    ]


def _predicted_total(job: RenderJob) -> int | None:
    """The page count when every document is an inline PDF (pdfium counts in milliseconds)."""
    total = int(job.cover_html is not None)
    for document in job.documents:
        if document.reference or not document.content or content_kind(document.content) != Kind.PDF:
            return None
        try:
            total += pdfium.page_count(document.content, document.name)
        except RenderFailure:
            return None  # the real build reports it
    return total


def _bodies(
    job: RenderJob, recipient: RenderRecipient, geometry: PageGeometry, pages: JobPages,
    total: int, now: datetime, cache_dir: Path,
) -> Iterator[Strip]:  # fmt: skip
    if job.cover_html is not None:
        yield _cover_body(job, recipient, geometry, pages, total, now, cache_dir)
    for index in range(len(pages)):
        yield pages.strip(index)


def _cover_body(
    job: RenderJob, recipient: RenderRecipient, geometry: PageGeometry, pages: JobPages,
    total: int, now: datetime, cache_dir: Path,
) -> Strip:  # fmt: skip
    assert job.cover_html is not None
    html = cover_html(job.cover_html, job, recipient, total, now)
    with tempfile.TemporaryDirectory(prefix=".cover-", dir=cache_dir) as work_name:
        work = Path(work_name)
        grey = cover_grey(html, geometry.paper, geometry.body_rows_fine, work)
        page = to_bitonal(grey if geometry.fine else halve_grey(grey))
        overlay = job.overlay
        if overlay is not None and 0 in overlay_pages(
            overlay.mode, cover=True, file_page_counts=pages.file_page_counts
        ):
            page = apply_overlay(page, overlay_bitmap(overlay.content, geometry, work))
    return encode(page)
