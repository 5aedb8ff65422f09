"""ctypes declarations for libspandsp, loaded on first use.

Written against Debian's libspandsp2 0.0.6 (soname .so.2), the only version run. Upstream
3.0 (soname .so.3) differs in three places that touch us; `Library.spandsp3` selects them:
the log message handler gains a leading user_data argument, `t30_stats_t` gains fields in
the middle (so its layout differs), and `t30_set_rx_encoding` is replaced by
`t30_set_supported_output_compressions` taking bit flags.

Every spandsp state struct is opaque to us: spandsp allocates them when passed NULL, and
we hold them as `c_void_p`. Every pointer-returning function has its restype declared,
because ctypes' default `int` truncates 64-bit pointers (a segfault later, not here).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_float,
    c_int,
    c_int16,
    c_uint8,
    c_uint16,
    c_void_p,
)
from dataclasses import dataclass
from typing import Any

SAMPLE_RATE = 8000
BLOCK = 160  # samples per loop tick: 20 ms at 8 kHz

# t30.h: modems, compressions, resolutions, sizes (identical bit values in 0.0.6 and 3.0)
T30_SUPPORT_V27TER = 0x01
T30_SUPPORT_V29 = 0x02
T30_SUPPORT_V17 = 0x04
ALL_MODEMS = T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17
T30_SUPPORT_T4_1D_COMPRESSION = 0x02
T30_SUPPORT_T4_2D_COMPRESSION = 0x04
T30_SUPPORT_T6_COMPRESSION = 0x08
T30_SUPPORT_STANDARD_RESOLUTION = 0x01
T30_SUPPORT_FINE_RESOLUTION = 0x02
T30_SUPPORT_SUPERFINE_RESOLUTION = 0x04
T30_SUPPORT_R8_RESOLUTION = 0x20000
T4_COMPRESSION_ITU_T6 = 3  # 0.0.6 enum value; 3.0 takes the bit flag 0x08 instead
# logging.h
SPAN_LOG_PROTOCOL_WARNING = 4
SPAN_LOG_SHOW_SEVERITY = 0x0400
SPAN_LOG_SHOW_PROTOCOL = 0x0800
G711_ALAW = 0
G711_ULAW = 1


class T30Stats006(Structure):
    """`t30_stats_t` of 0.0.6 (a public struct, so it can be mirrored)."""

    _fields_ = [
        (name, c_int)
        for name in (
            "bit_rate", "error_correcting_mode", "pages_tx", "pages_rx", "pages_in_file",
            "x_resolution", "y_resolution", "width", "length", "image_size", "encoding",
            "bad_rows", "longest_bad_row_run", "error_correcting_mode_retries",
            "current_status",
        )
    ]  # fmt: skip


class T30Stats3(Structure):
    """`t30_stats_t` of 3.0: image_* and type fields sit before the 0.0.6 ones."""

    _fields_ = [
        (name, c_int)
        for name in (
            "bit_rate", "error_correcting_mode", "pages_tx", "pages_rx", "pages_in_file",
            "image_type", "image_x_resolution", "image_y_resolution", "image_width",
            "image_length", "type", "x_resolution", "y_resolution", "width", "length",
            "image_size", "encoding", "bad_rows", "longest_bad_row_run",
            "error_correcting_mode_retries", "current_status", "rtp_events", "rtn_events",
        )
    ]  # fmt: skip


# Callback types. Instances must stay referenced for as long as C may call them.
PhaseEHandler = CFUNCTYPE(None, c_void_p, c_void_p, c_int)  # void (t30*, user, code)
PhaseBDHandler = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int)  # int (t30*, user, result)
MessageHandler006 = CFUNCTYPE(None, c_int, c_char_p)  # void (level, text)
MessageHandler3 = CFUNCTYPE(None, c_void_p, c_int, c_char_p)  # void (user, level, text)
# void (t30*, user, direction: 1 = received, msg, len): every valid HDLC frame
FrameHandler = CFUNCTYPE(None, c_void_p, c_void_p, c_int, POINTER(c_uint8), c_int)
T38TxHandler = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(c_uint8), c_int, c_int)


class SpandspUnavailable(OSError):
    """libspandsp cannot be loaded on this machine."""


@dataclass(frozen=True)
class Library:
    """The loaded library with its signatures declared, and its ABI generation."""

    dll: Any  # ctypes.CDLL: attribute access yields the declared C functions
    spandsp3: bool
    path: str

    @property
    def stats_type(self) -> type[Structure]:
        return T30Stats3 if self.spandsp3 else T30Stats006

    @property
    def message_handler_type(self) -> Any:
        return MessageHandler3 if self.spandsp3 else MessageHandler006

    @property
    def rx_t6_encoding(self) -> int:
        return T30_SUPPORT_T6_COMPRESSION if self.spandsp3 else T4_COMPRESSION_ITU_T6


_CANDIDATES = ("libspandsp.so.2", "libspandsp.so.3", "libspandsp.so")
_lock = threading.Lock()
_cache: dict[str, Library | SpandspUnavailable] = {}  # "lib": the library or why not


def load() -> Library:
    """Load libspandsp once per process; raise SpandspUnavailable if it is absent."""
    with _lock:
        if "lib" not in _cache:
            try:
                _cache["lib"] = _open()
            except SpandspUnavailable as exc:
                _cache["lib"] = exc
        found = _cache["lib"]
    if isinstance(found, SpandspUnavailable):
        raise found
    return found


def available() -> bool:
    """True if libspandsp can be loaded (loads it on the first call)."""
    try:
        load()
    except SpandspUnavailable:
        return False
    return True


def _open() -> Library:
    names = [ctypes.util.find_library("spandsp"), *_CANDIDATES]
    errors: list[str] = []
    for name in names:
        if not name:
            continue
        try:
            dll = ctypes.CDLL(name)
        except OSError as exc:
            errors.append(str(exc))
            continue
        lib = Library(dll, hasattr(dll, "t30_set_supported_output_compressions"), name)
        try:
            _declare(lib)
        except AttributeError as exc:  # a library too old or too different to drive
            errors.append(f"{name}: {exc}")
            continue
        return lib
    raise SpandspUnavailable("libspandsp not found: " + "; ".join(errors))


_vp, _i, _s = c_void_p, c_int, c_char_p
_SAMPLES = POINTER(c_int16)
_OCTETS = POINTER(c_uint8)

# (function, restype, argtypes) common to 0.0.6 and 3.0
_COMMON: tuple[tuple[str, Any, tuple[Any, ...]], ...] = (
    # audio terminal (fax.h)
    ("fax_init", _vp, (_vp, _i)),
    ("fax_free", _i, (_vp,)),
    ("fax_get_t30_state", _vp, (_vp,)),
    ("fax_get_logging_state", _vp, (_vp,)),
    ("fax_set_transmit_on_idle", None, (_vp, _i)),
    ("fax_set_tep_mode", None, (_vp, _i)),
    ("fax_tx", _i, (_vp, _SAMPLES, _i)),
    ("fax_rx", _i, (_vp, _SAMPLES, _i)),
    # T.30 engine (t30.h, t30_api.h)
    ("t30_set_tx_file", None, (_vp, _s, _i, _i)),
    ("t30_set_rx_file", None, (_vp, _s, _i)),
    ("t30_set_tx_ident", _i, (_vp, _s)),
    ("t30_get_rx_ident", _s, (_vp,)),
    ("t30_set_ecm_capability", _i, (_vp, _i)),
    ("t30_set_supported_modems", _i, (_vp, _i)),
    ("t30_set_supported_compressions", _i, (_vp, _i)),
    ("t30_set_phase_e_handler", None, (_vp, PhaseEHandler, _vp)),
    ("t30_set_phase_d_handler", None, (_vp, PhaseBDHandler, _vp)),
    ("t30_set_real_time_frame_handler", None, (_vp, FrameHandler, _vp)),
    ("t30_get_logging_state", _vp, (_vp,)),
    ("t30_call_active", _i, (_vp,)),
    ("t30_terminate", None, (_vp,)),
    ("t30_completion_code_to_str", _s, (_i,)),
    # logging (logging.h)
    ("span_log_set_level", _i, (_vp, _i)),
    ("span_log_set_tag", _i, (_vp, _s)),
    # T.38 terminal (t38_terminal.h, t38_core.h)
    ("t38_terminal_init", _vp, (_vp, _i, T38TxHandler, _vp)),
    ("t38_terminal_free", _i, (_vp,)),
    ("t38_terminal_get_t30_state", _vp, (_vp,)),
    ("t38_terminal_get_t38_core_state", _vp, (_vp,)),
    ("t38_terminal_get_logging_state", _vp, (_vp,)),
    ("t38_terminal_send_timeout", _i, (_vp, _i)),
    ("t38_terminal_set_config", None, (_vp, _i)),
    ("t38_terminal_set_tep_mode", None, (_vp, _i)),
    ("t38_core_rx_ifp_packet", _i, (_vp, _OCTETS, _i, c_uint16)),
    ("t38_core_get_logging_state", _vp, (_vp,)),
    # line impairments (awgn.h, g711.h; in the main library, not in spandsp-sim)
    ("awgn_init_dbm0", _vp, (_vp, _i, c_float)),
    ("awgn_free", _i, (_vp,)),
    ("awgn", c_int16, (_vp,)),
    ("g711_init", _vp, (_vp, _i)),
    ("g711_free", _i, (_vp,)),
    ("g711_encode", _i, (_vp, _OCTETS, _SAMPLES, _i)),
    ("g711_decode", _i, (_vp, _SAMPLES, _OCTETS, _i)),
)
_V006: tuple[tuple[str, Any, tuple[Any, ...]], ...] = (
    ("t30_set_rx_encoding", _i, (_vp, _i)),
    ("t30_set_supported_resolutions", _i, (_vp, _i)),
    ("t30_get_transfer_statistics", None, (_vp, POINTER(T30Stats006))),
    ("span_log_set_message_handler", None, (_vp, MessageHandler006)),
)
_V3: tuple[tuple[str, Any, tuple[Any, ...]], ...] = (
    ("t30_set_supported_output_compressions", _i, (_vp, _i)),
    ("t30_set_supported_bilevel_resolutions", _i, (_vp, _i)),
    ("t30_get_transfer_statistics", None, (_vp, POINTER(T30Stats3))),
    ("span_log_set_message_handler", None, (_vp, MessageHandler3, _vp)),
)


def _declare(lib: Library) -> None:
    for name, restype, argtypes in _COMMON + (_V3 if lib.spandsp3 else _V006):
        fn = getattr(lib.dll, name)
        fn.restype = restype
        fn.argtypes = list(argtypes)
