"""Every input type and every TXT charset of spec §5.1 renders to fax pages."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from faxgate.config import Settings
from faxgate.render.charsets import RETARUS_CHARSETS, decode_text
from faxgate.render.text import text_to_pdf
from tests.render.conftest import (
    HAS_SOFFICE,
    Render,
    black_pixels,
    doc,
    image_bytes,
    make_job,
    needs_soffice,
    text_pdf,
)

MULTILINGUAL = "Grüße, déjà vu — Привет мир — Καλημέρα — 日本語のテキスト — 中文 — 한국어"
LATIN = "Grüße aus München, déjà vu, naïve façade"
EUROPEAN = "Grüße — Привет мир — Καλημέρα κόσμε"  # CJK is rendered once, in the UTF-8 case
SAMPLES = {
    "US-ASCII": "Plain ASCII text, 7 bits only.",
    "UTF-8": MULTILINGUAL,
    "UTF-16": EUROPEAN,
    "UTF-16BE": EUROPEAN,
    "UTF-16LE": "日本語 " + EUROPEAN,
    "ISO-8859-1": LATIN,
    "Windows-1252": LATIN + " – 100 € „quoted“",
}


def encoded(charset: str) -> bytes:
    codec = RETARUS_CHARSETS[charset.upper()]
    return SAMPLES[charset].encode("utf-16" if codec == "utf-16" else codec)


@pytest.mark.parametrize("charset", sorted(SAMPLES))
def test_every_charset_decodes(charset: str) -> None:
    assert decode_text(encoded(charset), charset.lower()) == SAMPLES[charset]


def test_utf16_without_bom_is_big_endian() -> None:
    assert decode_text("Ελλάδα".encode("utf-16-be"), "UTF-16") == "Ελλάδα"


def test_default_is_utf8_with_a_guess_for_other_bytes() -> None:
    assert decode_text(MULTILINGUAL.encode(), None) == MULTILINGUAL
    assert decode_text("\ufeffBOM".encode(), None) == "BOM"
    cyrillic = ("Съешь же ещё этих мягких французских булок, да выпей чаю. " * 4).encode("cp1251")
    assert "французских" in decode_text(cyrillic, None)


def test_declared_charset_must_fit() -> None:
    with pytest.raises(ValueError, match="not valid US-ASCII"):
        decode_text("é".encode(), "US-ASCII")
    with pytest.raises(ValueError, match="unknown charset"):
        decode_text(b"x", "KLINGON-8")


def test_cjk_text_embeds_the_cjk_font(tmp_path: Path) -> None:
    out = text_to_pdf(MULTILINGUAL, "A4", tmp_path / "t.pdf", name="t.txt", max_pages=10)
    pdf = out.read_bytes()
    assert b"NotoSansCJK" in pdf
    assert b"DejaVuSansMono" in pdf


@pytest.mark.parametrize("charset", sorted(SAMPLES))
def test_every_charset_renders(render: Render, gs_settings: Settings, charset: str) -> None:
    job = make_job((doc("note.txt", encoded(charset), charset),))
    count, (page,) = render(job, gs_settings)
    assert count == 1
    assert black_pixels(page.image, (0, 32, 1728, 600)) > 500


def test_text_with_form_feeds_and_many_lines(render: Render, settings: Settings) -> None:
    text = "first page\n\fsecond page\n" + "\n".join(f"line {n}" for n in range(120))
    count, _ = render(make_job((doc("long.txt", text.encode()),)), settings)
    assert count == 4  # 1 page before the form feed, then 121 lines at 58 lines a page


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "BMP"])
def test_images(render: Render, settings: Settings, kind: str) -> None:
    name = f"scan.{kind.lower()}"
    _, (page,) = render(make_job((doc(name, image_bytes(kind)),)), settings)
    assert page.width == 1728
    assert black_pixels(page.image, (0, 32, 1728, page.height)) > 10_000


def _tiff(compression: str, *, pages: int, dpi: tuple[int, int], mode: str) -> bytes:
    frames = []
    for number in range(pages):
        frame = Image.new("L", (1728, 1100), 255)
        ImageDraw.Draw(frame).rectangle((100, 100 + 50 * number, 900, 400), fill=0)
        frames.append(frame.convert(mode))
    buffer = io.BytesIO()
    frames[0].save(
        buffer, "TIFF", save_all=True, append_images=frames[1:], compression=compression, dpi=dpi
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("compression", "mode", "dpi"),
    [
        ("group4", "1", (204, 98)),  # a standard-resolution fax
        ("group3", "1", (204, 196)),
        ("tiff_lzw", "L", (300, 300)),
        ("packbits", "1", (200, 200)),
        ("tiff_adobe_deflate", "RGB", (150, 150)),
        ("jpeg", "RGB", (72, 72)),
        ("raw", "1", (400, 400)),
    ],
)
def test_multipage_tiff(
    render: Render, settings: Settings, compression: str, mode: str, dpi: tuple[int, int]
) -> None:
    data = _tiff(compression, pages=3, dpi=dpi, mode=mode)
    count, pages = render(make_job((doc("in.tiff", data),)), settings)
    assert count == 3
    assert all(black_pixels(page.image, (0, 32, 1728, page.height)) > 10_000 for page in pages)


def test_fax_tiff_keeps_its_size(render: Render, settings: Settings) -> None:
    data = _tiff("group4", pages=1, dpi=(204, 196), mode="1")
    _, (page,) = render(make_job((doc("fax.tif", data),)), settings)
    # 800 × 300 black pixels at the same resolution, not scaled up to the page
    assert 200_000 < black_pixels(page.image) < 260_000


def test_html(render: Render, settings: Settings) -> None:
    html = b"<!DOCTYPE html><html><body><h1>Invoice 42</h1><p>Total: 100 &euro;</p></body></html>"
    count, (page,) = render(make_job((doc("invoice.html", html),)), settings)
    assert count == 1
    assert black_pixels(page.image, (0, 32, 1728, 600)) > 2000


POSTSCRIPT = b"""%!PS-Adobe-3.0
/Helvetica findfont 24 scalefont setfont
72 700 moveto (PostScript page one) show
72 600 300 100 rectfill showpage
72 700 moveto (PostScript page two) show showpage
"""
EPS = b"""%!PS-Adobe-3.0 EPSF-3.0
%%BoundingBox: 0 0 200 100
0 0 200 100 rectfill
"""


@pytest.mark.parametrize(("name", "data", "pages"), [("a.ps", POSTSCRIPT, 2), ("b.eps", EPS, 1)])
def test_postscript(
    render: Render, gs_settings: Settings, name: str, data: bytes, pages: int
) -> None:
    count, rendered = render(make_job((doc(name, data),)), gs_settings)
    assert count == pages
    assert black_pixels(rendered[0].image) > 5000


def test_pdf_and_text_documents_follow_each_other(render: Render, settings: Settings) -> None:
    job = make_job(
        (doc("a.pdf", text_pdf(2)), doc("b.txt", b"text"), doc("c.png", image_bytes("PNG")))
    )
    count, _ = render(job, settings)
    assert count == 4


# --- office documents (LibreOffice) -----------------------------------------------------------

FLAT_ODP = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:body><office:presentation><draw:page draw:name="p1">
  <draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="5cm"><draw:text-box>
   <text:p>Slide with a title for the fax test</text:p></draw:text-box></draw:frame>
 </draw:page></office:presentation></office:body></office:document>
"""


