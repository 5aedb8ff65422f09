"""Decoders of submitted documents work within bounds: zip members in the API process,
image pixels in the render process. Bombs run in a child process under an address-space
limit, with its peak memory measured."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from faxgate.config import Settings
from faxgate.render import DocumentRejected, precheck_document
from faxgate.render.sniff import MAX_ZIP_DIRECTORY_BYTES, Kind, classify
from tests.bombs import BOMB_BYTES, CEILING, crc_of_zeros, raw_deflate_zeros, run_limited

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
