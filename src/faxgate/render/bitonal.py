"""Grey page → fax bitmap: fit, centre, rotate, then threshold text and halftone photos.

Text and line art are thresholded (sharp, cheap to send). Areas that are mostly mid-grey
(photos, shading) get a clustered-dot halftone: error diffusion (Pillow's default
`convert("1")`) makes a photo page 3-4 times larger in G4 and so minutes longer on the line.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageChops, ImageFilter

from faxgate.render.geometry import WIDTH

_THRESHOLD = 160  # grey below this is black; a little dark-biased keeps thin strokes
_MID_LOW, _MID_HIGH = 40, 215  # a pixel between these is a tone, not ink or paper
_BLOCK = 16  # halftone decisions are made per block of this size
_SPOT_6X6 = (  # clustered-dot order: the dot grows from the centre of each 6×6 cell
    (35, 28, 20, 17, 24, 33),
    (27, 12, 8, 5, 13, 25),
    (19, 7, 1, 0, 9, 21),
    (16, 4, 2, 3, 10, 22),
    (26, 14, 6, 11, 15, 29),
    (34, 30, 23, 18, 31, 32),
)


def fit_grey(
    image: Image.Image, rows: int, scale_x: float, scale_y: float, *, enlarge: bool = True
) -> Image.Image:
    """`image` (mode L) scaled by the given factors, then to fit WIDTH × rows (only shrunk
    unless `enlarge`), centred on white, and turned when landscape and larger turned."""
    width, height = image.width * scale_x, image.height * scale_y
    limit = float("inf") if enlarge else 1.0
    turned = (image.height * scale_x, image.width * scale_y)
    if width > height and min(limit, _fit(*turned, rows)) > min(limit, _fit(width, height, rows)):
        image = image.transpose(Image.Transpose.ROTATE_90)
        width, height = image.width * scale_x, image.height * scale_y
    factor = min(limit, _fit(width, height, rows))
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    if size != image.size:
        # BOX when shrinking (an area average, and 20× faster than Lanczos on a full page)
        shrinking = size[0] <= image.width and size[1] <= image.height
        image = image.resize(size, Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR)
    canvas = Image.new("L", (WIDTH, rows), 255)
    canvas.paste(image, ((WIDTH - size[0]) // 2, (rows - size[1]) // 2))
    return canvas


def _fit(width: float, height: float, rows: int) -> float:
    return min(WIDTH / width, rows / height)


def halve_grey(image: Image.Image) -> Image.Image:
    """Fine → standard resolution: every two rows become one (box filter)."""
    return image.reduce((1, 2))


def halve_bitonal(image: Image.Image) -> Image.Image:
    """Fine → standard for a page that is already 1-bit: a row pair is black where either is,
    so one-pixel horizontal lines survive."""
    return image.convert("L").reduce((1, 2)).point(lambda v: 255 if v > 200 else 0, "1")


def to_bitonal(grey: Image.Image) -> Image.Image:
    """Mode L → mode 1: threshold where the page is ink on paper, halftone where it is tone."""
    thresholded = grey.point(lambda v: 255 if v >= _THRESHOLD else 0, "1")
    tone = grey.point(lambda v: 255 if _MID_LOW < v < _MID_HIGH else 0)
    small = tone.reduce(_BLOCK).point(lambda v: 255 if v > 96 else 0)
    if small.getbbox() is None:
        return thresholded  # no tonal area: the common case for text pages
    mask = small.filter(ImageFilter.MaxFilter(3)).resize(grey.size, Image.Resampling.NEAREST)
    return Image.composite(halftone(grey), thresholded, mask.convert("1"))


def halftone(grey: Image.Image) -> Image.Image:
    """Clustered-dot ordered halftone of a mode-L image."""
    screen = _screen(grey.size)
    # white where the grey is lighter than the screen's threshold at that pixel
    return ImageChops.subtract(grey, screen).point(lambda v: 255 if v > 0 else 0, "1")


@lru_cache(maxsize=4)
def _screen(size: tuple[int, int]) -> Image.Image:
    cells = len(_SPOT_6X6) * len(_SPOT_6X6[0])
    tile = Image.new("L", (6, 6))
    tile.putdata([round((rank + 0.5) * 255 / cells) for row in _SPOT_6X6 for rank in row])
    band = Image.new("L", (size[0], 6))
    for x in range(0, size[0], 6):
        band.paste(tile, (x, 0))
    screen = Image.new("L", size)
    for y in range(0, size[1], 6):
        screen.paste(band, (0, y))
    return screen
