"""What a document is: recognised by its content (magic bytes), cross-checked with its name.

`classify` is the one place that decides; it raises `DocumentRejected` for a name with an
unknown extension, an empty file, or content that contradicts the extension.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum

from faxgate.render.errors import DocumentRejected


class Kind(StrEnum):
    PDF = "PDF"
    TEXT = "TXT"
    TIFF = "TIFF"
    PNG = "PNG"
    JPEG = "JPEG"
    GIF = "GIF"
    BMP = "BMP"
    HTML = "HTML"
    POSTSCRIPT = "PS"
    EPS = "EPS"
    PCL = "PCL"
    OFFICE_OLE = "DOC/XLS/PPT"  # OLE2 container: the extension tells Word, Excel or PowerPoint
    DOCX = "DOCX"
    XLSX = "XLSX"
    PPTX = "PPTX"
    ODT = "ODT"
    ODS = "ODS"
    ODP = "ODP"
    RTF = "RTF"


IMAGE_KINDS = frozenset({Kind.TIFF, Kind.PNG, Kind.JPEG, Kind.GIF, Kind.BMP})
OFFICE_KINDS = frozenset(
    {Kind.OFFICE_OLE, Kind.DOCX, Kind.XLSX, Kind.PPTX, Kind.ODT, Kind.ODS, Kind.ODP, Kind.RTF}
)

EXTENSIONS: dict[str, Kind] = {
    "pdf": Kind.PDF,
    "txt": Kind.TEXT,
    "text": Kind.TEXT,
    "tif": Kind.TIFF,
    "tiff": Kind.TIFF,
    "png": Kind.PNG,
    "jpg": Kind.JPEG,
    "jpeg": Kind.JPEG,
    "gif": Kind.GIF,
    "bmp": Kind.BMP,
    "htm": Kind.HTML,
    "html": Kind.HTML,
    "ps": Kind.POSTSCRIPT,
    "eps": Kind.EPS,
    "pcl": Kind.PCL,
    "doc": Kind.OFFICE_OLE,
    "xls": Kind.OFFICE_OLE,
    "ppt": Kind.OFFICE_OLE,
    "docx": Kind.DOCX,
    "xlsx": Kind.XLSX,
    "pptx": Kind.PPTX,
    "odt": Kind.ODT,
    "ods": Kind.ODS,
    "odp": Kind.ODP,
    "rtf": Kind.RTF,
}

# Content a name may legitimately carry besides its own kind.
_COMPATIBLE = {
    (Kind.POSTSCRIPT, Kind.EPS),
    (Kind.EPS, Kind.POSTSCRIPT),
    (Kind.TEXT, Kind.HTML),  # an HTML file named .txt is sent as its source text
}


def extension_kind(name: str) -> Kind:
    stem, dot, extension = name.rpartition(".")
    kind = EXTENSIONS.get(extension.lower()) if dot and stem else None
    if kind is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise DocumentRejected(f"document {name!r}: unknown file type (extensions: {known})")
    return kind


def content_kind(data: bytes) -> Kind | None:
    """The kind the magic bytes show, or None for content without a signature (text)."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head:
        return Kind.PDF
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Kind.TIFF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Kind.GIF
    if head.startswith(b"BM") and len(data) > 26:
        return Kind.BMP
    if head.startswith(b"\xc5\xd0\xd3\xc6") or (head.startswith(b"%!PS") and b"EPSF" in head[:40]):
        return Kind.EPS
    if head.startswith(b"%!"):
        return Kind.POSTSCRIPT
    if head.startswith((b"\x1bE", b"\x1b%-12345X")):
        return Kind.POSTSCRIPT if b"LANGUAGE=POSTSCRIPT" in head.upper() else Kind.PCL
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Kind.OFFICE_OLE
    if head.startswith(b"{\\rtf"):
        return Kind.RTF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _looks_like_html(head):
        return Kind.HTML
    return None


def classify(name: str, data: bytes) -> Kind:
    """The document's kind; DocumentRejected when the name and the content disagree."""
    claimed = extension_kind(name)
    if not data:
        raise DocumentRejected(f"document {name!r} is empty (0 bytes)")
    found = content_kind(data)
    if found is None:
        if claimed in (Kind.TEXT, Kind.HTML):
            if b"\x00" in data[:4096] and not _is_utf16(data[:4096]):
                raise DocumentRejected(f"document {name!r} is binary data, not text")
            return claimed
        if data.startswith(b"PK\x03\x04") and claimed in OFFICE_KINDS:
            raise DocumentRejected(
                f"document {name!r} is named as {claimed} but is not a {claimed} file (a zip"
                f" archive whose directory is damaged or larger than {MAX_ZIP_DIRECTORY_BYTES:,}"
                " bytes is not inspected)"
            )
        raise DocumentRejected(
            f"document {name!r} is named as {claimed} but its content is not a {claimed} file"
        )
    if found == claimed or (claimed, found) in _COMPATIBLE:
        return claimed
    raise DocumentRejected(f"document {name!r} is named as {claimed} but its content is {found}")


# Zip inspection happens in the API process on every submit: it reads the central directory
# (its size bounded, so the member list is) and at most a few bytes of one member.
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024  # some thousand members; an office file has dozens
_MIMETYPE_BYTES = 100  # "application/vnd.oasis.opendocument.presentation" is 47
_END_OF_DIRECTORY = b"PK\x05\x06"


def _zip_kind(data: bytes) -> Kind | None:
    if not _directory_within_bounds(data):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = _member_head(archive, "mimetype", _MIMETYPE_BYTES)
                for suffix, kind in ((b"text", Kind.ODT), (b"spreadsheet", Kind.ODS),
                                     (b"presentation", Kind.ODP)):  # fmt: skip
                    if mimetype.endswith(suffix):
                        return kind
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, RuntimeError):
        return None
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", Kind.DOCX), ("xl/", Kind.XLSX), ("ppt/", Kind.PPTX)):
            if any(name.startswith(prefix) for name in names):
                return kind
    return None


def _directory_within_bounds(data: bytes) -> bool:
    """The end record's central directory size is small enough to parse (zipfile reads the
    whole directory and makes an object per member); a zip64 archive is not inspected."""
    end = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 22 - 65_535))
    if end < 0 or end + 22 > len(data):
        return False
    entries = int.from_bytes(data[end + 10 : end + 12], "little")
    size = int.from_bytes(data[end + 12 : end + 16], "little")
    return entries != 0xFFFF and size <= MAX_ZIP_DIRECTORY_BYTES


def _member_head(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most `limit` bytes of a stored or deflated member: zipfile inflates deflate with an
    output limit per call, but bzip2 and LZMA members whole, so those are not read."""
    if archive.getinfo(name).compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return b""
    with archive.open(name) as member:
        return member.read(limit)


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html")) or (
        text.startswith(b"<") and (b"<html" in text or b"<body" in text)
    )


def _is_utf16(sample: bytes) -> bool:
    """Text with NUL bytes is only text if it reads as UTF-16 without control characters."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    even = sample[: len(sample) // 2 * 2]
    for codec in ("utf-16-be", "utf-16-le"):
        try:
            text = even.decode(codec)
        except UnicodeDecodeError:
            continue
        if not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text):
            return True
    return False
