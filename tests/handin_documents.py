"""Files a fax gateway might hand in, made on the fly: fax TIFFs (TIFF Class F), a colour
TIFF and broken ones."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from faxgate.render.tiff_f import COMPRESSION_G4, Strip, TiffWriter

FAX_WIDTH = 1728


def fax_pages(pages: int, fine: bool = True, rows: int | None = None) -> list[Image.Image]:
    """Fax pages (mode 1, white paper) each with a black box at its own place."""
    height = rows or (2200 if fine else 1100)
    frames = []
    for n in range(pages):
        page = Image.new("1", (FAX_WIDTH, height), 1)
        ImageDraw.Draw(page).rectangle((100 + 40 * n, 100, 700 + 40 * n, 500), fill=0)
        frames.append(page)
    return frames


def fax_tiff(
    pages: int = 2, fine: bool = True, rows: int | None = None, coding: str = "group4"
) -> bytes:
    """A TIFF Class F: 1728 px wide, 1-bit, CCITT-coded, 204 × 196 (or 98) dpi."""
    frames = fax_pages(pages, fine, rows)
    out = io.BytesIO()
    frames[0].save(
        out, "TIFF", compression=coding, dpi=(204, 196 if fine else 98), save_all=True,
        append_images=frames[1:],
    )  # fmt: skip
    return out.getvalue()


def colour_tiff(width: int = 800, height: int = 600) -> bytes:
    """An RGB photo-like TIFF: white with a dark red box in the middle, no resolution."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    box = (width // 4, height // 4, width * 3 // 4, height * 3 // 4)
    ImageDraw.Draw(image).rectangle(box, fill=(160, 20, 20))
    out = io.BytesIO()
    image.save(out, "TIFF", compression="tiff_lzw")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (10, 10), 255).save(out, "PNG")
    return out.getvalue()


def truncated(data: bytes) -> bytes:
    """The file cut off at two thirds: its directories are there, its image data is not."""
    return data[: len(data) * 2 // 3]


def broken_fax_tiff() -> bytes:
    """A fax TIFF whose directory is sound but whose G4 data is not (all zero bits)."""
    out = io.BytesIO()
    writer = TiffWriter(out, dpi_y=196)
    writer.add_page(Strip(FAX_WIDTH, 2200, COMPRESSION_G4, bytes(300)), page_number=0, total=1)
    writer.close()
    return out.getvalue()


def mixed_fax_tiff() -> bytes:
    """Two fax pages, the first in fine resolution, the second in normal (its own dpi)."""
    (fine,), (normal,) = fax_pages(1, fine=True), fax_pages(1, fine=False)
    normal.encoderinfo = {"dpi": (204, 98), "compression": "group4"}  # its own, not the first's
    out = io.BytesIO()
    fine.save(
        out, "TIFF", compression="group4", dpi=(204, 196), save_all=True, append_images=[normal]
    )
    return out.getvalue()
