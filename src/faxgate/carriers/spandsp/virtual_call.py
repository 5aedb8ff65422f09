"""One call through the virtual network: build both ends, run the loop, collect facts.

This module knows spandsp terminals and the loops; it knows nothing of Fax4A statuses
(the carrier maps the facts to an outcome).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faxgate.carriers.spandsp import sounds
from faxgate.carriers.spandsp._lib import SAMPLE_RATE, Library
from faxgate.carriers.spandsp.audio import AnswerSound, run_audio
from faxgate.carriers.spandsp.line import LineDirection
from faxgate.carriers.spandsp.remote import Answer, VirtualRemote
from faxgate.carriers.spandsp.session import LoopResult, RemoteControl
from faxgate.carriers.spandsp.t38 import run_t38
from faxgate.carriers.spandsp.terminal import Capabilities, Terminal

# The receiver answers a page with MCF about 1.5 s after its phase D event (V.21 preamble
# and frame); a remote that "hangs up after page N" waits for that, so page N counts.
_MCF_SECONDS = 3.0


@dataclass(frozen=True)
class CallSetup:
    document: Path
    tsi: str
    received: Path  # where the remote terminal writes what it receives
    transport: str  # "audio" | "t38"
    g711: bool
    max_line_secs: float
    hangup: threading.Event = field(default_factory=threading.Event)  # set: our side hangs up


@dataclass
class CallFacts:
    """What happened, as both terminals saw it."""

    loop: LoopResult
    sender_code: int | None
    remote_code: int | None
    sender_stats: dict[str, int]
    remote_stats: dict[str, int]
    remote_csid: str  # the CSI our sender received
    tsi_seen_by_remote: str  # the TSI the remote received
    remote_hung_up: bool
    transport: str  # "audio" | "t38": what this call really ran
    compression: str  # between the two terminals, e.g. "T.6"
    errors: list[str] = field(default_factory=list)
    log_tail: list[str] = field(default_factory=list)
    we_hung_up: bool = False  # the call was put down from outside (the job was deleted)


def run_call(lib: Library, setup: CallSetup, remote: VirtualRemote) -> CallFacts:
    # Noise lives on an analogue line: in T.38 mode a noisy destination is a T.38 gateway
    # in front of that line, which we model as the audio call it carries.
    t38 = setup.transport == "t38" and remote.noise_dbm0 is None
    sender_out: list[bytes] | None = [] if t38 else None
    sender = Terminal(
        lib, tag="TX", calling=True, ident=setup.tsi, caps=Capabilities(), t38_out=sender_out
    )
    control = RemoteControl(local_hangup=setup.hangup)
    receiver: Terminal | None = None
    lines: list[LineDirection] = []
    try:
        sender.send_file(setup.document)
        if remote.answer is Answer.FAX:
            receiver = Terminal(
                lib,
                tag="RX",
                calling=False,
                ident=remote.csid,
                caps=remote.caps,
                t38_out=[] if t38 else None,
                on_page=_page_hook(remote, control),
            )
            receiver.receive_file(setup.received)
        max_samples = int(setup.max_line_secs * SAMPLE_RATE)
        if t38:
            loop = run_t38(sender, receiver, control=control, max_samples=max_samples)
        else:
            forward = LineDirection(lib, alaw=setup.g711, noise_dbm0=remote.noise_dbm0)
            backward = LineDirection(
                lib, alaw=setup.g711, noise_dbm0=remote.noise_dbm0, offset=SAMPLE_RATE * 3 + 77
            )
            lines = [forward, backward]
            loop = run_audio(
                sender,
                receiver,
                sound=_answer_sound(remote),
                forward=forward,
                backward=backward,
                control=control,
                max_samples=max_samples,
            )
        # The cap (or a remote that never finished) ends the call: spandsp then closes
        # its files and reports phase E with the status it had reached.
        if not sender.done:
            sender.terminate()
        if receiver is not None and not receiver.done:
            receiver.terminate()
        return CallFacts(
            loop=loop,
            sender_code=sender.result.completion_code,
            remote_code=receiver.result.completion_code if receiver else None,
            sender_stats=_stats_dict(sender.stats()),
            remote_stats=_stats_dict(receiver.stats()) if receiver else {},
            remote_csid=sender.remote_ident(),
            tsi_seen_by_remote=receiver.remote_ident() if receiver else "",
            remote_hung_up=control.hung_up,
            transport="t38" if t38 else "audio",
            compression=_compression(lib, int(sender.stats().encoding)),
            errors=sender.result.errors + (receiver.result.errors if receiver else []),
            log_tail=list(sender.log)[-5:],
            we_hung_up=control.we_hung_up,
        )
    finally:
        for line in lines:
            line.free()
        sender.free()
        if receiver is not None:
            receiver.free()


def _page_hook(remote: VirtualRemote, control: RemoteControl) -> Any:
    def on_page(_terminal: Terminal, page: int) -> None:
        if remote.hang_up_after_page is not None and page >= remote.hang_up_after_page:
            control.hang_up_in(_MCF_SECONDS, clears_call=True)
        if remote.mute_at_page is not None and page >= remote.mute_at_page:
            control.hang_up_in(0.0, clears_call=False)  # page N is never confirmed

    return on_page


def _answer_sound(remote: VirtualRemote) -> AnswerSound | None:
    if remote.answer is Answer.VOICE:
        return sounds.voice()
    if remote.answer is Answer.MODEM:
        return sounds.data_modem()
    return None


def _compression(lib: Library, encoding: int) -> str:
    # 0.0.6 reports an enum (1, 2, 3); 3.0 reports T4_COMPRESSION_* bit flags
    names = (
        {0x02: "T.4 1D", 0x04: "T.4 2D", 0x08: "T.6"}
        if lib.spandsp3
        else {1: "T.4 1D", 2: "T.4 2D", 3: "T.6"}
    )
    return names.get(encoding, "unknown")


def _stats_dict(stats: Any) -> dict[str, int]:
    return {name: int(getattr(stats, name)) for name, _ in stats._fields_}
