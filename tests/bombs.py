"""Decompression bombs, and a child process whose peak memory is measured.

A bomb is run in a child process under an address-space limit (so code that decodes it whole
dies quickly with MemoryError instead of taking the machine) and the child reports the peak
resident size the kernel counted for it and for the processes it waited for.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import zlib
from dataclasses import dataclass
from functools import cache

import pytest

MiB = 1024 * 1024
BOMB_BYTES = 1536 * MiB  # decoded size: more than the child's address space may hold
ADDRESS_SPACE = 1024 * MiB
CEILING = 300 * MiB  # peak resident size the bounded code must stay under
_CHUNK = bytes(16 * MiB)


RENDER_IN_CHILD = """
    import json, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from faxgate.config import Settings
    from faxgate.render import RenderFailure, RenderJob, RenderRecipient, SourceDocument
    from faxgate.render import render_fax

    source, name, overrides, work = sys.argv[1:5]
    document = SourceDocument(name, Path(source).read_bytes(), None, None)
    job = RenderJob("FJBOMB", (document,), "A4", True, None, "+49 30 1", None, None,
                    datetime.now(UTC))
    recipient = RenderRecipient(0, "+49 89 1", "0049891", ())
    settings = Settings(**json.loads(overrides))
    try:
        pages = render_fax(job, recipient, settings, Path(work) / "cache", Path(work) / "out.tif")
        print("rendered", pages)
    except RenderFailure as exc:
        print("failed", exc.status, exc.reason)
"""


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


# Run first in the child: at exit it reports its own peak resident size (VmHWM, counted
# afresh from exec, unlike ru_maxrss, which a forked child inherits from the parent) and the
# largest of the processes it waited for.
_REPORT_PEAK = """
import atexit as _atexit

def _report_peak() -> None:
    import resource, sys
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\\nPEAK-KIB {max(own, children)}\\n")

_atexit.register(_report_peak)
"""
_UNREPORTED = 2**62


def run_limited(
    code: str, *args: str, timeout: float = 120.0, address_space: int = ADDRESS_SPACE
) -> ChildRun:
    """Run ``code`` in a fresh Python under an address-space limit; its exit and the peak
    resident size of it and its children. A child still running after ``timeout`` seconds
    is killed (exit -9, no peak reported)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    process = subprocess.Popen(
        [sys.executable, "-c", _REPORT_PEAK + textwrap.dedent(code), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,  # noqa: PLW1509 (the test process starts no threads before it)
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    stderr = err.decode("utf-8", "replace")
    peaks = [line for line in stderr.splitlines() if line.startswith("PEAK-KIB ")]
    return ChildRun(
        returncode=process.returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=stderr,
        peak_rss=int(peaks[-1].split()[1]) * 1024 if peaks else _UNREPORTED,
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


def built_bomb(path: str) -> None:
    """Build a served bomb before the client's timeout starts: compressing one takes seconds
    on a loaded machine, longer than a push or fetch waits for an answer."""
    if "br" in path:
        brotli_bomb()
    else:
        stacked_gzip_bomb()


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
