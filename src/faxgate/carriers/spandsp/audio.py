"""The audio session: two terminals exchange 8 kHz samples in 20 ms blocks.

Each tick, both terminals' modems produce a block, the line impairs it, and the other
side demodulates it. Time is only the sample count, so the call runs as fast as the
modems compute: simulated line time = samples / 8000.
"""

from __future__ import annotations

import ctypes
from typing import Any, Protocol

from faxgate.carriers.spandsp._lib import BLOCK, SAMPLE_RATE
from faxgate.carriers.spandsp.line import LineDirection, new_block
from faxgate.carriers.spandsp.session import LoopResult, RemoteControl, Watchdog
from faxgate.carriers.spandsp.terminal import Terminal


class AnswerSound(Protocol):
    """What a non-fax answerer (a person, a data modem) puts on the line."""

    def fill(self, buf: Any) -> None: ...


def run_audio(
    sender: Terminal,
    remote: Terminal | None,
    *,
    sound: AnswerSound | None,
    forward: LineDirection,
    backward: LineDirection,
    control: RemoteControl,
    max_samples: int,
) -> LoopResult:
    """Run until both terminals reach phase E, the remote hangs up, or the cap."""
    dll = sender.lib.dll
    fax_tx, fax_rx = dll.fax_tx, dll.fax_rx
    to_remote, to_sender = new_block(), new_block()
    size = ctypes.sizeof(to_remote)
    impaired = forward.impaired or backward.impaired
    live = remote  # None once the remote has hung up (or if no fax terminal answered)
    watchdog = Watchdog(sender)
    samples = 0
    while samples < max_samples:
        n = fax_tx(sender.state, to_remote, BLOCK)
        if n < BLOCK:  # transmit_on_idle makes this rare; keep the stream continuous
            ctypes.memset(ctypes.byref(to_remote, n * 2), 0, size - n * 2)
        if live is not None:
            n = fax_tx(live.state, to_sender, BLOCK)
            if n < BLOCK:
                ctypes.memset(ctypes.byref(to_sender, n * 2), 0, size - n * 2)
        elif sound is not None and not control.hung_up:
            sound.fill(to_sender)
        else:  # nobody on the far end: silence
            ctypes.memset(to_sender, 0, size)
        if impaired:
            forward.apply(to_remote)
            backward.apply(to_sender)
        if live is not None:
            fax_rx(live.state, to_remote, BLOCK)
        fax_rx(sender.state, to_sender, BLOCK)
        samples += BLOCK
        live = control.tick(samples, live, sender)
        if sender.done and (remote is None or remote.done):
            break
        if samples % SAMPLE_RATE == 0 and not sender.done and watchdog.stalled(samples):
            return LoopResult(samples, capped=False, stalled=True)
    return LoopResult(samples, capped=samples >= max_samples)
