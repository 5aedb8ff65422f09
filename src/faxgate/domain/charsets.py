"""The charsets a TXT document may declare (spec §5.1), by their Retarus names."""

from __future__ import annotations

from enum import StrEnum


class Charset(StrEnum):
    US_ASCII = "US-ASCII"
    UTF_8 = "UTF-8"
    UTF_16 = "UTF-16"
    UTF_16BE = "UTF-16BE"
    UTF_16LE = "UTF-16LE"
    ISO_8859_1 = "ISO-8859-1"
    WINDOWS_1252 = "WINDOWS-1252"


def text_charset(value: str | None) -> Charset:
    """The Charset named by a document's `charset` (case-insensitive; default UTF-8)."""
    key = (value or "").strip().upper().replace("_", "-")
    if not key:
        return Charset.UTF_8
    try:
        return Charset(key)
    except ValueError:
        allowed = ", ".join(c.value for c in Charset)
        raise ValueError(f"unknown charset {value!r}: expected one of {allowed}") from None
