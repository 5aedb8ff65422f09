"""The header band draws what DejaVu Sans Mono lacks (CJK) with Noto Sans CJK, on real fonts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw, ImageFont

from faxgate.config import Settings
from faxgate.render import header_band
from faxgate.render.fonts import cjk_font, mono_font
from faxgate.render.geometry import BAND_ROWS, WIDTH
from tests.render.conftest import Render, black_pixels, doc, make_job, text_pdf

needs_cjk = pytest.mark.skipif(cjk_font() is None, reason="fonts-noto-cjk is not installed")
MARGIN_X = 12  # where a left-aligned header piece starts


def band(text: str) -> Image.Image:
    return header_band.band_image([(text, "", "")])


def mono_only() -> ImageFont.FreeTypeFont:
    """The header font as it was before the fallback: DejaVu Sans Mono alone, 22 px."""
    return ImageFont.truetype(str(mono_font()), 22)


def drawn_with_mono_only(text: str) -> bytes:
    image = Image.new("L", (BAND_ROWS, BAND_ROWS), 255)
    ImageDraw.Draw(image).text((0, 4), text, font=mono_only(), fill=0)
    return image.tobytes()


def ink_rows(image: Image.Image) -> tuple[int, int]:
    """First and last row with a black pixel."""
    box = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert box is not None, "no ink"
    return box[1], box[3] - 1


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Fonts and drawn pieces are cached per process: start and leave without them."""
    caches = (header_band._fallback_font, header_band._segment)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


@needs_cjk
def test_different_cjk_characters_draw_differently() -> None:
    # the premise: DejaVu Sans Mono alone draws both as the same .notdef box
    assert drawn_with_mono_only("東") == drawn_with_mono_only("京")
    east, capital = band("東"), band("京")
    assert black_pixels(east) > 30
    assert black_pixels(capital) > 30
    assert east.tobytes() != capital.tobytes()


@needs_cjk
def test_latin_prefix_is_drawn_as_with_dejavu_alone() -> None:
    prefix = "Tokyo "
    mixed, latin = band(prefix + "東京 +81 3"), band(prefix)
    prefix_box = (0, 0, MARGIN_X + int(mono_only().getlength(prefix)), BAND_ROWS)
    assert black_pixels(latin, prefix_box) > 100
    assert mixed.crop(prefix_box).tobytes() == latin.crop(prefix_box).tobytes()
    # the CJK run and the Latin run after it are drawn too
    assert black_pixels(mixed, (prefix_box[2], 0, WIDTH, BAND_ROWS)) > 200


@needs_cjk
def test_cjk_header_keeps_the_band_height() -> None:
    # ㎏ has one of the deepest descenders among Noto CJK's horizontal-writing glyphs
    text = "東京本社 ㎏"
    image = header_band.band_image([(text, "", ""), ("Page 1/2", "", "")])
    assert image.size == (WIDTH, 2 * BAND_ROWS)
    top, bottom = ink_rows(band(text))
    assert top > 0, "glyphs cut at the top of the band"
    assert bottom < BAND_ROWS - 1, "the band's last row must stay white for the splice"
    cjk_top, cjk_bottom = ink_rows(band("東"))
    latin_top, latin_bottom = ink_rows(band("TE"))
    # about as tall as Latin capitals: scaled to fit, not shrunk to illegibility
    assert cjk_bottom - cjk_top >= 0.9 * (latin_bottom - latin_top)


@needs_cjk
def test_cjk_header_on_a_rendered_page(render: Render) -> None:
    settings = Settings(rasteriser="pdfium", render_processes=1, converter_timeout_secs=60)
    job = make_job((doc("a.pdf", text_pdf(1)),), header="東京本社%rPage %P/%T")
    _, (page,) = render(job, settings)
    assert page.height == 2292
    assert black_pixels(page.image, (0, 0, 300, BAND_ROWS)) > 100
    assert black_pixels(page.image, (0, BAND_ROWS - 1, WIDTH, BAND_ROWS)) == 0


def test_without_the_cjk_font_cjk_stays_boxes(
    monkeypatch: pytest.MonkeyPatch, fresh_caches: None
) -> None:
    monkeypatch.setattr(header_band, "cjk_font", lambda: None)
    east, capital = band("東"), band("京")
    assert black_pixels(east) > 30
    assert east.tobytes() == capital.tobytes()
    assert band("Tokyo").size == (WIDTH, BAND_ROWS)
