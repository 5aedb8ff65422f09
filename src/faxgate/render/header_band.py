"""The header band of one page: the expanded header lines drawn above the body."""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from faxgate.render.bitonal import halve_bitonal
from faxgate.render.fonts import mono_font
from faxgate.render.geometry import BAND_ROWS, WIDTH
from faxgate.render.tiff_f import Strip, encode

_FONT_PX = 22  # about 8 pt at 196 dpi: the usual size of a fax header
_MARGIN_X = 12
_TOP = 4


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(mono_font()), _FONT_PX)


@lru_cache(maxsize=512)
def _segment(text: str) -> Image.Image:
    """One piece of header text, drawn once: on a long fax only the page number changes, so
    the date and CSID pieces are reused from this cache on every page."""
    font = _font()
    width = max(1, int(font.getlength(text)) + 2)
    image = Image.new("L", (width, BAND_ROWS), 255)
    ImageDraw.Draw(image).text((0, _TOP), text, font=font, fill=0)
    return image


def band_image(lines: list[tuple[str, str, str]]) -> Image.Image:
    """Mode-1 band at fine resolution, BAND_ROWS per line."""
    grey = Image.new("L", (WIDTH, BAND_ROWS * len(lines)), 255)
    for number, (left, centre, right) in enumerate(lines):
        y = number * BAND_ROWS
        if left:
            grey.paste(_segment(left), (_MARGIN_X, y))
        if centre:
            piece = _segment(centre)
            grey.paste(piece, ((WIDTH - piece.width) // 2, y))
        if right:
            piece = _segment(right)
            grey.paste(piece, (WIDTH - _MARGIN_X - piece.width, y))
    return grey.point(lambda v: 255 if v >= 128 else 0, "1")


def band_strip(lines: list[tuple[str, str, str]], *, fine: bool) -> Strip:
    band = band_image(lines)
    if not fine:
        band = halve_bitonal(band)
    # the body's G4 codes are appended after this band and assume a white row above them
    band.paste(255, (0, band.height - 1, WIDTH, band.height))
    return encode(band)
