"""A bounded number of password checks at once.

argon2 takes 64 MiB and tens of milliseconds per check: unbounded, a burst of wrong passwords
takes gigabytes and every thread. At most `size` checks run, at most `queue` more wait, each
at most `wait_secs`; a check beyond that is refused with LoginsBusy (503) at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from faxgate.service.errors import LoginsBusy

T = TypeVar("T")


class HashSlots:
    def __init__(self, size: int, queue: int, wait_secs: float) -> None:
        if size < 1 or queue < 0 or wait_secs <= 0:
            raise ValueError("at least one slot, a queue of zero or more, a positive wait")
        self.size = size
        self._queue = queue
        self._wait_secs = wait_secs
        self._slots = anyio.Semaphore(size)
        self._waiting = 0
        self._running = 0
        self.started = 0  # checks run since start
        self.peak = 0  # most checks that ran at once

    async def run(self, check: Callable[..., T], *args: object) -> T:
        """`check(*args)` in a worker thread once a slot is free."""
        if self._slots.value == 0 and self._waiting >= self._queue:
            raise LoginsBusy("too many logins are being checked; try again shortly")
        self._waiting += 1
        try:
            with anyio.fail_after(self._wait_secs):
                await self._slots.acquire()
        except TimeoutError:
            raise LoginsBusy("too many logins are being checked; try again shortly") from None
        finally:
            self._waiting -= 1
        try:
            self.started += 1
            self._running += 1
            self.peak = max(self.peak, self._running)
            # Not abandoned on cancel: the slot stays taken while the thread still runs.
            return await anyio.to_thread.run_sync(check, *args)
        finally:
            self._running -= 1
            self._slots.release()
