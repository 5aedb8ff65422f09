"""TXT charsets: the Retarus names of spec §5.1 mapped onto Python codecs, and decoding.

The declared charset wins (default UTF-8). Only when UTF-8 is assumed and the bytes are not
UTF-8 is charset-normalizer asked for a guess: it guesses short Latin-9 text as cp1250, so a
guess never overrides an explicit declaration.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

RETARUS_CHARSETS: dict[str, str] = {
    "US-ASCII": "ascii",
    "UTF-8": "utf-8",
    "UTF-16": "utf-16",
    "UTF-16BE": "utf-16-be",
    "UTF-16LE": "utf-16-le",
    "ISO-8859-1": "latin-1",
    "WINDOWS-1252": "cp1252",
}


def python_codec(charset: str | None) -> str:
    """The codec for a charset name (Retarus names first, then Python's aliases)."""
    if charset is None or not charset.strip():
        return "utf-8"
    name = charset.strip().upper()
    if name in RETARUS_CHARSETS:
        return RETARUS_CHARSETS[name]
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        known = ", ".join(RETARUS_CHARSETS)
        raise ValueError(f"unknown charset {charset!r} (one of {known})") from exc


def decode_text(data: bytes, charset: str | None) -> str:
    """The text of a TXT document; ValueError with a readable reason if it cannot be decoded."""
    codec = python_codec(charset)
    if data.startswith(codecs.BOM_UTF8) and codec in ("utf-8", "ascii"):
        return data[3:].decode("utf-8", errors="replace")
    if codec == "utf-16" and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16-be"  # UTF-16 without a byte-order mark is big-endian (RFC 2781)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec != "utf-8":
            raise ValueError(
                f"the text is not valid {charset or 'UTF-8'} (byte {exc.start})"
            ) from exc
        guess = from_bytes(data).best()
        if guess is None:
            raise ValueError("the text is not valid UTF-8 and its charset cannot be told") from exc
        text = str(guess)
    return text.lstrip("\ufeff")
