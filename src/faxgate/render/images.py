"""Raster images (TIFF with any number of pages, PNG, JPEG, GIF, BMP) → grey body pages.

An image keeps its physical size when its file says its resolution and it fits; otherwise
it is scaled to fit the page. Decoding is bounded:

- pixels: a frame larger than `max_image_pixels` (after a JPEG's reduced-scale decode) is
  refused before any pixel is decoded; Pillow's own bomb limit is set to the same hard cap;
- memory: a frame is shrunk right after decoding, before any conversion copies it, so a
  frame costs its decoded size (1 to 4 bytes a pixel) and little more;
- pages: frames are counted by walking at most `max_pages` + 1 of them (Pillow's `n_frames`
  walks every directory of a TIFF, and in quadratic time).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from faxgate.domain.statuses import FaxStatus
from faxgate.render.bitonal import fit_grey
from faxgate.render.errors import RenderFailure, rendering_error, too_many_pages
from faxgate.render.geometry import DPI_FINE_Y, DPI_X, WIDTH

# Pillow's bomb limit, set explicitly: no image this process opens may claim more pixels
# (the configurable, lower `max_image_pixels` is checked per frame).
MAX_IMAGE_PIXELS = 89_478_485
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_ORIENTATION = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Modes that Image.reduce averages correctly; the others are converted first.
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "F"})


def grey_pages(
    source: Path, name: str, rows: int, *, max_pages: int, max_pixels: int = MAX_IMAGE_PIXELS
) -> Iterator[Image.Image]:
    is_tiff = name.lower().endswith((".tif", ".tiff"))
    with _open(source, name, max_pixels) as image:
        frames = _frame_count(image, name, max_pages, is_tiff)
        for index in range(frames):
            try:
                image.seek(index)
                with warnings.catch_warnings():
                    warnings.simplefilter("error", Image.DecompressionBombWarning)
                    scale = _draft(image, rows)
                    _check_size(image, name, max_pixels)
                    frame, scale = _grey(image, rows, scale)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
                if isinstance(exc, Image.DecompressionBombWarning):
                    raise _bomb(name, max_pixels) from exc
                status = FaxStatus.TIFF_PAGE_ERR if is_tiff else FaxStatus.RENDERING_ERROR
                raise RenderFailure(
                    status, f"page {index + 1} of image {name!r} is damaged and cannot be read"
                ) from exc
            dpi_x, dpi_y = _resolution(image)
            if dpi_x and dpi_y:
                yield _physical(frame, rows, dpi_x / scale, dpi_y / scale)
            else:
                yield fit_grey(frame, rows, 1.0, DPI_FINE_Y / DPI_X)


def _open(source: Path, name: str, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
            # a JPEG decoded at reduced scale may be larger on file: checked per frame then
            if image.format != "JPEG":
                _check_size(image, name, max_pixels)
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(name, max_pixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise rendering_error(f"image {name!r} is damaged or not a readable image") from exc


def _frame_count(image: Image.Image, name: str, max_pages: int, is_tiff: bool) -> int:
    """The number of frames, walking at most max_pages + 1 of them."""
    count = 0
    try:
        while count <= max_pages:
            image.seek(count)
            count += 1
    except EOFError:
        image.seek(0)
        return count
    except (OSError, ValueError, SyntaxError) as exc:
        status = FaxStatus.TIFF_PAGE_ERR if is_tiff else FaxStatus.RENDERING_ERROR
        raise RenderFailure(
            status, f"page {count + 1} of image {name!r} is damaged and cannot be read"
        ) from exc
    raise too_many_pages(name, max_pages)


def _draft(image: Image.Image, rows: int) -> int:
    """A JPEG is decoded at 1/2, 1/4 or 1/8 scale when the page cannot show more detail
    (before its size is checked); the scale factor applied."""
    if image.format != "JPEG":
        return 1
    before = image.width
    side = max(WIDTH, rows)  # the page in either orientation
    image.draft(image.mode if image.mode in ("L", "CMYK") else "RGB", (side, side))
    return max(1, round(before / max(1, image.width)))


def _check_size(image: Image.Image, name: str, max_pixels: int) -> None:
    if image.width * image.height > max_pixels:
        raise _bomb(name, max_pixels)


def _bomb(name: str, max_pixels: int) -> RenderFailure:
    return rendering_error(
        f"image {name!r} is too large to render (more than {max_pixels:,} pixels,"
        " FAXGATE_MAX_IMAGE_PIXELS)"
    )


def _grey(image: Image.Image, rows: int, scale: int) -> tuple[Image.Image, int]:
    """The frame in mode L, shrunk first when it is well over the page; the total scale."""
    orientation = image.getexif().get(_ORIENTATION)
    frame = image if image.mode in _REDUCIBLE else image.convert(_reducible_mode(image))
    factor = _reduction(frame, rows)
    scale *= factor
    if frame.mode in ("RGBA", "LA"):
        # Pillow reduces these through a premultiplied copy of four bytes a pixel: the grey
        # and the alpha are taken apart at one byte a pixel each and reduced on their own
        grey, alpha = _reduced(frame.convert("L"), factor), _reduced(frame.getchannel("A"), factor)
        paper = Image.new("L", grey.size, 255)  # transparent is white paper
        paper.paste(grey, mask=alpha)
        frame = paper
    else:
        frame = _reduced(frame, factor)
    if orientation in _TRANSPOSE:
        frame = frame.transpose(_TRANSPOSE[orientation])
    if frame.mode == "I":
        frame = frame.point(lambda v: v / 256)  # 16-bit scans → 8-bit grey
    return frame.convert("L"), scale


def _reduced(frame: Image.Image, factor: int) -> Image.Image:
    return frame.reduce(factor) if factor > 1 else frame


def _reducible_mode(image: Image.Image) -> str:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return "I"
    if image.mode in ("PA", "La", "RGBa") or "transparency" in image.info:
        # P with a transparent colour: decided by colour and alpha, not by palette index
        return "RGBA"
    return "L" if image.mode in ("1", "P") else "RGB"


def _reduction(frame: Image.Image, rows: int) -> int:
    """How many times smaller the frame can be made and still cover the page in either
    orientation (fit_grey then scales it the rest of the way)."""
    return max(1, min(frame.width, frame.height) // max(WIDTH, rows))


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
