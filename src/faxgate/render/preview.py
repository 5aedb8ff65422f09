"""`page_png`: one page of a fax TIFF as a PNG, for the inspection endpoint."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from PIL import Image


def page_png(tiff: Path | IO[bytes], page: int) -> bytes:
    """The 1-based `page` as PNG; LOW pages are stretched to square pixels. IndexError if the
    TIFF has no such page."""
    with Image.open(tiff) as image:
        frames = getattr(image, "n_frames", 1)
        if not 1 <= page <= frames:
            raise IndexError(f"page {page} does not exist (the fax has {frames} pages)")
        image.seek(page - 1)
        frame = image.convert("1")
        dpi = image.info.get("dpi", (204, 196))
    x_dpi, y_dpi = float(dpi[0]), float(dpi[1])
    if y_dpi and x_dpi / y_dpi > 1.5:  # standard resolution: each row stands for two
        frame = frame.resize((frame.width, frame.height * 2), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    frame.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()
