"""The SIP line: one thread running its own event loop, where our user agent, the media
clock and every call's media live.

Worker threads hand calls over with `run` and block until the call's outcome; the HTTP API
and the pipeline's database work stay on their own loop, so a media tick never waits for
them and they never wait for a tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from faxgate.carriers.sip.clock import MediaClock
from faxgate.carriers.sip.ports import PortPool
from faxgate.carriers.sip.settings import SipSettings
from faxgate.carriers.sip.useragent import IncomingCall, UserAgent

_T = TypeVar("_T")
CLOSE_GRACE_SECS = 10.0


class Channels:
    """Simultaneous calls, inbound and outbound together (FAXGATE_SIP_CHANNELS)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0
        self._freed = asyncio.Condition()

    def try_take(self) -> bool:
        if self.busy >= self.limit:
            return False
        self.busy += 1
        return True

    async def take(self) -> None:
        async with self._freed:
            await self._freed.wait_for(lambda: self.busy < self.limit)
            self.busy += 1

    async def give_back(self) -> None:
        async with self._freed:
            self.busy -= 1
            self._freed.notify_all()

    async def idle(self) -> None:
        async with self._freed:
            await self._freed.wait_for(lambda: self.busy == 0)


class SipLine:
    def __init__(self, settings: SipSettings, *, max_line_secs: float) -> None:
        self.settings = settings
        self.max_line_secs = max_line_secs  # a call's longest line time, as on every carrier
        self.bind_host = settings.listen_host  # media sockets listen where SIP does
        self.media_host = settings.advertised_host  # and the far end sends there
        self.ports = PortPool(settings.rtp_port_spec)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sip-line", daemon=True)
        # Made on the line's loop, in start().
        self.ua: UserAgent | None = None
        self.clock: MediaClock | None = None
        self.channels: Channels | None = None

    def start(self, on_invite: Callable[[IncomingCall], Coroutine[Any, Any, None]]) -> None:
        """Bind, register when configured; raises what the user agent's start raised."""
        self._thread.start()
        try:
            self.run(self._open(on_invite))
        except BaseException:
            self.stop()
            raise

    async def _open(self, on_invite: Callable[[IncomingCall], Coroutine[Any, Any, None]]) -> None:
        self.clock = MediaClock()
        self.channels = Channels(self.settings.channels)
        self.ua = UserAgent(self.settings.endpoint(), on_invite)
        await self.ua.start()

    async def _close(self) -> None:
        """BYE to every call, then a grace for the calls to end: a fax received until then
        is handed to Fax-In, whole or partial."""
        assert self.ua is not None
        await self.ua.hang_up()
        if self.channels is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.channels.idle(), CLOSE_GRACE_SECS)
        await self.ua.close()

    def run(self, work: Coroutine[Any, Any, _T]) -> _T:
        """Run `work` on the line's loop and wait for it (from any other thread)."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def stop(self) -> None:
        if self._thread.is_alive():
            if self.ua is not None:
                self.run(self._close())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        if not self._loop.is_running():
            self._loop.close()
