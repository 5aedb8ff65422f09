"""pypdfium2 (permissive licence, in-process): PDF pages → grey pages fitted to the body.

Used when Ghostscript is absent (or `FAXGATE_RASTERISER=pdfium`), to count pages and to tell
a broken or password-protected PDF before any rendering. Pages are rendered one at a time,
so a long PDF never has more than one bitmap in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from faxgate.render.bitonal import fit_grey
from faxgate.render.errors import rendering_error
from faxgate.render.geometry import DPI_FINE_Y, DPI_X, WIDTH

_POINTS_PER_INCH = 72.0


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
    message = str(exc).lower()
    if "password" in message:
        return f"document {name!r} is a password-protected PDF and cannot be opened"
    return f"document {name!r} is not a readable PDF (it is damaged or truncated)"


def page_count(source: Path | bytes, name: str) -> int:
    with open_pdf(source, name) as document:
        count = len(document)
    if count == 0:
        raise rendering_error(f"document {name!r} is a PDF without pages")
    return count


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
