"""The media clock: every call stepped each period, missed steps caught up, faults isolated."""

from __future__ import annotations

import asyncio
import time

import pytest

from faxgate.carriers.sip.clock import Lateness, MediaClock


class Counting:
    def __init__(self, fail_at: int | None = None) -> None:
        self.steps = 0
        self.fail_at = fail_at
        self.aborted: BaseException | None = None

    def step(self) -> None:
        self.steps += 1
        if self.steps == self.fail_at:
            raise RuntimeError("broken call")

    def abort(self, error: BaseException) -> None:
        self.aborted = error


@pytest.mark.anyio
async def test_a_blocked_loop_is_caught_up_and_a_failing_call_is_dropped_alone() -> None:
    clock = MediaClock(period=0.01)
    good, bad = Counting(), Counting(fail_at=3)
    clock.add(good)
    clock.add(bad)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.sleep(0.05)
    loop.call_soon(time.sleep, 0.1)  # a callback blocks the loop for ten periods
    await asyncio.sleep(0.15)
    elapsed = loop.time() - start
    clock.remove(good)
    # The schedule is absolute: the steps done match the time passed, not the wake-ups.
    assert abs(good.steps - elapsed / 0.01) <= 2
    assert isinstance(bad.aborted, RuntimeError) and bad.steps == 3
    assert clock.lateness.max_ms() >= 50  # the blocked ticks were recorded late


def test_lateness_quantiles_of_a_share() -> None:
    total = Lateness()
    for ms in (0.05, 0.25, 3.0):
        total.add(ms / 1000)
    before = total.snapshot()
    for ms in [1.0] * 98 + [12.0, 400.0]:
        total.add(ms / 1000)
    share = total.since(before)
    assert share.total == 100
    assert share.quantile_ms(0.5) == pytest.approx(1.1)
    assert share.quantile_ms(0.99) == pytest.approx(12.1)
    assert share.max_ms() == pytest.approx(401.0)
    assert Lateness().quantile_ms(0.99) == Lateness().max_ms() == 0.0
