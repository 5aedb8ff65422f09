"""G.711 over RTP into spandsp's audio fax modem, one 20 ms packet per step.

Each step: what arrived goes into the playout; this tick's payload (or silence) is decoded
and fed to the modem's receiver; the modem's next 160 samples are encoded and sent. The
codec is spandsp's own G.711 (the same tables its modems are tested with). We send the
chosen codec; we decode PCMU and PCMA alike, as a far end may answer one and send the other.
"""

from __future__ import annotations

import ctypes
import secrets
from collections import Counter

from faxgate.carriers.sip.media_sdp import CODEC_PAYLOAD_TYPES
from faxgate.carriers.sip.media_socket import MediaSocket
from faxgate.carriers.sip.rtp import HEADER, VERSION, Playout, RtpError, decode
from faxgate.carriers.spandsp._lib import BLOCK, G711_ALAW, G711_ULAW
from faxgate.carriers.spandsp.terminal import Terminal


class AudioLeg:
    def __init__(
        self, terminal: Terminal, link: MediaSocket, codec: str, packets: Counter[str]
    ) -> None:
        self.terminal = terminal
        self.codec = codec
        self._link = link
        self._packets = packets
        self._dll = dll = terminal.lib.dll
        self._payload_type = CODEC_PAYLOAD_TYPES[codec]
        self._decoders = {
            CODEC_PAYLOAD_TYPES["PCMA"]: dll.g711_init(None, G711_ALAW),
            CODEC_PAYLOAD_TYPES["PCMU"]: dll.g711_init(None, G711_ULAW),
        }
        self._encoder = self._decoders[self._payload_type]  # G.711 keeps no state: one serves
        if not all(self._decoders.values()):
            raise MemoryError("spandsp g711_init returned NULL")
        self._playout = Playout()
        self._heard = (ctypes.c_int16 * BLOCK)()
        self._said = (ctypes.c_int16 * BLOCK)()
        self._octets = (ctypes.c_uint8 * BLOCK)()
        self._ssrc = secrets.randbits(32)
        self._seq = secrets.randbits(16)  # random starts (RFC 3550 §5.1)
        self._timestamp = secrets.randbits(32)
        self._first = True

    def step(self) -> None:
        self._receive()
        dll, state = self._dll, self.terminal.state
        packet = self._playout.pop()
        if packet is None:
            ctypes.memset(self._heard, 0, BLOCK * 2)
        else:
            n = min(len(packet.payload), BLOCK)  # another ptime than 20 ms: the rest is silence
            ctypes.memmove(self._octets, packet.payload, n)
            dll.g711_decode(self._decoders[packet.payload_type], self._heard, self._octets, n)
            if n < BLOCK:
                ctypes.memset(ctypes.byref(self._heard, n * 2), 0, (BLOCK - n) * 2)
        dll.fax_rx(state, self._heard, BLOCK)
        n = dll.fax_tx(state, self._said, BLOCK)
        if n < BLOCK:  # transmit_on_idle makes this rare; keep the stream continuous
            ctypes.memset(ctypes.byref(self._said, n * 2), 0, (BLOCK - n) * 2)
        dll.g711_encode(self._encoder, self._octets, self._said, BLOCK)
        marker = 0x80 if self._first else 0
        header = HEADER.pack(
            VERSION << 6, marker | self._payload_type, self._seq, self._timestamp, self._ssrc
        )
        if self._link.send(header + bytes(self._octets)):
            self._packets["rtp_sent"] += 1
        self._first = False
        self._seq = (self._seq + 1) & 0xFFFF
        self._timestamp = (self._timestamp + BLOCK) & 0xFFFFFFFF

    def _receive(self) -> None:
        for data in self._link.received():
            try:
                packet = decode(data)
            except RtpError:
                self._packets["rtp_malformed"] += 1
                continue
            if packet.payload_type not in self._decoders:  # comfort noise, DTMF events, …
                self._packets["rtp_other_payload"] += 1
                continue
            self._packets["rtp_received"] += 1
            self._playout.push(packet)

    def close(self) -> None:
        """Frees the codec states (the terminal and the socket belong to the caller)."""
        for state in self._decoders.values():
            self._dll.g711_free(state)
        self._decoders.clear()
        self._packets["rtp_late"] += self._playout.late
        self._packets["rtp_missing"] += self._playout.missing
        self._packets["rtp_other_stream"] += self._playout.other_stream
        self._packets["rtp_underruns"] += self._playout.underruns
        self._playout = Playout()
