"""One direction of a simulated telephone line: optional AWGN, optional G.711 A-law.

Noise is spandsp's own AWGN generator at a level in dBm0, but calling `awgn()` once per
sample through ctypes costs ~1 µs each (the prototype ran at ×68 with it). So each level
gets one table of noise samples per process, and each line direction reads it from its
own offset; a few seconds of white noise repeating is indistinguishable to a modem.
Mixing uses `audioop.add` (C, saturating) where Python still has it (removed in 3.13),
else a Python loop.
"""

from __future__ import annotations

import array
import ctypes
import threading
import warnings
from collections.abc import Callable
from ctypes import c_int16, c_uint8
from typing import Any

from faxgate.carriers.spandsp._lib import BLOCK, G711_ALAW, SAMPLE_RATE, Library


def _saturating_add() -> Callable[[bytes, bytes], bytes] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import audioop  # noqa: PLC0415
    except ImportError:  # pragma: no cover - Python 3.13+
        return None
    return lambda a, b: audioop.add(a, b, 2)


_add = _saturating_add()
_NOISE_SECONDS = 8
_BLOCK_BYTES = BLOCK * 2
_noise_tables: dict[float, bytes] = {}
_noise_lock = threading.Lock()


def noise_table(lib: Library, level_dbm0: float) -> bytes:
    """8 s of spandsp AWGN at `level_dbm0`, as native int16 samples."""
    with _noise_lock:
        table = _noise_tables.get(level_dbm0)
        if table is None:
            dll = lib.dll
            state = dll.awgn_init_dbm0(None, 1234, level_dbm0)
            try:
                samples = array.array(
                    "h", (dll.awgn(state) for _ in range(_NOISE_SECONDS * SAMPLE_RATE))
                )
            finally:
                dll.awgn_free(state)
            table = samples.tobytes()
            _noise_tables[level_dbm0] = table
        return table


class LineDirection:
    """Impairs the samples travelling one way; free() releases the G.711 state."""

    def __init__(
        self, lib: Library, *, alaw: bool, noise_dbm0: float | None, offset: int = 0
    ) -> None:
        self.lib = lib
        self._g711 = lib.dll.g711_init(None, G711_ALAW) if alaw else None
        self._octets = (c_uint8 * BLOCK)()
        self._noise = noise_table(lib, noise_dbm0) if noise_dbm0 is not None else None
        # each direction starts elsewhere in the table, so the two are uncorrelated
        self._pos = 2 * (offset % (_NOISE_SECONDS * SAMPLE_RATE - BLOCK))

    @property
    def impaired(self) -> bool:
        return self._g711 is not None or self._noise is not None

    def apply(self, buf: Any) -> None:
        """Impair one block of BLOCK samples in place."""
        if self._noise is not None:
            pos = self._pos
            noise = self._noise[pos : pos + _BLOCK_BYTES]
            if _add is not None:
                ctypes.memmove(buf, _add(bytes(buf), noise), _BLOCK_BYTES)
            else:  # pragma: no cover - Python 3.13+
                extra = array.array("h", noise)
                buf[:] = [_clip(s + n) for s, n in zip(buf, extra, strict=True)]
            pos += _BLOCK_BYTES
            self._pos = 0 if pos + _BLOCK_BYTES > len(self._noise) else pos
        if self._g711 is not None:
            dll = self.lib.dll
            dll.g711_encode(self._g711, self._octets, buf, BLOCK)
            dll.g711_decode(self._g711, buf, self._octets, BLOCK)

    def free(self) -> None:
        if self._g711 is not None:
            self.lib.dll.g711_free(self._g711)
            self._g711 = None


def _clip(value: int) -> int:
    return -32768 if value < -32768 else min(value, 32767)


def new_block() -> Any:
    return (c_int16 * BLOCK)()
