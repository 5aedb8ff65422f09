"""One 20 ms ticker for every call's media on the SIP loop.

The schedule is absolute (start + n × period, by `loop.call_at`), so lateness never adds
up into drift. A tick that comes more than a period late runs the missed steps at once:
the far end expects 50 packets a second, and spandsp's timers count samples. How late
each step ran is kept in a histogram; a call snapshots it when it starts and reads its own
share at the end (p99 and max), at no per-call cost per tick.
"""

from __future__ import annotations

import array
import asyncio
from typing import Protocol

import structlog

PERIOD = 0.020
MAX_CATCH_UP = 50  # one second of missed steps; beyond that the schedule starts afresh

log = structlog.get_logger("faxgate.sip.media")

# Histogram buckets: 0.1 ms wide below 50 ms, 1 ms wide up to 1050 ms, then one overflow.
_FINE_MS, _FINE_BUCKETS, _COARSE_BUCKETS = 50.0, 500, 1000
_BUCKETS = _FINE_BUCKETS + _COARSE_BUCKETS + 1


def _bucket(late_ms: float) -> int:
    if late_ms < _FINE_MS:
        return max(0, int(late_ms * 10))
    return _FINE_BUCKETS + min(int(late_ms - _FINE_MS), _COARSE_BUCKETS)


def _upper_ms(bucket: int) -> float:
    if bucket < _FINE_BUCKETS:
        return (bucket + 1) / 10
    return _FINE_MS + bucket - _FINE_BUCKETS + 1


class Lateness:
    """How late steps ran, in buckets; quantiles are a bucket's upper edge."""

    def __init__(self, counts: array.array[int] | None = None) -> None:
        self.counts = counts if counts is not None else array.array("Q", bytes(8 * _BUCKETS))

    def add(self, late_seconds: float) -> None:
        self.counts[_bucket(late_seconds * 1000)] += 1

    def snapshot(self) -> Lateness:
        return Lateness(array.array("Q", self.counts))

    def since(self, earlier: Lateness) -> Lateness:
        pairs = zip(self.counts, earlier.counts, strict=True)
        return Lateness(array.array("Q", (now - then for now, then in pairs)))

    @property
    def total(self) -> int:
        return sum(self.counts)

    def quantile_ms(self, q: float) -> float:
        total = self.total
        if not total:
            return 0.0
        rank, seen = q * total, 0
        for bucket, count in enumerate(self.counts):
            seen += count
            if count and seen >= rank:
                return _upper_ms(bucket)
        return _upper_ms(_BUCKETS - 1)

    def max_ms(self) -> float:
        for bucket in range(_BUCKETS - 1, -1, -1):
            if self.counts[bucket]:
                return _upper_ms(bucket)
        return 0.0


class Ticking(Protocol):
    def step(self) -> None:
        """One 20 ms of media; must be short, it runs on the loop."""

    def abort(self, error: BaseException) -> None:
        """step() raised: the call's media ends (the clock has dropped it)."""


class MediaClock:
    def __init__(self, period: float = PERIOD) -> None:
        self.period = period
        self.lateness = Lateness()
        self._calls: dict[Ticking, None] = {}  # insertion-ordered set
        self._next: float | None = None  # when the next step is due (loop time)
        self._handle: asyncio.TimerHandle | None = None

    def add(self, call: Ticking) -> None:
        """Step `call` every period from the next tick on; starts the ticker if idle."""
        self._calls[call] = None
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._next = loop.time() + self.period
            self._handle = loop.call_at(self._next, self._tick)

    def remove(self, call: Ticking) -> None:
        self._calls.pop(call, None)
        if not self._calls and self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        assert self._next is not None
        loop = asyncio.get_running_loop()
        now = loop.time()
        due = self._next
        steps = 1 + int((now - due) / self.period)
        if steps > MAX_CATCH_UP:  # the loop was stalled for long: do not replay it all
            log.warning("media clock stalled", late_ms=round((now - due) * 1000))
            due, steps = now - (MAX_CATCH_UP - 1) * self.period, MAX_CATCH_UP
        for n in range(steps):
            self.lateness.add(now - (due + n * self.period))
            for call in tuple(self._calls):  # a step may end its call
                try:
                    call.step()
                except Exception as exc:  # one broken call must not stop the others
                    log.exception("media step failed")
                    self.remove(call)
                    call.abort(exc)
        self._next = due + steps * self.period
        if self._calls:
            self._handle = loop.call_at(self._next, self._tick)
        else:
            self._handle = None
