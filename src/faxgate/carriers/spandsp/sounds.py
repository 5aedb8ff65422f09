"""What a non-fax answerer puts on the line: precomputed 8 kHz tables, played in a loop.

Tables are built once per process (pure Python, a few tens of milliseconds) so a session
spends no time generating them.
"""

from __future__ import annotations

import math
import random
from functools import cache
from typing import Any

from faxgate.carriers.spandsp._lib import BLOCK, SAMPLE_RATE

# -13 dBm0 is a loud talker / a modem's usual send level; 0 dBm0 ≈ 5000 in linear A-law
_LEVEL = 1100


class TableSound:
    """Plays `intro` once, then `loop` forever, BLOCK samples at a time."""

    def __init__(self, intro: tuple[int, ...], loop: tuple[int, ...]) -> None:
        self._samples = intro + loop
        self._loop_start = len(intro)
        self._pos = 0

    def fill(self, buf: Any) -> None:
        end = self._pos + BLOCK
        if end <= len(self._samples):
            buf[:] = self._samples[self._pos : end]
            self._pos = end
        else:  # wrap into the loop part
            chunk = list(self._samples[self._pos :])
            self._pos = self._loop_start
            while len(chunk) < BLOCK:
                take = min(BLOCK - len(chunk), len(self._samples) - self._pos)
                chunk.extend(self._samples[self._pos : self._pos + take])
                self._pos += take
                if self._pos >= len(self._samples):
                    self._pos = self._loop_start
            buf[:] = chunk
        if self._pos >= len(self._samples):
            self._pos = self._loop_start


def voice() -> TableSound:
    """A person: "hello?" syllables (voiced harmonics of ~140 Hz), pauses, again."""
    return TableSound((), _voice_table())


def data_modem() -> TableSound:
    """A data modem: 3.3 s of 2100 Hz answer tone (V.25), then its scrambled carrier."""
    intro, carrier = _modem_tables()
    return TableSound(intro, carrier)


@cache
def _voice_table() -> tuple[int, ...]:
    out: list[int] = []
    rng = random.Random(3)
    for syllable in range(6):
        pitch = 130.0 + 25.0 * rng.random()
        length = int(SAMPLE_RATE * (0.18 + 0.12 * rng.random()))
        for i in range(length):
            env = math.sin(math.pi * i / length)
            t = i / SAMPLE_RATE
            value = sum(math.sin(2 * math.pi * pitch * k * t) / k for k in (1, 2, 3, 5))
            out.append(int(_LEVEL * env * value))
        gap = 0.08 if syllable % 2 == 0 else 0.9  # "hel-lo?" ... pause
        out.extend([0] * int(SAMPLE_RATE * gap))
    return tuple(out)


@cache
def _modem_tables() -> tuple[tuple[int, ...], tuple[int, ...]]:
    tone = tuple(
        int(2 * _LEVEL * math.sin(2 * math.pi * 2100 * i / SAMPLE_RATE))
        for i in range(int(3.3 * SAMPLE_RATE))
    )
    # a QAM data carrier sounds like band-limited noise: random-phase 1800 Hz symbols
    rng = random.Random(5)
    carrier: list[int] = []
    phase = 0.0
    for _ in range(2 * 2400):  # 2 s of 2400-baud symbols
        phase += rng.choice((0.0, math.pi / 2, math.pi, 3 * math.pi / 2))
        for _ in range(SAMPLE_RATE // 2400 + (1 if rng.random() < 1 / 3 else 0)):
            carrier.append(int(2 * _LEVEL * math.sin(phase)))
            phase += 2 * math.pi * 1800 / SAMPLE_RATE
    return tone, tuple(carrier)
