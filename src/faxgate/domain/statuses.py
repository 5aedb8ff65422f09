"""Recipient statuses of the Fax4A report (spec §6) and how they behave."""

from __future__ import annotations

from enum import StrEnum


class FaxStatus(StrEnum):
    PENDING = "PENDING"
    OK = "OK"
    EOD_FAILED = "EOD_FAILED"
    BUSY = "BUSY"
    NO_TRAIN = "NO_TRAIN"
    PAGE_SEND_ERR = "PAGE_SEND_ERR"
    REM_DIS = "REM_DIS"
    NO_REMOTEINFO = "NO_REMOTEINFO"
    BAD_LINES = "BAD_LINES"
    FANS_GF = "FANS_GF"
    DIAL_GF = "DIAL_GF"
    NOFAX = "NOFAX"
    NOFAX_DIS = "NOFAX_DIS"
    NOFAX_TO = "NOFAX_TO"
    RING_TO = "RING_TO"
    MISSING_FAX_FILE = "MISSING_FAX_FILE"
    UNKNOWN_FAX_FILE = "UNKNOWN_FAX_FILE"
    TIFF_PAGE_ERR = "TIFF_PAGE_ERR"
    RENDERING_ERROR = "RENDERING_ERROR"
    CANCELLED = "CANCELLED"
    DIAL_NC = "DIAL_NC"
    CHANGED_NO = "CHANGED_NO"
    WOUT_TO = "WOUT_TO"
    WRONG_NO = "WRONG_NO"
    BLACKLIST = "BLACKLIST"
    PBLACKLIST = "PBLACKLIST"
    COMERROR = "COMERROR"


class FailureClass(StrEnum):
    """How a failed call is retried: each class has its own attempt budget."""

    NO_CONNECT = "no_connect"  # the call never reached a fax machine (busy, no answer)
    MID_FAX = "mid_fax"  # the fax session started and broke off
    PERMANENT = "permanent"  # dialling again cannot help


_NO_CONNECT = {
    FaxStatus.BUSY,
    FaxStatus.RING_TO,
    FaxStatus.NOFAX_TO,
    FaxStatus.WOUT_TO,
    FaxStatus.DIAL_GF,
    FaxStatus.NOFAX_DIS,
}
_MID_FAX = {
    FaxStatus.NO_TRAIN,
    FaxStatus.PAGE_SEND_ERR,
    FaxStatus.REM_DIS,
    FaxStatus.NO_REMOTEINFO,
    FaxStatus.BAD_LINES,
    FaxStatus.FANS_GF,
    FaxStatus.COMERROR,
}


def failure_class(status: FaxStatus) -> FailureClass:
    if status in _NO_CONNECT:
        return FailureClass.NO_CONNECT
    if status in _MID_FAX:
        return FailureClass.MID_FAX
    return FailureClass.PERMANENT


def is_final(status: FaxStatus) -> bool:
    return status is not FaxStatus.PENDING
