"""Decompression bombs, and a child process whose peak memory is measured.

A bomb is run in a child process under an address-space limit (so code that decodes it whole
dies quickly with MemoryError instead of taking the machine) and its peak resident size is
read from the kernel (``wait4``), which counts the child and the processes it waited for.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from dataclasses import dataclass
from functools import cache

import pytest

MiB = 1024 * 1024
BOMB_BYTES = 1536 * MiB  # decoded size: more than the child's address space may hold
ADDRESS_SPACE = 1024 * MiB
CEILING = 300 * MiB  # peak resident size the bounded code must stay under
_CHUNK = bytes(16 * MiB)


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes

    def describe(self) -> str:
        return (
            f"exit {self.returncode}, peak {self.peak_rss / MiB:.0f} MiB\n"
            f"stdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-3000:]}"
        )


def run_limited(code: str, *args: str, timeout: float = 120.0) -> ChildRun:
    """Run ``code`` in a fresh Python under an ADDRESS_SPACE limit; its exit and peak RSS."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            preexec_fn=limit,  # noqa: PLW1509 (the test process starts no threads before it)
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return ChildRun(
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            peak_rss=usage.ru_maxrss * 1024,  # Linux reports kilobytes
        )


@cache
def raw_deflate_zeros(size: int = BOMB_BYTES) -> bytes:
    """``size`` zero bytes as a raw deflate stream (about a thousandth of the size)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [compressor.compress(_CHUNK) for _ in range(size // len(_CHUNK))]
    parts.append(compressor.flush())
    return b"".join(parts)


@cache
def crc_of_zeros(size: int = BOMB_BYTES) -> int:
    crc = 0
    for _ in range(size // len(_CHUNK)):
        crc = zlib.crc32(_CHUNK, crc)
    return crc


def gzip_wrap(raw_deflate: bytes, crc: int, size: int) -> bytes:
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + raw_deflate + crc.to_bytes(4, "little") + (size % 2**32).to_bytes(4, "little")


@cache
def gzip_bomb() -> bytes:
    return gzip_wrap(raw_deflate_zeros(), crc_of_zeros(), BOMB_BYTES)


@cache
def stacked_gzip_bomb() -> bytes:
    """A body for ``Content-Encoding: gzip, gzip``: a gzip bomb gzipped once more (~10 KB)."""
    inner = gzip_bomb()
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(inner) + compressor.flush()


def require_brotli() -> None:
    """Skip without the brotli package (it comes with WeasyPrint's fonttools); in CI, fail."""
    if not os.environ.get("CI"):
        pytest.importorskip("brotli", reason="the brotli package is not installed")


@cache
def brotli_bomb() -> bytes:
    """A body for ``Content-Encoding: br`` (a few hundred kilobytes)."""
    import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: PLC0415

    compressor = brotli.Compressor(quality=1)
    parts = [compressor.process(_CHUNK) for _ in range(BOMB_BYTES // len(_CHUNK))]
    parts.append(compressor.finish())
    return b"".join(parts)
