"""The raw G4 splice: a band followed by a body decodes to the two images stacked."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from faxgate.render.tiff_f import COMPRESSION_G4, Strip, TiffWriter, concat_g4, decode, encode

_boxes = st.lists(
    st.tuples(st.integers(0, 1700), st.integers(0, 60), st.integers(1, 300), st.integers(1, 60)),
    max_size=6,
)


def picture(
    rows: int, boxes: list[tuple[int, int, int, int]], *, white_last_row: bool
) -> Image.Image:
    image = Image.new("1", (1728, rows), 1)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in boxes:
        draw.rectangle((x, y % rows, x + w, min(rows - 1, y % rows + h)), fill=0)
    if white_last_row:
        image.paste(1, (0, rows - 1, 1728, rows))
    return image


@settings(max_examples=25, deadline=None)
@given(_boxes, _boxes)
def test_splice_equals_stacking(band_boxes: list[tuple[int, int, int, int]],
                                body_boxes: list[tuple[int, int, int, int]]) -> None:  # fmt: skip
    band = picture(32, band_boxes, white_last_row=True)
    body = picture(90, body_boxes, white_last_row=False)
    spliced = Strip(1728, 122, COMPRESSION_G4, concat_g4(encode(band).data, encode(body).data))
    expected = Image.new("1", (1728, 122), 1)
    expected.paste(band, (0, 0))
    expected.paste(body, (0, 32))
    assert decode(spliced).tobytes() == expected.tobytes()


def test_band_without_eofb_is_refused() -> None:
    with pytest.raises(ValueError, match="EOFB"):
        concat_g4(b"\xff\xff", b"")


def test_writer_refuses_a_wrong_width() -> None:
    writer = TiffWriter(io.BytesIO(), dpi_y=196)
    with pytest.raises(ValueError, match="1728"):
        writer.add_page(Strip(1700, 10, COMPRESSION_G4, b""), page_number=0, total=1)
