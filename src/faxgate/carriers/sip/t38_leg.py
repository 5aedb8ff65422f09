"""spandsp's T.38 terminal over UDPTL, paced one 20 ms step at a time.

Each step: arrived datagrams are decoded (a malformed one is dropped and counted) and put
in order by the UdptlReceiver, whose IFPs go to spandsp with their sequence numbers (so it
sees what was given up); a gap held for GAP_STEPS is flushed. Then spandsp's timers advance
by 160 samples, and every IFP it emits leaves in a datagram with redundancy.
"""

from __future__ import annotations

from collections import Counter

from faxgate.carriers.sip.media_socket import MediaSocket
from faxgate.carriers.sip.t38_sdp import ErrorCorrection, T38Params
from faxgate.carriers.sip.udptl import UdptlError, decode
from faxgate.carriers.sip.udptl_stream import ReceivedIfp, UdptlReceiver, UdptlSender
from faxgate.carriers.spandsp._lib import BLOCK
from faxgate.carriers.spandsp.terminal import Terminal, ifp_buffer

REDUNDANCY = 3  # secondaries per datagram when both sides do error correction
GAP_STEPS = 5  # 100 ms: a held T.30 frame must not wait longer for a lost packet


class T38Leg:
    def __init__(
        self, terminal: Terminal, link: MediaSocket, params: T38Params, packets: Counter[str]
    ) -> None:
        assert terminal.t38_out is not None and terminal.core is not None
        self.terminal = terminal
        self._out = terminal.t38_out
        self._core = terminal.core
        self._link = link
        self._packets = packets
        self._dll = terminal.lib.dll
        redundancy = REDUNDANCY if params.error_correction is ErrorCorrection.REDUNDANCY else 0
        self._sender = UdptlSender(redundancy=redundancy, max_datagram=params.max_datagram)
        self._receiver = UdptlReceiver()
        self._gap_steps = 0

    def step(self) -> None:
        for data in self._link.received():
            try:
                packet = decode(data)
            except UdptlError:
                self._packets["udptl_malformed"] += 1
                continue
            self._packets["udptl_received"] += 1
            self._deliver(self._receiver.push(packet))
        if self._receiver.waiting:
            self._gap_steps += 1
            if self._gap_steps >= GAP_STEPS:
                self._deliver(self._receiver.flush())
        self._dll.t38_terminal_send_timeout(self.terminal.state, BLOCK)
        for ifp in self._out:  # a few per step at most: spandsp paces its output
            try:
                datagram = self._sender.datagram(ifp)
            except UdptlError:  # larger than the far end accepts even alone
                self._packets["udptl_too_large"] += 1
                continue
            if self._link.send(datagram):
                self._packets["udptl_sent"] += 1
        self._out.clear()

    def _deliver(self, items: list[ReceivedIfp]) -> None:
        if not self._receiver.waiting:
            self._gap_steps = 0
        rx = self._dll.t38_core_rx_ifp_packet
        for item in items:
            rx(self._core, ifp_buffer(item.ifp), len(item.ifp), item.seq)

    def close(self) -> None:
        counts = self._receiver.counts
        self._packets["udptl_recovered"] += counts.recovered
        self._packets["udptl_lost"] += counts.lost
        self._packets["udptl_stale"] += counts.stale
