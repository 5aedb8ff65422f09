"""Every failure status, hostile files, and the submit-time precheck."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import DocumentRejected, RenderFailure, SourceDocument, precheck_document
from tests.render.conftest import Render, doc, image_bytes, make_job, text_pdf


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(1))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated_pdf() -> bytes:
    data = text_pdf(3)
    return data[: len(data) // 3]


def png_bomb() -> bytes:
    """A few hundred bytes that claim to be a 100000 × 100000 pixel image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 200_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def damaged_tiff() -> bytes:
    """Two LZW pages; the second page's data is overwritten with garbage."""
    frames = [Image.linear_gradient("L").resize((400, 500)) for _ in range(2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    data = bytearray(buffer.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as tiff:
        tiff.seek(1)
        offsets, counts = tiff.tag_v2[273], tiff.tag_v2[279]  # type: ignore[attr-defined]
    for offset, count in zip(offsets, counts, strict=True):
        data[offset : offset + count] = b"\xff" * count
    return bytes(data)


def failure(render: Render, settings: Settings, *documents: SourceDocument) -> RenderFailure:
    with pytest.raises(RenderFailure) as caught:
        render(make_job(documents), settings)
    return caught.value


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("locked.pdf", encrypted_pdf(), FaxStatus.RENDERING_ERROR, "password-protected"),
        ("cut.pdf", truncated_pdf(), FaxStatus.RENDERING_ERROR, "damaged or truncated"),
        ("bomb.png", png_bomb(), FaxStatus.RENDERING_ERROR, "too large to render"),
        ("broken.tiff", damaged_tiff(), FaxStatus.TIFF_PAGE_ERR, "page 2"),
        ("empty.pdf", b"", FaxStatus.MISSING_FAX_FILE, "empty"),
        ("liar.pdf", image_bytes("PNG"), FaxStatus.UNKNOWN_FAX_FILE, "content is PNG"),
        ("photo.jpg", text_pdf(1), FaxStatus.UNKNOWN_FAX_FILE, "content is PDF"),
        ("virus.exe", b"MZ\x90\x00", FaxStatus.UNKNOWN_FAX_FILE, "unknown file type"),
        ("binary.txt", bytes(range(256)) * 4, FaxStatus.UNKNOWN_FAX_FILE, "binary data"),
        ("garbage.pdf", b"%PDF-1.7\nthis is no pdf", FaxStatus.RENDERING_ERROR, "not a readable"),
    ],
)
def test_hostile_documents(
    render: Render, settings: Settings, name: str, data: bytes, status: FaxStatus, words: str
) -> None:
    exc = failure(render, settings, doc(name, data))
    assert exc.status is status
    assert words in exc.reason
    assert name in exc.reason


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("locked.pdf", encrypted_pdf(), "password-protected"),
        ("cut.pdf", truncated_pdf(), "damaged or truncated"),
        ("empty.pdf", b"", "empty (0 bytes)"),
        ("liar.pdf", image_bytes("PNG"), "named as PDF but its content is PNG"),
        ("notes.docx", b"plain words", "content is not a DOCX file"),
        ("virus.exe", b"MZ", "unknown file type"),
        ("noextension", b"text", "unknown file type"),
    ],
)
def test_precheck_rejects_at_submit_time(name: str, data: bytes, words: str) -> None:
    with pytest.raises(DocumentRejected, match=re.escape(words)):
        precheck_document(name, data, Settings())


def test_precheck_accepts_good_documents() -> None:
    for name, data in [
        ("a.pdf", text_pdf(2)),
        ("b.txt", "Grüße".encode()),
        ("c.png", image_bytes("PNG")),
    ]:
        precheck_document(name, data, Settings())


def test_precheck_limits() -> None:
    with pytest.raises(DocumentRejected, match="more than the limit of 100"):
        precheck_document("a.pdf", text_pdf(1), Settings(max_document_bytes=100))
    with pytest.raises(DocumentRejected, match="3 pages \\(at most 2\\)"):
        precheck_document("a.pdf", text_pdf(3), Settings(max_pages=2))


def test_page_limit(render: Render, settings: Settings) -> None:
    limited = Settings(rasteriser=settings.rasteriser, max_pages=2)
    exc = failure(render, limited, doc("a.pdf", text_pdf(3)))
    assert exc.status is FaxStatus.RENDERING_ERROR
    assert "at most 2" in exc.reason


def test_size_limit(render: Render, settings: Settings) -> None:
    exc = failure(render, Settings(max_document_bytes=50), doc("a.txt", b"x" * 51))
    assert "more than the limit of 50" in exc.reason


def test_converter_time_limit(render: Render, gs_settings: Settings) -> None:
    endless = b"%!PS-Adobe-3.0\n{ } loop\n"
    quick = Settings(rasteriser="ghostscript", converter_timeout_secs=2)
    exc = failure(render, quick, doc("endless.ps", endless))
    assert exc.status is FaxStatus.RENDERING_ERROR
    assert "longer than 2 s" in exc.reason


def test_pcl_without_ghostpcl_says_what_to_install(render: Render, gs_settings: Settings) -> None:
    import shutil  # noqa: PLC0415

    if shutil.which("gpcl6") or shutil.which("pcl6"):
        pytest.skip("GhostPCL is installed here; this checks the message when it is not")
    exc = failure(render, gs_settings, doc("print.pcl", b"\x1bE\x1b&l0O Hello\x0c\x1bE"))
    assert exc.status is FaxStatus.UNKNOWN_FAX_FILE
    assert "GhostPCL" in exc.reason and "gpcl6" in exc.reason


def test_office_without_libreoffice_says_what_to_install(
    render: Render, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on the PATH
    exc = failure(render, Settings(rasteriser="pdfium"), doc("a.rtf", b"{\\rtf1 Hello}"))
    assert exc.status is FaxStatus.UNKNOWN_FAX_FILE
    assert "libreoffice-writer-nogui" in exc.reason


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/a.pdf", "http://169.254.169.254/latest/meta-data", "ftp://x/a.pdf"]
)
def test_refused_reference_is_a_missing_file(render: Render, url: str) -> None:
    document = SourceDocument(name="remote.pdf", content=None, reference=url, charset=None)
    exc = failure(render, Settings(rasteriser="pdfium", fetch_timeout_secs=2), document)
    assert exc.status is FaxStatus.MISSING_FAX_FILE
    assert "could not be fetched" in exc.reason


def test_no_data_and_no_reference(render: Render) -> None:
    exc = failure(render, Settings(), SourceDocument("a.pdf", None, None, None))
    assert exc.status is FaxStatus.MISSING_FAX_FILE


def test_invalid_header_at_render_time(render: Render) -> None:
    job = make_job((doc("a.txt", b"x"),), header="100% wrong")
    with pytest.raises(RenderFailure, match="lone '%'"):
        render(job, Settings())


def test_failure_survives_pickling() -> None:
    import pickle  # noqa: PLC0415

    original = RenderFailure(FaxStatus.TIFF_PAGE_ERR, "page 2 is damaged")
    copy = pickle.loads(pickle.dumps(original))  # noqa: S301 (our own object)
    assert (copy.status, copy.reason) == (original.status, original.reason)
