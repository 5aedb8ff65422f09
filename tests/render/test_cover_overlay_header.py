"""Cover pages, overlays and the header band, checked on the rendered pages."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageDraw

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import DEFAULT_COVER_HTML, OverlaySpec, RenderFailure, check_template
from faxgate.render.cover import cover_html
from tests.render.conftest import (
    RECIPIENT,
    Render,
    black_pixels,
    doc,
    make_job,
    text_pdf,
)

CORNER = (1400, 2032, 1650, 2232)  # where the test overlay's square lands on a fine A4 page


def corner_overlay() -> bytes:
    image = Image.new("L", (1728, 2260), 255)
    ImageDraw.Draw(image).rectangle((1400, 2000, 1650, 2200), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(204, 196))  # fax resolution: placed 1:1 on the body
    return buffer.getvalue()


# cover page + a.pdf (2 pages) + b.pdf (1 page) = pages 0..3
EXPECTED = {
    "ALL_PAGES": {0, 1, 2, 3},
    "NO_OVERLAY": set(),
    "FIRST_PAGE": {0},
    "LAST_PAGE": {3},
    "ALL_BUT_FIRST_PAGE": {1, 2, 3},
    "ALL_BUT_LAST_PAGE": {0, 1, 2},
    "ALL_BUT_FIRST_AND_LAST_PAGE": {1, 2},
    "FIRST_FILE": {1, 2},
}


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_overlay_is_on_exactly_the_pages_of_its_mode(
    render: Render, gs_settings: Settings, mode: str
) -> None:
    job = make_job(
        (doc("a.pdf", text_pdf(2)), doc("b.pdf", text_pdf(1))),
        cover_html=DEFAULT_COVER_HTML,
        overlay=OverlaySpec(corner_overlay(), mode),
    )
    count, pages = render(job, gs_settings)
    assert count == 4
    square = (CORNER[2] - CORNER[0]) * (CORNER[3] - CORNER[1])
    marked = {n for n, page in enumerate(pages) if black_pixels(page.image, CORNER) > square * 0.9}
    assert marked == EXPECTED[mode]
    clean = {n for n, page in enumerate(pages) if black_pixels(page.image, CORNER) == 0}
    assert clean == set(range(4)) - EXPECTED[mode]


def test_pdf_overlay_at_low_resolution(render: Render, settings: Settings) -> None:
    letterhead = text_pdf(1)  # ink at the top of the page, like a letterhead
    blank = make_job((doc("a.txt", b"\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nlow text"),), fine=False)
    job = make_job(blank.documents, fine=False, overlay=OverlaySpec(letterhead, "ALL_PAGES"))
    _, (plain,) = render(blank, settings)
    _, (overlaid,) = render(job, settings)
    top = (0, 16, 1728, 200)
    assert black_pixels(plain.image, top) < black_pixels(overlaid.image, top)


def test_cover_values_are_escaped_and_undefined_keys_are_empty() -> None:
    template = "<p>{{ ToName }}|{{ Missing }}|{{ Missing.deeper }}|{{ ToFaxNum }}</p>"
    html = cover_html(template, make_job(()), RECIPIENT, 3, datetime.now(UTC))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "||" in html
    assert "+49 89 1234567" in html


def test_cover_templates_run_sandboxed() -> None:
    template = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(RenderFailure, match="cannot be filled"):
        cover_html(template, make_job(()), RECIPIENT, 1, datetime.now(UTC))


def test_default_cover_uses_the_spec_keys() -> None:
    for key in ("FromName", "FromCompanyName", "FromTelNum", "ToName", "ToCompanyName",
                "ToFaxNum", "SubjectTitle", "SubjectText"):  # fmt: skip
        assert "{{ " + key + " }}" in DEFAULT_COVER_HTML


def test_cover_only_job_is_one_page(render: Render, settings: Settings) -> None:
    count, (page,) = render(make_job((), cover_html=DEFAULT_COVER_HTML), settings)
    assert count == 1
    assert black_pixels(page.image, (0, 32, 1728, 800)) > 5000


def test_cover_that_overflows_fails(render: Render, settings: Settings) -> None:
    template = "<p>{{ SubjectText }}</p>" + "<p>line</p>" * 200
    with pytest.raises(RenderFailure) as caught:
        render(make_job((doc("a.pdf", text_pdf(1)),), cover_html=template), settings)
    assert caught.value.status is FaxStatus.RENDERING_ERROR
    assert "does not fit on one page" in caught.value.reason


def test_template_syntax_is_checked() -> None:
    check_template(DEFAULT_COVER_HTML)
    with pytest.raises(ValueError, match="line 1"):
        check_template("{{ unclosed ")


def test_header_alignment_and_lines(render: Render, gs_settings: Settings) -> None:
    job = make_job((doc("a.pdf", text_pdf(1)),), header="LEFT%cCENTRE%rPage %P/%T%nsecond line")
    _, (page,) = render(job, gs_settings)
    assert page.height == 2292  # two header lines take body rows, not page rows
    for box in [(0, 0, 500, 32), (700, 0, 1000, 32), (1400, 0, 1728, 32), (0, 32, 500, 64)]:
        assert black_pixels(page.image, box) > 50, box
    assert black_pixels(page.image, (1000, 32, 1728, 64)) == 0


def test_header_band_at_low_resolution(render: Render, settings: Settings) -> None:
    _, (page,) = render(make_job((doc("a.pdf", text_pdf(1)),), fine=False), settings)
    assert black_pixels(page.image, (0, 0, 1728, 16)) > 100
    assert black_pixels(page.image, (0, 15, 1728, 16)) == 0  # the band ends with a white row


def test_each_recipient_gets_its_own_header(render: Render, gs_settings: Settings) -> None:
    job = make_job((doc("a.pdf", text_pdf(1)),), header="%#")
    other = RECIPIENT.__class__(1, "+1 212 555", "001212555", ())
    _, (first,) = render(job, gs_settings)
    _, (second,) = render(job, gs_settings, other)
    band = (0, 0, 1728, 32)
    assert first.image.crop(band).tobytes() != second.image.crop(band).tobytes()
    body = (0, 32, 1728, 2292)
    assert first.image.crop(body).tobytes() == second.image.crop(body).tobytes()
