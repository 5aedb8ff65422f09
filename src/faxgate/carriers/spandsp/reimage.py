"""Re-image a fine (196 dpi) fax document at standard resolution (98 dpi).

spandsp 0.0.6 cannot convert resolution while sending: a remote that accepts only
standard resolution ends the first session with T30_ERR_NORESSUPPORT. Every fax machine
must accept standard resolution (T.30), so the carrier, as real fax servers do, sends the
pages again at 98 dpi. Two fine rows become one; a pixel is black if either was, so thin
horizontal strokes survive.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageSequence

STANDARD_DPI = (204, 98)


def to_standard(source: Path, target: Path) -> int:
    """Write `source` at 98 dpi to `target` (TIFF G4); return the page count."""
    pages: list[Image.Image] = []
    with Image.open(source) as img:
        for frame in ImageSequence.Iterator(img):
            grey = frame.convert("L")
            halved = grey.reduce((1, 2))  # average of each pair of rows
            pages.append(halved.point(lambda v: 255 if v == 255 else 0).convert("1"))
    pages[0].save(
        target, save_all=True, append_images=pages[1:], compression="group4", dpi=STANDARD_DPI
    )
    return len(pages)
