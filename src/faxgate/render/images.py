"""Raster images (TIFF with any number of pages, PNG, JPEG, GIF, BMP) → grey body pages.

An image keeps its physical size when its file says its resolution and it fits; otherwise
it is scaled to fit the page. Decompression bombs are refused before any pixel is decoded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from faxgate.domain.statuses import FaxStatus
from faxgate.render.bitonal import fit_grey
from faxgate.render.errors import RenderFailure, rendering_error
from faxgate.render.geometry import DPI_FINE_Y, DPI_X

# Pillow's own limit (about 9459 × 9459): an A4 page scanned at 600 dpi (35 Mpx) fits easily,
# a PNG bomb does not. Pillow warns above it; the warning is turned into a refusal here.
MAX_IMAGE_PIXELS = 89_478_485


def grey_pages(source: Path, name: str, rows: int, *, max_pages: int) -> Iterator[Image.Image]:
    is_tiff = name.lower().endswith((".tif", ".tiff"))
    with _open(source, name) as image:
        frames = getattr(image, "n_frames", 1)
        if frames > max_pages:
            raise rendering_error(f"document {name!r} has {frames} pages (at most {max_pages})")
        for index in range(frames):
            try:
                image.seek(index)
                with warnings.catch_warnings():
                    warnings.simplefilter("error", Image.DecompressionBombWarning)
                    _check_size(image, name)
                    frame = _grey(image)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
                if isinstance(exc, Image.DecompressionBombWarning):
                    raise _bomb(name) from exc
                status = FaxStatus.TIFF_PAGE_ERR if is_tiff else FaxStatus.RENDERING_ERROR
                raise RenderFailure(
                    status, f"page {index + 1} of image {name!r} is damaged and cannot be read"
                ) from exc
            dpi_x, dpi_y = _resolution(image)
            if dpi_x and dpi_y:
                yield _physical(frame, rows, dpi_x, dpi_y)
            else:
                yield fit_grey(frame, rows, 1.0, DPI_FINE_Y / DPI_X)


def _open(source: Path, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
            _check_size(image, name)
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(name) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise rendering_error(f"image {name!r} is damaged or not a readable image") from exc


def _check_size(image: Image.Image, name: str) -> None:
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise _bomb(name)


def _bomb(name: str) -> RenderFailure:
    return rendering_error(
        f"image {name!r} is too large to render (more than {MAX_IMAGE_PIXELS:,} pixels)"
    )


def _grey(image: Image.Image) -> Image.Image:
    frame = ImageOps.exif_transpose(image)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba)
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
        frame = frame.point(lambda v: v / 256).convert("L")  # 16-bit scans → 8-bit grey
    return frame.convert("L")


def _resolution(image: Image.Image) -> tuple[float, float]:
    dpi = image.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        x, y = float(dpi[0]), float(dpi[1])
        if 50 <= x <= 4800 and 50 <= y <= 4800:
            return x, y
    return 0.0, 0.0


def _physical(frame: Image.Image, rows: int, dpi_x: float, dpi_y: float) -> Image.Image:
    """Keep the printed size when it fits the page (a fax TIFF passes through unscaled)."""
    return fit_grey(frame, rows, DPI_X / dpi_x, DPI_FINE_Y / dpi_y, enlarge=False)
