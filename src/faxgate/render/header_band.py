"""The header band of one page: the expanded header lines drawn above the body."""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

from PIL import Image, ImageDraw, ImageFont

from faxgate.render.bitonal import halve_bitonal
from faxgate.render.fonts import cjk_font, codepoints, mono_font
from faxgate.render.geometry import BAND_ROWS, WIDTH
from faxgate.render.tiff_f import Strip, encode

_FONT_PX = 22  # about 8 pt at 196 dpi: the usual size of a fax header
_MARGIN_X = 12
_TOP = 4

Run = tuple[str, ImageFont.FreeTypeFont]


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(mono_font()), _FONT_PX)


def _baseline() -> int:
    return _TOP + _font().getmetrics()[0]


@lru_cache(maxsize=1)
def _fallback_font() -> ImageFont.FreeTypeFont | None:
    """Noto Sans CJK sized to the band, or None when it is not installed."""
    path = cjk_font()
    if path is None:
        return None
    # Noto's line box is taller than DejaVu's: at the header's size its descenders would reach
    # the band's last row, which must stay white for the splice, so it is drawn a little smaller.
    above, below = _baseline(), BAND_ROWS - 1 - _baseline()
    size = _FONT_PX
    while True:
        font = ImageFont.truetype(str(path), size, index=0)
        ascent, descent = font.getmetrics()
        if size == 1 or (ascent <= above and descent <= below):
            return font
        size -= 1


@lru_cache(maxsize=1)
def _mono_codepoints() -> frozenset[int]:
    return codepoints(mono_font())


def _runs(text: str) -> list[Run]:
    """`text` split into runs of one font: DejaVu where it has the glyph, else the fallback."""
    fallback = _fallback_font()
    if fallback is None:
        return [(text, _font())]
    covered = _mono_codepoints()
    return [
        ("".join(chars), _font() if in_mono else fallback)
        for in_mono, chars in groupby(text, key=lambda ch: ord(ch) in covered)
    ]


@lru_cache(maxsize=512)
def _segment(text: str) -> Image.Image:
    """One piece of header text, drawn once: on a long fax only the page number changes, so
    the date and CSID pieces are reused from this cache on every page."""
    runs = _runs(text)
    width = max(1, int(sum(font.getlength(run) for run, font in runs)) + 2)
    image = Image.new("L", (width, BAND_ROWS), 255)
    draw = ImageDraw.Draw(image)
    x = 0.0
    for run, font in runs:
        # one shared baseline, whatever the fonts' different ascents
        draw.text((x, _baseline()), run, font=font, fill=0, anchor="ls")
        x += font.getlength(run)
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
