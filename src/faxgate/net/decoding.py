"""HTTP `Content-Encoding` decoded in bounded steps, never a whole network chunk at once.

httpx decodes each chunk it receives in one call: a few kilobytes of brotli, or of gzip
inside gzip, become gigabytes before any size check runs. Here every decompressor call has
an explicit output limit (`step`), each coding layer stops at `max_output` decoded bytes, and
callers read the raw stream (``iter_raw``) so httpx's own decoder never runs.

    ContentEncodingError        (ValueError)
    ├── UnsupportedEncoding     a coding we cannot decode within bounds
    ├── CorruptEncoding         the data is not valid for its coding
    └── DecodedTooLarge         a layer produced more than max_output bytes
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, Protocol

import httpx

STEP = 64 * 1024  # decoded bytes per decompressor call (brotli may exceed it by half)
MAX_LAYERS = 2  # "gzip, gzip" still decodes; deeper stacks only serve to amplify


class ContentEncodingError(ValueError):
    pass


class UnsupportedEncoding(ContentEncodingError):
    pass


class CorruptEncoding(ContentEncodingError):
    pass


class DecodedTooLarge(ContentEncodingError):
    pass


class _Layer(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def end(self) -> Iterator[bytes]: ...


def _brotli_decompressor() -> Any | None:
    """brotli's decompressor if it can limit its output per call (brotli ≥ 1.1), else None."""
    try:
        import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: PLC0415
    except ImportError:
        return None
    decompressor = brotli.Decompressor()
    try:
        decompressor.process(b"", output_buffer_limit=STEP)
    except TypeError:
        return None
    return decompressor


def accept_encoding() -> str:
    """The Accept-Encoding value naming exactly the codings decoded here."""
    return "gzip, deflate, br" if _brotli_decompressor() is not None else "gzip, deflate"


class _Zlib:
    """gzip (``wbits`` 31), or deflate: zlib-wrapped as RFC 9110 says, raw as some servers
    send it (the same tolerance httpx has)."""

    def __init__(self, coding: str, step: int) -> None:
        self._coding = coding
        self._step = step
        self._raw_deflate_tried = False
        self._started = False
        self._fed = False
        self._inflater = self._new()

    def _new(self, raw: bool = False) -> Any:
        if self._coding == "gzip":
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inflater.eof:
            return  # data after the end of the stream is ignored, as httpx does
        self._fed = self._fed or bool(data)
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            if self._coding != "deflate" or self._started or self._raw_deflate_tried:
                raise CorruptEncoding(f"the {self._coding} data is damaged ({exc})") from exc
            self._raw_deflate_tried = True
            self._inflater = self._new(raw=True)
            yield from self.feed(data)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while True:
            out = self._inflater.decompress(pending, self._step)
            pending = self._inflater.unconsumed_tail
            if out:
                self._started = True
                yield out
            if self._inflater.eof or (not pending and len(out) < self._step):
                return

    def end(self) -> Iterator[bytes]:
        if self._fed and not self._inflater.eof:
            raise CorruptEncoding(f"the {self._coding} data ends before its end mark")
        return iter(())


class _Brotli:
    def __init__(self, decompressor: Any, step: int) -> None:
        self._decompressor = decompressor
        self._step = step
        self._fed = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        decompressor = self._decompressor
        if decompressor.is_finished():
            return
        self._fed = self._fed or bool(data)
        out = self._process(data)
        while True:
            if out:
                yield out
            # output at the limit may mean more is pending: drain it with empty input
            if len(out) < self._step or decompressor.is_finished():
                return
            out = self._process(b"")

    def _process(self, data: bytes) -> bytes:
        try:
            out: bytes = self._decompressor.process(data, output_buffer_limit=self._step)
        except Exception as exc:  # brotli.error: its module is imported lazily
            raise CorruptEncoding(f"the br data is damaged ({exc})") from exc
        return out

    def end(self) -> Iterator[bytes]:
        if self._fed and not self._decompressor.is_finished():
            raise CorruptEncoding("the br data ends before its end mark")
        return iter(())


class _Capped:
    """One layer whose total output may not exceed ``limit`` bytes."""

    def __init__(self, layer: _Layer, limit: int) -> None:
        self._layer = layer
        self._limit = limit
        self._total = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._count(self._layer.feed(data))

    def end(self) -> Iterator[bytes]:
        return self._count(self._layer.end())

    def _count(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            self._total += len(piece)
            if self._total > self._limit:
                raise DecodedTooLarge(f"more than {self._limit} bytes once decoded")
            yield piece


def _layer(coding: str, step: int) -> _Layer:
    if coding in ("gzip", "x-gzip"):
        return _Zlib("gzip", step)
    if coding == "deflate":
        return _Zlib("deflate", step)
    if coding == "br":
        decompressor = _brotli_decompressor()
        if decompressor is None:
            raise UnsupportedEncoding(
                "Content-Encoding br needs the brotli package (1.1 or later) to decode safely"
            )
        return _Brotli(decompressor, step)
    raise UnsupportedEncoding(f"unsupported Content-Encoding {coding!r} (gzip, deflate, br)")


class BoundedDecoder:
    """Decodes a body with the codings of its Content-Encoding header, in bounded pieces.

    ``feed`` and ``end`` are generators: a caller that stops iterating stops decoding.
    Every layer stops at ``max_output`` decoded bytes with DecodedTooLarge."""

    def __init__(self, content_encoding: str, *, max_output: int, step: int = STEP) -> None:
        codings = [
            coding.strip().lower() for coding in content_encoding.split(",") if coding.strip()
        ]
        codings = [coding for coding in codings if coding != "identity"]
        if len(codings) > MAX_LAYERS:
            raise UnsupportedEncoding(
                f"Content-Encoding {content_encoding!r} stacks more than {MAX_LAYERS} codings"
            )
        step = max(1, min(step, max_output + 1))  # zlib takes a limit of 0 as "no limit"
        # decoded in the reverse order of application: the last coding applied comes off first
        self._layers = [_Capped(_layer(coding, step), max_output) for coding in reversed(codings)]

    @property
    def identity(self) -> bool:
        return not self._layers

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, iter((data,)))

    def end(self) -> Iterator[bytes]:
        for index, layer in enumerate(self._layers):
            yield from self._through(index + 1, layer.end())

    def _through(self, index: int, pieces: Iterator[bytes]) -> Iterator[bytes]:
        if index >= len(self._layers):
            yield from pieces
            return
        layer = self._layers[index]
        for piece in pieces:
            yield from self._through(index + 1, layer.feed(piece))


async def read_prefix(
    response: httpx.Response, limit: int, *, max_raw: int = 64 * 1024
) -> tuple[bytes, bool]:
    """At most ``limit`` decoded bytes of a streamed body, and whether that was all of it.

    Reading stops at ``limit`` decoded or ``max_raw`` received bytes, whichever comes first;
    the rest of the body is never read. Raises ContentEncodingError for an unknown coding
    or damaged data."""
    decoder = BoundedDecoder(
        response.headers.get("Content-Encoding", ""), max_output=limit, step=min(STEP, limit + 1)
    )
    data = bytearray()
    received = 0
    try:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            for piece in decoder.feed(chunk):
                data += piece
                if len(data) > limit:
                    return bytes(data[:limit]), False
            if received > max_raw:
                return bytes(data[:limit]), False
        for piece in decoder.end():
            data += piece
    except DecodedTooLarge:
        return bytes(data[:limit]), False
    if len(data) > limit:
        return bytes(data[:limit]), False
    return bytes(data), True
