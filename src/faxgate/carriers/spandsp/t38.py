"""The T.38 session: two T.38 terminals exchange IFP packets in memory.

No modems run: T.30 control and image data travel as T.38 packets, so a call costs far
less CPU than audio. Time advances by `t38_terminal_send_timeout` (in samples), which
paces each side's packets as a real gateway would. There is no UDPTL here (0.0.6 has
none); packets are handed over in order with their sequence numbers, none lost.
"""

from __future__ import annotations

from faxgate.carriers.spandsp._lib import BLOCK, SAMPLE_RATE
from faxgate.carriers.spandsp.session import LoopResult, RemoteControl, Watchdog
from faxgate.carriers.spandsp.terminal import Terminal, ifp_buffer


def run_t38(
    sender: Terminal,
    remote: Terminal | None,
    *,
    control: RemoteControl,
    max_samples: int,
) -> LoopResult:
    """Run until both terminals reach phase E, the remote hangs up, or the cap.

    `remote` None: nothing answers in T.38 (a person or a data modem never switches the
    call to T.38), so the sender hears no packet at all.
    """
    dll = sender.lib.dll
    send_timeout, rx_ifp = dll.t38_terminal_send_timeout, dll.t38_core_rx_ifp_packet
    assert sender.t38_out is not None
    to_remote = sender.t38_out
    to_sender = remote.t38_out if remote is not None and remote.t38_out is not None else []
    seq_to_remote = seq_to_sender = 0
    live = remote  # None once the remote has hung up
    watchdog = Watchdog(sender)
    samples = 0
    while samples < max_samples:
        send_timeout(sender.state, BLOCK)
        if live is not None:
            send_timeout(live.state, BLOCK)
            for packet in to_remote:
                rx_ifp(live.core, ifp_buffer(packet), len(packet), seq_to_remote & 0xFFFF)
                seq_to_remote += 1
        to_remote.clear()  # packets to a remote that has gone are lost
        for packet in to_sender:
            rx_ifp(sender.core, ifp_buffer(packet), len(packet), seq_to_sender & 0xFFFF)
            seq_to_sender += 1
        to_sender.clear()
        samples += BLOCK
        live = control.tick(samples, live, sender)
        if sender.done and (remote is None or remote.done):
            break
        if samples % SAMPLE_RATE == 0 and not sender.done and watchdog.stalled(samples):
            return LoopResult(samples, capped=False, stalled=True)
    return LoopResult(samples, capped=samples >= max_samples)
