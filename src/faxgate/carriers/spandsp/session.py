"""What the session loops share: the remote's controls and the loop's result."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from faxgate.carriers.spandsp._lib import SAMPLE_RATE
from faxgate.carriers.spandsp.terminal import Terminal

# spandsp 0.0.6 has no timer for a V.21 carrier that never stops: on a line noisy enough
# that the demodulator always hears "carrier", both terminals wait forever (T30_ERR_HDLC_CARRIER
# is declared but not raised there). Our terminal gives up when it has received no valid
# HDLC frame and finished no page for this long. The longest legitimate silence is one
# non-ECM page at 2400 bps (a dense A4 page takes ~220 s), hence 300 s.
STALL_SECONDS = 300.0


@dataclass
class RemoteControl:
    """Lets the virtual remote act on the line from inside its T.30 callbacks.

    The loops advance `now` (in samples) every tick. A callback that wants the remote to
    hang up sets `hang_up_at`; the loop then drops the call at that moment, outside any
    callback (spandsp state must not be torn down from inside its own callback).
    """

    now: int = 0
    hang_up_at: int | None = None
    hung_up: bool = False
    clears_call: bool = True  # False: the remote goes mute, but the line stays up
    # Set from outside (the job was deleted): our side puts the line down at the next tick.
    local_hangup: threading.Event = field(default_factory=threading.Event)
    we_hung_up: bool = False

    def hang_up_in(self, seconds: float, *, clears_call: bool = True) -> None:
        if self.hang_up_at is None:
            self.hang_up_at = self.now + int(seconds * SAMPLE_RATE)
            self.clears_call = clears_call

    def due(self) -> bool:
        return self.hang_up_at is not None and not self.hung_up and self.now >= self.hang_up_at

    def tick(self, samples: int, live: Terminal | None, sender: Terminal) -> Terminal | None:
        """Advance the clock and drop the call when the hang-up is due; returns the remote
        terminal still on the line (None once it has hung up)."""
        self.now = samples
        if self.local_hangup.is_set() and not self.we_hung_up:
            self.we_hung_up = True
            sender.terminate()
            if live is not None:
                live.terminate()
            return None
        if live is None or not self.due():
            return live
        live.terminate()  # the remote's T.30 stops: it falls silent from now on
        self.hung_up = True
        if self.clears_call:  # the network tells our side the call is gone
            sender.terminate()
        return None


class Watchdog:
    """Notices a terminal that makes no T.30 progress (see STALL_SECONDS)."""

    def __init__(self, terminal: Terminal, seconds: float = STALL_SECONDS) -> None:
        self._terminal = terminal
        self._limit = int(seconds * SAMPLE_RATE)
        self._progress = -1
        self._since = 0

    def stalled(self, now: int) -> bool:
        result = self._terminal.result
        progress = result.frames_received + result.pages_seen
        if progress != self._progress:
            self._progress, self._since = progress, now
            return False
        return now - self._since >= self._limit


@dataclass(frozen=True)
class LoopResult:
    samples: int  # simulated line time, in 8 kHz samples
    capped: bool  # the per-call line-time cap ended the call
    stalled: bool = False  # our terminal gave up: no T.30 progress (see STALL_SECONDS)

    @property
    def line_seconds(self) -> float:
        return self.samples / SAMPLE_RATE
