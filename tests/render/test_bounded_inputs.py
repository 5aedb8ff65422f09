"""Decoders of submitted documents work within bounds: zip members in the API process,
image pixels in the render process. Bombs run in a child process under an address-space
limit, with its peak memory measured."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from faxgate.config import Settings
from faxgate.render import DocumentRejected, precheck_document
from faxgate.render.sniff import MAX_ZIP_DIRECTORY_BYTES, Kind, classify
from tests.bombs import (
    BOMB_BYTES,
    CEILING,
    RENDER_IN_CHILD,
    ChildRun,
    crc_of_zeros,
    raw_deflate_zeros,
    run_limited,
)
from tests.render.conftest import Render, black_pixels, doc, make_job

_PRECHECK_IN_CHILD = """
    import sys
    from pathlib import Path
    from faxgate.config import Settings
    from faxgate.render import DocumentRejected, precheck_document

    try:
        precheck_document(sys.argv[2], Path(sys.argv[1]).read_bytes(), Settings())
        print("accepted")
    except DocumentRejected as exc:
        print("rejected", exc)
"""


def _zip(members: list[tuple[str, int, int, int, bytes]]) -> bytes:
    """A zip archive by hand: (name, method, crc, size, stored data) for each member."""
    local, directory = bytearray(), bytearray()
    for name, method, crc, size, data in members:
        encoded = name.encode()
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0, crc, len(data), size,
                             len(encoded), 0)  # fmt: skip
        directory += (
            b"PK\x01\x02" + struct.pack("<H", 20) + fields
            + struct.pack("<HHHII", 0, 0, 0, 0, len(local)) + encoded
        )  # fmt: skip
        local += b"PK\x03\x04" + fields + encoded + data
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), len(local), 0)
    return bytes(local + directory + b"PK\x05\x06" + end)


def test_odt_whose_mimetype_member_is_a_bomb_is_checked_within_a_memory_ceiling(
    tmp_path: Path,
) -> None:
    bomb = _zip([("mimetype", zipfile.ZIP_DEFLATED, crc_of_zeros(), BOMB_BYTES,
                  raw_deflate_zeros())])  # fmt: skip
    source = tmp_path / "bomb.odt"
    source.write_bytes(bomb)
    run = run_limited(_PRECHECK_IN_CHILD, str(source), "letter.odt")
    assert run.returncode == 0, run.describe()
    assert run.stdout.startswith("rejected document 'letter.odt' is named as ODT"), run.describe()
    assert run.peak_rss < CEILING, run.describe()


def _odt(mimetype: bytes, method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=method)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_odt_mimetype_is_still_recognised(method: int) -> None:
    data = _odt(b"application/vnd.oasis.opendocument.spreadsheet", method)
    assert classify("sheet.ods", data) is Kind.ODS


def test_lzma_mimetype_member_is_not_inflated() -> None:
    # zipfile inflates LZMA and bzip2 members without an output limit per call
    data = _odt(b"application/vnd.oasis.opendocument.text", zipfile.ZIP_LZMA)
    with pytest.raises(DocumentRejected, match="is named as ODT but is not a ODT file"):
        classify("letter.odt", data)


def test_zip_with_an_oversized_directory_is_not_inspected() -> None:
    names = [(f"word/{index:06d}.xml", zipfile.ZIP_STORED, 0, 0, b"") for index in range(25_000)]
    data = _zip([("[Content_Types].xml", zipfile.ZIP_STORED, 0, 0, b""), *names])
    with pytest.raises(DocumentRejected) as info:
        precheck_document("letter.docx", data, Settings())
    assert f"larger than {MAX_ZIP_DIRECTORY_BYTES:,} bytes" in str(info.value)


def _image(tmp_path: Path, kind: str, mode: str, size: tuple[int, int]) -> Path:
    image = Image.new(mode, size, "white")
    ImageDraw.Draw(image).rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2),
                                    fill="black")  # fmt: skip
    path = tmp_path / f"source.{kind.lower()}"
    image.save(path, kind)
    return path


def _render_image(tmp_path: Path, source: Path, name: str) -> ChildRun:
    return run_limited(RENDER_IN_CHILD, str(source), name, "{}", str(tmp_path))


def test_pixel_bomb_is_refused_before_decoding_within_a_memory_ceiling(tmp_path: Path) -> None:
    # 81 Mpx, under Pillow's own limit: 300 KB of PNG that took the renderer to 1.6 GB
    source = _image(tmp_path, "PNG", "RGBA", (9000, 9000))
    run = _render_image(tmp_path, source, "poster.png")
    assert run.returncode == 0, run.describe()
    assert run.stdout.startswith("failed RENDERING_ERROR image 'poster.png' is too large"), (
        run.describe()
    )
    assert "more than 40,000,000 pixels, FAXGATE_MAX_IMAGE_PIXELS" in run.stdout
    assert run.peak_rss < CEILING, run.describe()


def test_large_image_within_the_limit_renders_within_a_memory_ceiling(tmp_path: Path) -> None:
    # 36 Mpx with alpha: shrunk right after decoding, before any conversion copies it
    source = _image(tmp_path, "PNG", "RGBA", (6000, 6000))
    run = _render_image(tmp_path, source, "scan.png")
    assert run.stdout.strip() == "rendered 1", run.describe()
    assert run.peak_rss < CEILING, run.describe()


def test_large_photo_is_decoded_at_reduced_scale(tmp_path: Path) -> None:
    # 48 Mpx, over the pixel limit on file: a JPEG is decoded at the scale the page needs
    source = _image(tmp_path, "JPEG", "RGB", (8000, 6000))
    run = _render_image(tmp_path, source, "photo.jpg")
    assert run.stdout.strip() == "rendered 1", run.describe()
    assert run.peak_rss < CEILING, run.describe()


def test_reduced_image_keeps_its_content(render: Render, settings: Settings) -> None:
    big = io.BytesIO()
    image = Image.new("L", (5000, 7000), 255)
    ImageDraw.Draw(image).rectangle((0, 0, 2499, 6999), fill=0)  # left half black
    image.save(big, "PNG")
    _count, pages = render(make_job((doc("half.png", big.getvalue()),)), settings)
    page = pages[0].image
    left = black_pixels(page, (0, page.height // 3, page.width // 4, 2 * page.height // 3))
    right = black_pixels(page, (3 * page.width // 4, page.height // 3, page.width,
                                2 * page.height // 3))  # fmt: skip
    assert left > 0.9 * (page.width // 4) * (page.height // 3)
    assert right == 0
