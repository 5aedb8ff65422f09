"""Bounded tables for throttling: leaky buckets, and keys remembered for a while.

Pure: the caller passes the clock. Each table holds at most `max_entries` keys and drops the
least recently touched first, so an attacker who makes up keys costs memory only up to that
bound (and only evicts entries that matter least: the oldest).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class LeakyBuckets:
    """Each key's level rises by one per attempt and drains at `limit / window_secs` a second.
    A key whose next attempt would take it over `limit` waits until enough has drained: a
    burst of `limit` attempts, then one more every `window_secs / limit` seconds."""

    def __init__(self, limit: int, window_secs: float, max_entries: int) -> None:
        if limit < 1 or window_secs <= 0 or max_entries < 1:
            raise ValueError("limit and max_entries must be at least 1, the window positive")
        self._limit = limit
        self._rate = limit / window_secs
        self._max_entries = max_entries
        self._levels: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._levels)

    def level(self, key: Hashable, now: float) -> float:
        entry = self._levels.get(key)
        if entry is None:
            return 0.0
        level, at = entry
        return max(0.0, level - (now - at) * self._rate)

    def wait(self, key: Hashable, now: float) -> float:
        """Seconds until `key` may make its next attempt; 0.0 when it may now."""
        excess = self.level(key, now) + 1 - self._limit
        return excess / self._rate if excess > 0 else 0.0

    def add(self, key: Hashable, now: float) -> None:
        self._levels[key] = (self.level(key, now) + 1, now)
        self._levels.move_to_end(key)
        self._trim(now)

    def take_back(self, key: Hashable, now: float) -> None:
        """Undo one `add` (an attempt that turned out to be no failure)."""
        if key in self._levels:
            self._levels[key] = (max(0.0, self.level(key, now) - 1), now)

    def _trim(self, now: float) -> None:
        while len(self._levels) > self._max_entries:
            self._levels.popitem(last=False)
        for _ in range(2):  # drained entries at the old end go early; two per add keeps up
            oldest = next(iter(self._levels), None)
            if oldest is None or self.level(oldest, now) > 0:
                break
            del self._levels[oldest]


class RecentKeys:
    """Keys seen within the last `keep_secs`, at most `max_entries` of them."""

    def __init__(self, keep_secs: float, max_entries: int) -> None:
        self._keep_secs = keep_secs
        self._max_entries = max_entries
        self._seen: OrderedDict[Hashable, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, key: Hashable, now: float) -> None:
        self._seen[key] = now
        self._seen.move_to_end(key)
        while len(self._seen) > self._max_entries:
            self._seen.popitem(last=False)
        oldest = next(iter(self._seen))
        if not self.seen(oldest, now):
            del self._seen[oldest]

    def seen(self, key: Hashable, now: float) -> bool:
        at = self._seen.get(key)
        return at is not None and now - at <= self._keep_secs