@pytest.fixture(scope="module")
def office_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, bytes]]:
    if not HAS_SOFFICE:
        pytest.skip("LibreOffice not installed (apt install libreoffice-writer-nogui)")
    work = tmp_path_factory.mktemp("office")
    (work / "w.txt").write_text("Office document for the fax test\n" * 10)
    (work / "c.csv").write_text("item,amount\npaper,12\ntoner,80\n")
    (work / "p.fodp").write_text(FLAT_ODP)
    plan = {"w.txt": ["doc", "docx", "odt", "rtf"], "c.csv": ["xls", "xlsx", "ods"],
            "p.fodp": ["ppt", "pptx"]}  # fmt: skip
    env = {"HOME": str(work), "PATH": "/usr/bin:/bin"}

    def convert(source: str, target: str, attempt: int) -> subprocess.Popen[bytes]:
        args = ["soffice", f"-env:UserInstallation=file://{work}/profile-{target}-{attempt}",
                "--headless", "--convert-to", target, "--outdir", str(work / target),
                str(work / source)]  # fmt: skip
        return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)

    # All conversions at once, each with its own profile (a shared one serialises them). A
    # fresh LibreOffice sometimes crashes when several first start together (seen on a new
    # machine: WrappedTargetRuntimeException); one that failed is made again on its own, so
    # the fixture does not depend on that race.
    running = [
        (source, target, convert(source, target, 1))
        for source, targets in plan.items()
        for target in targets
    ]
    files: dict[str, bytes] = {}
    for source, target, process in running:
        if process.wait(timeout=180) != 0:
            again = convert(source, target, 2)
            assert again.wait(timeout=180) == 0, f"LibreOffice could not make a {target} file"
        files[target] = next((work / target).iterdir()).read_bytes()
    yield files


@needs_soffice
@pytest.mark.parametrize(
    "extension", ["doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx"]
)
def test_office_documents(
    render: Render, gs_settings: Settings, office_files: dict[str, bytes], extension: str
) -> None:
    count, pages = render(
        make_job((doc(f"file.{extension}", office_files[extension]),)), gs_settings
    )
    assert count >= 1
    assert black_pixels(pages[0].image, (0, 32, 1728, pages[0].height)) > 500
