"""TIFF Class F pieces: raw CCITT G4 streams, their concatenation, and a streaming writer.

Why raw streams: a document page is rasterised and G4-encoded once per job; each recipient's
page is its header band followed by that cached body. G4 codes every row against the row
above, starting from an imaginary white row. The band always ends with a white row, so the
body's codes stay valid after it: band + body is a bit-level concatenation, no re-encoding.

All streams here use the fax convention (bit 1 = black, Photometric min-is-white, FillOrder 1).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps

from faxgate.render.geometry import DPI_X, WIDTH

_EOFB = 0x001001  # two EOL codes end a G4 stream
COMPRESSION_G3 = 3
COMPRESSION_G4 = 4


@dataclass(frozen=True)
class Strip:
    """One page of a TIFF as a single raw strip, with what is needed to decode it."""

    width: int
    rows: int
    compression: int
    data: bytes
    t4_options: int = 0


def encode(image: Image.Image, compression: int = COMPRESSION_G4) -> Strip:
    """A mode-1 image (255 = white) as one raw G4 (or G3) strip."""
    # Pillow writes mode 1 as min-is-black, so the bits would be inverted relative to the
    # fax convention; invert first and relabel, which makes the codes min-is-white.
    inverted = ImageOps.invert(image.convert("L")).convert("1", dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    name = "group4" if compression == COMPRESSION_G4 else "group3"
    inverted.save(buffer, "TIFF", compression=name, tiffinfo={278: image.height})
    (strip,) = _iter_strips(buffer.getvalue(), relabelled=True)
    return strip


def decode(strip: Strip) -> Image.Image:
    """The mode-1 image of a raw strip (255 = white)."""
    buffer = io.BytesIO()
    writer = TiffWriter(buffer, dpi_y=196, compression=strip.compression)
    writer.add_page(strip, page_number=0, total=1)
    writer.close()
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.load()
        return image.convert("1")


def concat_g4(band: bytes, body: bytes) -> bytes:
    """The G4 stream of `band` rows followed by `body` rows (band's last row must be white)."""
    total_bits = len(band) * 8
    value = int.from_bytes(band, "big")
    if value == 0:
        raise ValueError("header band stream is empty")
    trailing_zeros = (value & -value).bit_length() - 1
    if (value >> trailing_zeros) & 0xFFFFFF != _EOFB:
        raise ValueError("header band stream does not end with EOFB")
    head_bits = total_bits - trailing_zeros - 24
    head = value >> (total_bits - head_bits)
    body_bits = len(body) * 8
    combined = (head << body_bits) | int.from_bytes(body, "big")
    pad = -(head_bits + body_bits) % 8
    return (combined << pad).to_bytes((head_bits + body_bits + pad) // 8, "big")


def read_strips(source: bytes | Path) -> list[Strip]:
    """Every page of a bilevel TIFF as a raw strip; ValueError if a page is not one CCITT strip
    in the fax convention (the caller then decodes it with Pillow instead)."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    return list(_iter_strips(data))


def _iter_strips(data: bytes, *, relabelled: bool = False) -> Iterator[Strip]:
    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    else:
        raise ValueError("not a TIFF file")
    (offset,) = struct.unpack_from(order + "I", data, 4)
    seen: set[int] = set()
    while offset:
        if offset in seen or offset + 2 > len(data):
            raise ValueError("TIFF directory chain is broken")
        seen.add(offset)
        tags = _read_ifd(data, order, offset)
        yield _strip_of(data, tags, relabelled=relabelled)
        (offset,) = struct.unpack_from(
            order + "I", data, offset + 2 + 12 * _count(data, order, offset)
        )


def _count(data: bytes, order: str, offset: int) -> int:
    return int(struct.unpack_from(order + "H", data, offset)[0])


def _read_ifd(data: bytes, order: str, offset: int) -> dict[int, tuple[int, ...]]:
    sizes = {3: ("H", 2), 4: ("I", 4), 5: ("II", 8)}
    tags: dict[int, tuple[int, ...]] = {}
    for index in range(_count(data, order, offset)):
        tag, kind, count = struct.unpack_from(order + "HHI", data, offset + 2 + 12 * index)
        if kind not in sizes:
            continue
        fmt, size = sizes[kind]
        where = offset + 2 + 12 * index + 8
        if size * count > 4:
            (where,) = struct.unpack_from(order + "I", data, where)
        tags[tag] = struct.unpack_from(order + fmt * count, data, where)
    return tags


def _strip_of(data: bytes, tags: dict[int, tuple[int, ...]], *, relabelled: bool) -> Strip:
    compression = tags.get(259, (1,))[0]
    photometric = tags.get(262, (0,))[0]
    fill_order = tags.get(266, (1,))[0]
    bits = tags.get(258, (1,))[0]
    offsets, counts = tags.get(273, ()), tags.get(279, ())
    if compression not in (COMPRESSION_G3, COMPRESSION_G4) or bits != 1:
        raise ValueError("page is not CCITT-coded")
    if photometric != int(relabelled) or fill_order != 1 or len(offsets) != 1 or len(counts) != 1:
        raise ValueError("page is not one min-is-white strip")
    start, length = offsets[0], counts[0]
    if start + length > len(data):
        raise ValueError("page data is truncated")
    return Strip(
        width=tags[256][0],
        rows=tags[257][0],
        compression=compression,
        data=data[start : start + length],
        t4_options=tags.get(292, (0,))[0],
    )


class TiffWriter:
    """Writes a multi-page TIFF Class F one page at a time (pages never all in memory)."""

    def __init__(self, out: BinaryIO, *, dpi_y: int, compression: int = COMPRESSION_G4) -> None:
        self._out = out
        self._dpi_y = dpi_y
        self._compression = compression
        self._next_pointer = 4  # where the offset of the next IFD is to be written
        out.write(b"II*\x00\x00\x00\x00\x00")
        self.pages = 0

    def add_page(self, strip: Strip, *, page_number: int, total: int) -> None:
        if strip.compression != self._compression:
            raise ValueError("strip compression differs from the file's")
        if strip.width != WIDTH:
            raise ValueError(f"fax pages are {WIDTH} px wide, not {strip.width}")
        out = self._out
        data_offset = out.tell()
        out.write(strip.data)
        if out.tell() % 2:
            out.write(b"\x00")
        resolution_offset = out.tell()
        out.write(struct.pack("<IIII", DPI_X, 1, self._dpi_y, 1))
        ifd_offset = out.tell()
        entries: list[tuple[int, int, int, int]] = [
            (254, 4, 1, 2),  # NewSubfileType: page of a multi-page document
            (256, 4, 1, strip.width),
            (257, 4, 1, strip.rows),
            (258, 3, 1, 1),
            (259, 3, 1, strip.compression),
            (262, 3, 1, 0),  # min-is-white
            (266, 3, 1, 1),  # FillOrder msb-to-lsb
            (273, 4, 1, data_offset),
            (274, 3, 1, 1),
            (277, 3, 1, 1),
            (278, 4, 1, strip.rows),
            (279, 4, 1, len(strip.data)),
            (282, 5, 1, resolution_offset),
            (283, 5, 1, resolution_offset + 8),
            (284, 3, 1, 1),
            (296, 3, 1, 2),  # ResolutionUnit: inch
            (297, 3, 2, page_number | (total << 16)),  # PageNumber n/N (two SHORTs)
        ]
        if strip.compression == COMPRESSION_G3:
            entries.append((292, 4, 1, strip.t4_options))
        else:
            entries.append((293, 4, 1, 0))
        entries.sort()
        out.write(struct.pack("<H", len(entries)))
        for tag, kind, count, value in entries:
            out.write(struct.pack("<HHII", tag, kind, count, value))
        end = out.tell()
        out.write(b"\x00\x00\x00\x00")
        out.seek(self._next_pointer)
        out.write(struct.pack("<I", ifd_offset))
        out.seek(end + 4)
        self._next_pointer = end
        self.pages += 1

    def close(self) -> None:
        self._out.flush()
