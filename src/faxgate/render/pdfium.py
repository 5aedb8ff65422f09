"""pypdfium2 (permissive licence, in-process): PDF pages → grey pages fitted to the body.

Used when Ghostscript is absent (or `FAXGATE_RASTERISER=pdfium`), to count pages and to tell
a broken or password-protected PDF before any rendering. Pages are rendered one at a time,
so a long PDF never has more than one bitmap in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from faxgate.render.bitonal import fit_grey
from faxgate.render.errors import rendering_error
from faxgate.render.geometry import DPI_FINE_Y, DPI_X, WIDTH

_POINTS_PER_INCH = 72.0
# pdfium must never run in two threads at once; the API process checks PDFs on the event
# loop and, for large bodies, in worker threads.
_PDFIUM_LOCK = threading.Lock()


@contextmanager
def open_pdf(source: Path | bytes, name: str) -> Iterator[pdfium.PdfDocument]:
    """The parsed PDF; RenderFailure(RENDERING_ERROR) if it is broken or needs a password."""
    try:
        document = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        raise rendering_error(describe_pdf_error(name, exc)) from exc
    try:
        yield document
    finally:
        document.close()


def describe_pdf_error(name: str, exc: Exception) -> str:
    return _pdf_error(name, password="password" in str(exc).lower())


def _pdf_error(name: str, password: bool) -> str:
    if password:
        return f"document {name!r} is a password-protected PDF and cannot be opened"
    return f"document {name!r} is not a readable PDF (it is damaged or truncated)"


def page_count(source: Path | bytes, name: str) -> int:
    """The number of pages; RenderFailure(RENDERING_ERROR) for a broken, empty or
    password-protected PDF."""
    if isinstance(source, bytes):
        count = _count_in_memory(source, name)
    else:
        with open_pdf(source, name) as document:
            count = len(document)
    if count == 0:
        raise rendering_error(f"document {name!r} is a PDF without pages")
    return count


def _count_in_memory(content: bytes, name: str) -> int:
    # pdfium's C API directly: on every submit, the helper objects (finalizers, weak
    # references) cost more than parsing a small PDF.
    with _PDFIUM_LOCK:
        document = pdfium_c.FPDF_LoadMemDocument64(content, len(content), None)
        if not document:
            password = pdfium_c.FPDF_GetLastError() == pdfium_c.FPDF_ERR_PASSWORD
            raise rendering_error(_pdf_error(name, password))
        try:
            return int(pdfium_c.FPDF_GetPageCount(document))
        finally:
            pdfium_c.FPDF_CloseDocument(document)


def grey_pages(source: Path, name: str, rows: int) -> Iterator[Image.Image]:
    """Each page as a mode-L image of WIDTH × rows at fine resolution, content fitted."""
    with open_pdf(source, name) as document:
        for index in range(len(document)):
            page = document[index]
            try:
                width, height = page.get_size()
                turn = width > height
                if turn:
                    width, height = height, width
                # pdfium renders square pixels: render at 204 dpi horizontally, then squeeze
                # the height to 196 dpi in fit_grey.
                factor = min(WIDTH / (width * DPI_X / _POINTS_PER_INCH),
                             rows / (height * DPI_FINE_Y / _POINTS_PER_INCH))  # fmt: skip
                scale = DPI_X / _POINTS_PER_INCH * min(1.0, factor) * 1.0001
                bitmap = page.render(
                    scale=scale, rotation=90 if turn else 0, grayscale=True, may_draw_forms=True
                )
                image = bitmap.to_pil().convert("L")
            except pdfium.PdfiumError as exc:
                raise rendering_error(
                    f"page {index + 1} of document {name!r} cannot be rendered"
                ) from exc
            finally:
                page.close()
            yield fit_grey(image, rows, 1.0, DPI_FINE_Y / DPI_X)
