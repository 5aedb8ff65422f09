"""The test number plan: numbers that begin with +999 (or 00999) select a line behaviour.

`+999` is followed by a two-digit code and, for some codes, a parameter (the digits after
the code). Every other number reaches an ordinary fax machine that answers OK. Both
carriers read this plan: the simulator decides the outcome directly, the spandsp carrier
configures a virtual remote fax machine and lets a real T.30 session decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from faxgate.domain.statuses import FaxStatus

TEST_PREFIX = "00999"
DEFAULT_REMOTE_CSID = "FAXGATE REMOTE"


class Line(StrEnum):
    FAX_MACHINE = "fax_machine"  # answers and receives
    BUSY = "busy"
    BUSY_THEN_ANSWER = "busy_then_answer"  # busy for `param` calls, then a fax machine
    NO_ANSWER = "no_answer"
    VOICE = "voice"  # a person answers
    MODEM = "modem"  # a data modem answers: no fax signal
    HANG_UP_AFTER_PAGE = "hang_up_after_page"  # remote hangs up after page `param`
    FAIL_ON_PAGE = "fail_on_page"  # page `param` cannot be delivered
    NOISY = "noisy"  # white noise at -`param` dBm0 on the line
    STANDARD_ONLY = "standard_only"  # remote accepts only 204×98 dpi
    NO_ECM = "no_ecm"  # remote has no error correction mode
    UNALLOCATED = "unallocated"  # the number does not exist
    FIXED = "fixed"  # outcome decided by the plan alone (statuses no line produces)


@dataclass(frozen=True)
class PlanEntry:
    code: str  # the two digits after +999
    line: Line
    status: FaxStatus  # the final status this number ends with
    description: str
    remote_csid: str = ""
    default_param: int | None = None

    @property
    def number(self) -> str:
        return f"+999{self.code}"


@dataclass(frozen=True)
class Destination:
    """What dialling one normalised number reaches."""

    entry: PlanEntry
    param: int | None


def _fixed(code: str, status: FaxStatus, description: str) -> PlanEntry:
    return PlanEntry(code, Line.FIXED, status, description)


PLAN: tuple[PlanEntry, ...] = (
    PlanEntry(
        "00",
        Line.FAX_MACHINE,
        FaxStatus.OK,
        "a fax machine that receives every page",
        "FAXGATE TEST 00",
    ),
    PlanEntry("01", Line.BUSY, FaxStatus.BUSY, "always busy (redialled, then BUSY)"),
    PlanEntry("02", Line.NO_ANSWER, FaxStatus.RING_TO, "rings, nobody answers"),
    PlanEntry("03", Line.VOICE, FaxStatus.NOFAX, "a person answers"),
    _fixed("04", FaxStatus.NOFAX_DIS, "answered, then hung up before any fax signal"),
    PlanEntry("05", Line.MODEM, FaxStatus.NOFAX_TO, "a data modem answers: no fax signal"),
    _fixed("06", FaxStatus.NO_TRAIN, "training fails on every speed"),
    _fixed("07", FaxStatus.PAGE_SEND_ERR, "the first page cannot be delivered"),
    PlanEntry(
        "08",
        Line.HANG_UP_AFTER_PAGE,
        FaxStatus.REM_DIS,
        "remote hangs up after page 1",
        "FAXGATE TEST 08",
        1,
    ),
    _fixed("09", FaxStatus.NO_REMOTEINFO, "remote hangs up before the mode is negotiated"),
    PlanEntry(
        "10",
        Line.NOISY,
        FaxStatus.BAD_LINES,
        "a line too noisy to carry the fax",
        "FAXGATE TEST 10",
        30,
    ),
    _fixed("11", FaxStatus.FANS_GF, "protocol errors of the remote during negotiation"),
    _fixed("12", FaxStatus.DIAL_GF, "connection set-up fails"),
    _fixed("13", FaxStatus.EOD_FAILED, "no end-of-document confirmation"),
    _fixed("14", FaxStatus.MISSING_FAX_FILE, "ends as if a document were missing"),
    _fixed("15", FaxStatus.UNKNOWN_FAX_FILE, "ends as if a document were of an unknown type"),
    _fixed("16", FaxStatus.TIFF_PAGE_ERR, "ends as if a fax page were damaged"),
    _fixed("17", FaxStatus.RENDERING_ERROR, "ends as if a document could not be rendered"),
    _fixed("18", FaxStatus.CANCELLED, "ends as cancelled"),
    _fixed("19", FaxStatus.DIAL_NC, "the carrier rejects the number at once"),
    _fixed("20", FaxStatus.CHANGED_NO, "an announcement says the number has changed"),
    _fixed("21", FaxStatus.WOUT_TO, "no reaction after dialling"),
    PlanEntry("22", Line.UNALLOCATED, FaxStatus.WRONG_NO, "an unallocated number"),
    _fixed("23", FaxStatus.BLACKLIST, "ends as if on the Robinson/deny list"),
    _fixed("24", FaxStatus.PBLACKLIST, "ends as if on the sender's own block list"),
    _fixed("25", FaxStatus.COMERROR, "a communication error"),
    PlanEntry(
        "30", Line.BUSY_THEN_ANSWER, FaxStatus.OK, "busy twice, then OK", "FAXGATE TEST 30", 2
    ),
    PlanEntry(
        "40",
        Line.HANG_UP_AFTER_PAGE,
        FaxStatus.REM_DIS,
        "remote hangs up after page N (+99940N, default 1)",
        "FAXGATE TEST 40",
        1,
    ),
    PlanEntry(
        "50",
        Line.FAIL_ON_PAGE,
        FaxStatus.PAGE_SEND_ERR,
        "page N fails (+99950N, default 1)",
        "FAXGATE TEST 50",
        1,
    ),
    PlanEntry(
        "60",
        Line.STANDARD_ONLY,
        FaxStatus.OK,
        "a machine that accepts only standard resolution",
        "FAXGATE TEST 60",
    ),
    PlanEntry(
        "61", Line.NO_ECM, FaxStatus.OK, "a machine without error correction", "FAXGATE TEST 61"
    ),
    PlanEntry(
        "70",
        Line.NOISY,
        FaxStatus.OK,
        "white noise at -NN dBm0 (+99970NN, default 50: ECM recovers)",
        "FAXGATE TEST 70",
        50,
    ),
)

_BY_CODE = {entry.code: entry for entry in PLAN}
_ORDINARY = PlanEntry(
    "", Line.FAX_MACHINE, FaxStatus.OK, "an ordinary fax machine", DEFAULT_REMOTE_CSID
)
_UNASSIGNED_TEST = PlanEntry("", Line.FIXED, FaxStatus.DIAL_NC, "an unassigned test number")


def lookup(normalised_number: str) -> Destination:
    """The destination a normalised (`00…`) number reaches."""
    if not normalised_number.startswith(TEST_PREFIX):
        return Destination(_ORDINARY, None)
    rest = normalised_number[len(TEST_PREFIX) :]
    entry = _BY_CODE.get(rest[:2])
    if entry is None:
        return Destination(_UNASSIGNED_TEST, None)
    digits = rest[2:]
    param = int(digits) if digits and entry.default_param is not None else entry.default_param
    return Destination(entry, param)
