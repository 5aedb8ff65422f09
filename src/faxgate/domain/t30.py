"""T.30 completion codes (spandsp `T30_ERR_*`) and the Fax4A status each one means.

The enum is spandsp's (t30.h), identical in 0.0.6 and 3.0: the index in `T30_ERR_NAMES`
is the code. The mapping reads the sending terminal's code: it is what our side of the
call knows. Spec §6 names the statuses; the grouping follows the T.30 phases:

* no fax answer at all (T0/T1 expiry, CED only)        → NOFAX_TO / NOFAX
* negotiation (phase B) fails                          → FANS_GF, NO_TRAIN, NO_REMOTEINFO
* page transfer (phases C/D) fails                     → PAGE_SEND_ERR, REM_DIS, BAD_LINES
* our own document is unusable                         → MISSING_FAX_FILE, TIFF_PAGE_ERR, ...
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.domain.statuses import FaxStatus

S = FaxStatus

# (name without the T30_ERR_ prefix, status, readable reason), in enum order.
_TABLE: tuple[tuple[str, FaxStatus, str], ...] = (
    ("OK", S.OK, "OK"),
    # link problems
    ("CEDTONE", S.NOFAX, "the answer tone lasted over 5 s: not a fax machine"),
    ("T0_EXPIRED", S.NOFAX_TO, "no fax answer before timer T0 expired"),
    ("T1_EXPIRED", S.NOFAX_TO, "no fax signal from the remote before timer T1 expired"),
    ("T3_EXPIRED", S.COMERROR, "timed out waiting for a procedural interrupt"),
    ("HDLC_CARRIER", S.BAD_LINES, "the control carrier did not stop: line fault"),
    ("CANNOT_TRAIN", S.NO_TRAIN, "training failed at every common speed"),
    ("OPER_INT_FAIL", S.COMERROR, "operator intervention failed"),
    ("INCOMPATIBLE", S.FANS_GF, "the remote fax machine is not compatible"),
    ("RX_INCAPABLE", S.FANS_GF, "the remote fax machine cannot receive"),
    ("TX_INCAPABLE", S.FANS_GF, "the remote fax machine cannot transmit"),
    ("NORESSUPPORT", S.FANS_GF, "the remote cannot receive at the page resolution"),
    ("NOSIZESUPPORT", S.FANS_GF, "the remote cannot receive the page size"),
    ("UNEXPECTED", S.FANS_GF, "unexpected message from the remote during negotiation"),
    # phase E codes of a transmitter
    ("TX_BADDCS", S.NO_TRAIN, "bad response to DCS or training"),
    ("TX_BADPG", S.REM_DIS, "the remote disconnected after a page"),
    ("TX_ECMPHD", S.PAGE_SEND_ERR, "invalid error-correction response from the remote"),
    ("TX_GOTDCN", S.NO_REMOTEINFO, "the remote disconnected before the mode was negotiated"),
    ("TX_INVALRSP", S.PAGE_SEND_ERR, "invalid response after sending a page"),
    ("TX_NODIS", S.FANS_GF, "the remote sent something other than its capabilities (DIS)"),
    ("TX_PHBDEAD", S.NO_TRAIN, "no response to DCS or training"),
    ("TX_PHDDEAD", S.PAGE_SEND_ERR, "no response from the remote after sending a page"),
    ("TX_T5EXP", S.PAGE_SEND_ERR, "the remote stayed not ready (T5 expired)"),
    # phase E codes of a receiver (seen when our terminal receives, kept for completeness)
    ("RX_ECMPHD", S.PAGE_SEND_ERR, "invalid error-correction response from the sender"),
    ("RX_GOTDCS", S.FANS_GF, "DCS received while waiting for DTC"),
    ("RX_INVALCMD", S.FANS_GF, "unexpected command after a page"),
    ("RX_NOCARRIER", S.BAD_LINES, "carrier lost during the page"),
    ("RX_NOEOL", S.BAD_LINES, "timed out waiting for the end of a line"),
    ("RX_NOFAX", S.NOFAX_TO, "timed out waiting for the first line"),
    ("RX_T2EXPDCN", S.COMERROR, "timer T2 expired waiting for DCN"),
    ("RX_T2EXPD", S.PAGE_SEND_ERR, "timer T2 expired waiting for phase D"),
    ("RX_T2EXPFAX", S.PAGE_SEND_ERR, "timer T2 expired waiting for a page"),
    ("RX_T2EXPMPS", S.PAGE_SEND_ERR, "timer T2 expired waiting for the next page"),
    ("RX_T2EXPRR", S.PAGE_SEND_ERR, "timer T2 expired waiting for RR"),
    ("RX_T2EXP", S.NO_REMOTEINFO, "timer T2 expired waiting for NSS, DCS or MCF"),
    ("RX_DCNWHY", S.NO_REMOTEINFO, "unexpected DCN while waiting for DCS or DIS"),
    ("RX_DCNDATA", S.REM_DIS, "unexpected DCN while waiting for image data"),
    ("RX_DCNFAX", S.REM_DIS, "unexpected DCN while waiting for EOM, EOP or MPS"),
    ("RX_DCNPHD", S.REM_DIS, "unexpected DCN after EOM or MPS"),
    ("RX_DCNRRD", S.REM_DIS, "unexpected DCN after RR/RNR"),
    ("RX_DCNNORTN", S.REM_DIS, "unexpected DCN after a requested retransmission"),
    # our TIFF file
    ("FILEERROR", S.MISSING_FAX_FILE, "the fax file cannot be opened"),
    ("NOPAGE", S.TIFF_PAGE_ERR, "a page of the fax file was not found"),
    ("BADTIFF", S.UNKNOWN_FAX_FILE, "the fax file is not a compatible TIFF/F"),
    ("BADPAGE", S.TIFF_PAGE_ERR, "a page number tag is missing in the fax file"),
    ("BADTAG", S.TIFF_PAGE_ERR, "incorrect TIFF/F tag values in the fax file"),
    ("BADTIFFHDR", S.TIFF_PAGE_ERR, "bad TIFF/F header in the fax file"),
    ("NOMEM", S.COMERROR, "out of memory for more pages"),
    # general
    ("RETRYDCN", S.BAD_LINES, "disconnected after the permitted retries: too many line errors"),
    ("CALLDROPPED", S.REM_DIS, "the call dropped: the remote hung up"),
    # feature negotiation
    ("NOPOLL", S.FANS_GF, "polling not accepted"),
    ("IDENT_UNACCEPTABLE", S.FANS_GF, "the remote does not accept our identity"),
    ("SUB_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the sub-address"),
    ("SEP_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the polling address"),
    ("PSA_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the polled sub-address"),
    ("SID_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the sender identification"),
    ("PWD_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the password"),
    ("TSA_UNACCEPTABLE", S.FANS_GF, "the remote does not accept our internet address"),
    ("IRA_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the routing address"),
    ("CIA_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the calling address"),
    ("ISP_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the polling address"),
    ("CSA_UNACCEPTABLE", S.FANS_GF, "the remote does not accept the called address"),
)

T30_ERR_NAMES: tuple[str, ...] = tuple(f"T30_ERR_{name}" for name, _, _ in _TABLE)
T30_ERR_OK = 0
T30_ERR_T1_EXPIRED = T30_ERR_NAMES.index("T30_ERR_T1_EXPIRED")
T30_ERR_HDLC_CARRIER = T30_ERR_NAMES.index("T30_ERR_HDLC_CARRIER")
T30_ERR_NORESSUPPORT = T30_ERR_NAMES.index("T30_ERR_NORESSUPPORT")
T30_ERR_CALLDROPPED = T30_ERR_NAMES.index("T30_ERR_CALLDROPPED")


@dataclass(frozen=True)
class T30Result:
    code: int
    name: str  # e.g. "T30_ERR_OK"
    status: FaxStatus
    reason: str


def code_name(code: int) -> str:
    if 0 <= code < len(_TABLE):
        return T30_ERR_NAMES[code]
    return f"T30_ERR_{code}"


def classify(code: int) -> T30Result:
    """The status and reason a sending terminal's completion code stands for."""
    if 0 <= code < len(_TABLE):
        _, status, reason = _TABLE[code]
        return T30Result(code, T30_ERR_NAMES[code], status, reason)
    return T30Result(code, code_name(code), S.COMERROR, f"unknown T.30 completion code {code}")
