"""The account's overlay (a one-page PDF or image, e.g. a letterhead) as a body bitmap."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops

from faxgate.render import images, pdfium
from faxgate.render.bitonal import halve_grey, to_bitonal
from faxgate.render.errors import DocumentRejected, rendering_error
from faxgate.render.geometry import PageGeometry
from faxgate.render.sniff import IMAGE_KINDS, Kind, content_kind


def overlay_bitmap(content: bytes, geometry: PageGeometry, work_dir: Path) -> Image.Image:
    """Mode-1 image of the overlay's first page, at the body size of the output resolution."""
    kind = content_kind(content)
    source = work_dir / "overlay.bin"
    source.write_bytes(content)
    rows = geometry.body_rows_fine
    if kind is Kind.PDF:
        grey = next(iter(pdfium.grey_pages(source, "overlay", rows)))
    elif kind in IMAGE_KINDS:
        grey = next(iter(images.grey_pages(source, "overlay", rows, max_pages=1_000)))
    else:
        raise rendering_error("the overlay template is neither a PDF nor an image")
    return to_bitonal(grey if geometry.fine else halve_grey(grey))


def check_overlay(content: bytes) -> None:
    """Submit/upload-time check of an overlay template."""
    kind = content_kind(content)
    if kind is not Kind.PDF and kind not in IMAGE_KINDS:
        raise DocumentRejected("an overlay template must be a one-page PDF or an image")


def apply_overlay(page: Image.Image, overlay: Image.Image) -> Image.Image:
    """Black wherever the page or the overlay is black (mode 1: black is 0, so AND)."""
    return ImageChops.logical_and(page, overlay)
