"""One T.30 fax terminal (audio modem or T.38), its configuration and its callbacks.

spandsp calls our callbacks synchronously from inside fax_rx/fax_tx/t38 calls, on the
thread that runs the session. A Python exception there would be printed and swallowed by
ctypes, so every callback records its error on the terminal and never raises; the
session checks `errors` afterwards.
"""

from __future__ import annotations

import ctypes
from collections import deque
from collections.abc import Callable
from ctypes import byref, c_uint8
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faxgate.carriers.spandsp import _lib
from faxgate.carriers.spandsp._lib import Library


@dataclass(frozen=True)
class Capabilities:
    """What a terminal offers in its DIS/DCS: real negotiation picks the common subset."""

    modems: int = _lib.ALL_MODEMS
    ecm: bool = True
    fine: bool = True  # accepts 196 dpi; False: standard (98 dpi) only


PageHook = Callable[["Terminal", int], None]


@dataclass
class TerminalResult:
    completion_code: int | None = None  # set by phase E
    pages_seen: int = 0  # phase D events
    frames_received: int = 0  # valid HDLC frames from the far end (bad CRCs never count)
    errors: list[str] = field(default_factory=list)  # callback faults


class Terminal:
    """A calling (sending) or answering (receiving) fax terminal.

    `t38_out` selects the transport: None for audio (fax_state_t), or a list that
    receives this terminal's outgoing IFP packets (t38_terminal_state_t).
    """

    def __init__(
        self,
        lib: Library,
        *,
        tag: str,
        calling: bool,
        ident: str,
        caps: Capabilities,
        t38_out: list[bytes] | None = None,
        on_page: PageHook | None = None,
    ) -> None:
        self.lib = lib
        self.tag = tag
        self.result = TerminalResult()
        self.log: deque[str] = deque(maxlen=200)  # protocol warnings, for the reason text
        self.t38_out = t38_out
        self._on_page = on_page
        dll = lib.dll
        # The CFUNCTYPE objects live on self: C holds bare pointers to them.
        self._phase_e = _lib.PhaseEHandler(self._phase_e_cb)
        self._phase_d = _lib.PhaseBDHandler(self._phase_d_cb)
        self._message = lib.message_handler_type(self._message_cb)
        self._t38_tx = _lib.T38TxHandler(self._t38_tx_cb)
        self._frame = _lib.FrameHandler(self._frame_cb)
        self._freed = False
        if t38_out is None:
            self.state = _checked(dll.fax_init(None, int(calling)), "fax_init")
            self.t30 = _checked(dll.fax_get_t30_state(self.state), "fax_get_t30_state")
            dll.fax_set_transmit_on_idle(self.state, 1)  # always fill the block: no gaps
            dll.fax_set_tep_mode(self.state, 1)
            self.core: int | None = None
            logs = [dll.fax_get_logging_state(self.state)]
        else:
            self.state = _checked(
                dll.t38_terminal_init(None, int(calling), self._t38_tx, None), "t38_terminal_init"
            )
            self.t30 = _checked(dll.t38_terminal_get_t30_state(self.state), "t38 t30 state")
            self.core = _checked(dll.t38_terminal_get_t38_core_state(self.state), "t38 core")
            dll.t38_terminal_set_config(self.state, 0)
            dll.t38_terminal_set_tep_mode(self.state, 0)
            logs = [
                dll.t38_terminal_get_logging_state(self.state),
                dll.t38_core_get_logging_state(self.core),
            ]
        logs.append(dll.t30_get_logging_state(self.t30))
        level = _lib.SPAN_LOG_SHOW_SEVERITY | _lib.SPAN_LOG_PROTOCOL_WARNING
        for log in logs:
            if lib.spandsp3:
                dll.span_log_set_message_handler(log, self._message, None)
            else:
                dll.span_log_set_message_handler(log, self._message)
            dll.span_log_set_tag(log, tag.encode())
            dll.span_log_set_level(log, level)
        dll.t30_set_phase_e_handler(self.t30, self._phase_e, None)
        dll.t30_set_phase_d_handler(self.t30, self._phase_d, None)
        dll.t30_set_real_time_frame_handler(self.t30, self._frame, None)
        self._configure(ident, caps)

    def _configure(self, ident: str, caps: Capabilities) -> None:
        dll, t30 = self.lib.dll, self.t30
        dll.t30_set_tx_ident(t30, ident.encode("ascii", "replace")[:20])
        dll.t30_set_supported_modems(t30, caps.modems)
        dll.t30_set_ecm_capability(t30, int(caps.ecm))
        compressions = _lib.T30_SUPPORT_T4_1D_COMPRESSION | _lib.T30_SUPPORT_T4_2D_COMPRESSION
        if caps.ecm:  # T.6 (MMR) is only allowed with ECM
            compressions |= _lib.T30_SUPPORT_T6_COMPRESSION
        dll.t30_set_supported_compressions(t30, compressions)
        resolutions = _lib.T30_SUPPORT_STANDARD_RESOLUTION | _lib.T30_SUPPORT_R8_RESOLUTION
        if caps.fine:
            resolutions |= _lib.T30_SUPPORT_FINE_RESOLUTION | _lib.T30_SUPPORT_SUPERFINE_RESOLUTION
        if self.lib.spandsp3:
            dll.t30_set_supported_bilevel_resolutions(t30, resolutions)
        else:
            dll.t30_set_supported_resolutions(t30, resolutions)

    def send_file(self, path: Path) -> None:
        self.lib.dll.t30_set_tx_file(self.t30, str(path).encode(), -1, -1)

    def receive_file(self, path: Path) -> None:
        dll = self.lib.dll
        dll.t30_set_rx_file(self.t30, str(path).encode(), -1)
        if self.lib.spandsp3:
            dll.t30_set_supported_output_compressions(self.t30, self.lib.rx_t6_encoding)
        else:
            dll.t30_set_rx_encoding(self.t30, self.lib.rx_t6_encoding)

    # ---------------------------------------------------------------- state queries
    @property
    def done(self) -> bool:
        return self.result.completion_code is not None

    def stats(self) -> Any:
        st = self.lib.stats_type()
        self.lib.dll.t30_get_transfer_statistics(self.t30, byref(st))
        return st

    def remote_ident(self) -> str:
        raw = self.lib.dll.t30_get_rx_ident(self.t30)
        return raw.decode("ascii", "replace").strip() if raw else ""

    def terminate(self) -> None:
        """The line dropped: let spandsp close the files and report phase E."""
        self.lib.dll.t30_terminate(self.t30)

    def free(self) -> None:
        if self._freed:
            return
        self._freed = True
        if self.t38_out is None:
            self.lib.dll.fax_free(self.state)
        else:
            self.lib.dll.t38_terminal_free(self.state)

    # ---------------------------------------------------------------- callbacks
    def _phase_e_cb(self, _t30: int | None, _user: int | None, code: int) -> None:
        self.result.completion_code = code

    def _phase_d_cb(self, _t30: int | None, _user: int | None, _result: int) -> int:
        try:
            self.result.pages_seen += 1
            if self._on_page is not None:
                self._on_page(self, self.result.pages_seen)
        except Exception as exc:  # never raise into C
            self.result.errors.append(f"phase D: {exc!r}")
        return 0  # T30_ERR_OK

    def _frame_cb(
        self, _t30: int | None, _user: int | None, incoming: int, _msg: Any, _length: int
    ) -> None:
        if incoming:
            self.result.frames_received += 1

    def _message_cb(self, *args: Any) -> None:  # (level, text) or (user, level, text)
        try:
            text = args[-1]
            self.log.append(text.decode("utf-8", "replace").rstrip() if text else "")
        except Exception as exc:
            self.result.errors.append(f"log: {exc!r}")

    def _t38_tx_cb(
        self, _core: int | None, _user: int | None, buf: Any, length: int, _count: int
    ) -> int:
        # `count` asks for redundant copies (for UDP loss); one is enough in memory.
        try:
            if self.t38_out is not None:
                self.t38_out.append(ctypes.string_at(buf, length))
        except Exception as exc:
            self.result.errors.append(f"t38 tx: {exc!r}")
        return 0


def resolution_name(y_ppm: int) -> str:
    """A T.30 statistics' vertical resolution (pixels per metre) by name."""
    if y_ppm <= 0:
        return "unknown"
    return "standard" if y_ppm < 5000 else "fine" if y_ppm < 10000 else "superfine"


def _checked(pointer: int | None, what: str) -> int:
    if not pointer:
        raise MemoryError(f"spandsp {what} returned NULL")
    return pointer


def ifp_buffer(packet: bytes) -> Any:
    return (c_uint8 * len(packet)).from_buffer_copy(packet)
