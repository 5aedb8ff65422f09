"""The carrier contract: every carrier keeps the test number plan's promises alike.

Each case is one call the plan promises an outcome for. Every carrier in
`CONTRACT_CARRIERS` (conftest.py), taken from the registry and driven through
`Carrier.transmit`, must end it with

* the promised status,
* the promised pages: those the remote confirmed (`pages_sent`), and a received image that
  holds every page of a fax that went through, or else the confirmed pages and at most the
  one page that arrived unconfirmed,
* the plan's remote CSID when a fax machine answered, none when nothing did,
* a line time of the same order as the simulator's (the reference, which needs no library):
  within a factor of 3 once both are raised to 10 s (shorter calls are call progress, which
  the carriers time differently), and never shorter than the confirmed pages' image takes
  at the reported bit rate. Line time is what a carrier reports, not what the test measured.

A call to an inbound number of this installation (`FaxCall.answer_csid`) reaches our own
receiving terminal on the same line: it answers with its CSID, and its receipt names the
sender's TSI and the pages of the received image.

Where a carrier breaks the plan's promise today, `DISAGREEMENTS` names the case and why; the
case is then a strict xfail for that carrier, so a fix shows up as a failure to remove it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PIL import Image

from faxgate.carriers.base import CallOutcome, Carrier, FaxCall
from faxgate.carriers.registry import create_carrier
from faxgate.config import Settings
from faxgate.domain.faxin import terminal_csid
from faxgate.domain.number_plan import DEFAULT_REMOTE_CSID, PLAN, Line, PlanEntry
from faxgate.domain.statuses import FaxStatus
from tests.carriers.conftest import draw_pages, write_tiff

S = FaxStatus
SAME_ORDER_FACTOR = 3.0
CALL_PROGRESS_SECS = 10.0  # below this a line time says nothing about the fax


@dataclass(frozen=True)
class Case:
    number: str  # normalised, as the pipeline dials it
    pages: int  # of the document sent
    status: FaxStatus
    confirmed: int  # pages the remote confirmed
    csid: str = ""  # what the remote sends as its CSID
    attempt: int = 1

    @property
    def id(self) -> str:
        attempt = f"-attempt{self.attempt}" if self.attempt > 1 else ""
        return f"{self.number}-{self.pages}p{attempt}"


def promised(entry: PlanEntry) -> tuple[Case, ...]:
    """The calls that show what a plan entry promises, with its default parameter."""
    number, csid, n = f"00999{entry.code}", entry.remote_csid, entry.default_param or 1
    match entry.line:
        case Line.FAX_MACHINE | Line.STANDARD_ONLY | Line.NO_ECM:
            return (Case(number, 2, entry.status, 2, csid),)
        case Line.BUSY_THEN_ANSWER:
            busy = tuple(Case(number, 1, S.BUSY, 0, attempt=a) for a in range(1, n + 1))
            return (*busy, Case(number, 2, entry.status, 2, csid, attempt=n + 1))
        case Line.HANG_UP_AFTER_PAGE:
            # The hang-up shows on a longer fax; after the last page the fax went through.
            return (Case(number, n + 1, entry.status, n, csid), Case(number, n, S.OK, n, csid))
        case Line.FAIL_ON_PAGE:
            return (Case(number, n + 1, entry.status, n - 1, csid),)
        case Line.NOISY:
            delivered = 2 if entry.status is S.OK else 0
            return (Case(number, 2, entry.status, delivered, csid),)
        case Line.BUSY | Line.NO_ANSWER | Line.VOICE | Line.MODEM | Line.UNALLOCATED | Line.FIXED:
            return (Case(number, 2, entry.status, 0),)
    raise AssertionError(f"no contract case for {entry.line!r}")  # a new kind of line


# Numbers with a parameter, and numbers outside the plan's entries.
VARIANTS = (
    Case("004930123456", 2, S.OK, 2, DEFAULT_REMOTE_CSID),  # an ordinary number
    Case("00999402", 3, S.REM_DIS, 2, "FAXGATE TEST 40"),
    Case("00999403", 3, S.OK, 3, "FAXGATE TEST 40"),  # hangs up after the last page
    Case("00999502", 3, S.PAGE_SEND_ERR, 1, "FAXGATE TEST 50"),
    Case("00999503", 2, S.OK, 2, "FAXGATE TEST 50"),  # page 3 of a 2-page fax never comes
    Case("009997060", 2, S.OK, 2, "FAXGATE TEST 70"),
    Case("009997045", 1, S.BAD_LINES, 0, "FAXGATE TEST 70"),
    Case("009997047", 2, S.BAD_LINES, 0, "FAXGATE TEST 70"),  # the quietest noise that fails
    Case("00999999", 1, S.DIAL_NC, 0),  # a test number the plan does not assign
)

CASES = tuple(case for entry in PLAN for case in promised(entry)) + VARIANTS

_TRAINING_IN_NOISE = (
    "noise at -45 to -47 dBm0: spandsp's training fails, and the remote's late FTT ends the "
    "negotiation as T30_ERR_UNEXPECTED (FANS_GF, 20-30 s of line time); the plan promises "
    "BAD_LINES, which the simulator reports after 312 s without a valid frame"
)
# (carrier name, number) -> why that carrier breaks the plan's promise today
DISAGREEMENTS = {
    ("spandsp", "009997045"): _TRAINING_IN_NOISE,
    ("spandsp", "009997047"): _TRAINING_IN_NOISE,
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """A fine multi-page fax TIFF per page count, drawn once for the module."""
    folder = tmp_path_factory.mktemp("contract")
    made: dict[int, Path] = {}

    def document(pages: int) -> Path:
        if pages not in made:
            made[pages] = write_tiff(folder / f"doc{pages}.tif", draw_pages(pages))
        return made[pages]

    return document


@pytest.fixture
def call_for(documents: Callable[[int], Path], tmp_path: Path) -> Callable[[Case], FaxCall]:
    def make(case: Case) -> FaxCall:
        return FaxCall(
            job_id="FJCONTRACT",
            recipient_index=0,
            dialled_number=case.number,
            document=documents(case.pages),
            pages=case.pages,
            fine_resolution=True,
            tsi="+49 30 1111111",
            attempt=case.attempt,
            received_path=tmp_path / f"received-{case.id}.tif",
        )

    return make


def expect_disagreement(request: pytest.FixtureRequest, carrier: Carrier, case: Case) -> None:
    reason = DISAGREEMENTS.get((carrier.name, case.number))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def page_count(path: Path | None) -> int:
    if path is None or not path.exists():
        return 0
    with Image.open(path) as image:
        return int(getattr(image, "n_frames", 1))


@dataclass(frozen=True)
class Kept:
    """What a call left behind that the plan makes a promise about."""

    status: FaxStatus
    confirmed: int
    csid: str


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_call_ends_as_the_plan_promises(
    request: pytest.FixtureRequest,
    contract_carrier: Carrier,
    call_for: Callable[[Case], FaxCall],
    case: Case,
) -> None:
    expect_disagreement(request, contract_carrier, case)
    call = call_for(case)
    outcome = contract_carrier.transmit(call)
    kept = Kept(outcome.status, outcome.pages_sent, outcome.remote_csid)
    assert kept == Kept(case.status, case.confirmed, case.csid), outcome.reason
    received = page_count(outcome.received_path)
    if case.status is S.OK:
        assert outcome.received_path == call.received_path
        assert received == case.pages
    else:  # a page can arrive without its confirmation, never more than one
        assert case.confirmed <= received <= case.confirmed + 1, outcome.received_path


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_line_time_is_of_the_same_order(
    request: pytest.FixtureRequest,
    contract_carrier: Carrier,
    call_for: Callable[[Case], FaxCall],
    case: Case,
) -> None:
    expect_disagreement(request, contract_carrier, case)
    reference = create_carrier(Settings(carrier="simulator"))
    ours, theirs = contract_carrier.transmit(call_for(case)), reference.transmit(call_for(case))
    assert same_order(ours.line_seconds, theirs.line_seconds), (ours, theirs)
    assert ours.line_seconds >= image_seconds(call_for(case), ours), ours


def same_order(a: float, b: float) -> bool:
    low, high = sorted((max(a, CALL_PROGRESS_SECS), max(b, CALL_PROGRESS_SECS)))
    return high <= SAME_ORDER_FACTOR * low


def image_seconds(call: FaxCall, outcome: CallOutcome) -> float:
    """The least time the confirmed pages take on the line at the reported bit rate."""
    if not outcome.pages_sent or not outcome.bit_rate:
        return 0.0
    share = outcome.pages_sent / call.pages
    return call.document.stat().st_size * 8 * share / outcome.bit_rate


# Our own terminal on an ordinary line, on lines that break off, on a line that accepts only
# standard resolution, and behind a number where a person answers (no terminal at all).
OWN_TERMINAL_CASES = (
    Case("004930123456", 2, S.OK, 2),
    Case("00999402", 3, S.REM_DIS, 2),
    Case("00999502", 3, S.PAGE_SEND_ERR, 1),
    Case("0099960", 2, S.OK, 2),
    Case("0099903", 1, S.NOFAX, 0),
)


def vertical_dpi(path: Path) -> float:
    with Image.open(path) as image:
        return float(image.info["dpi"][1])


@pytest.mark.parametrize("case", OWN_TERMINAL_CASES, ids=[case.id for case in OWN_TERMINAL_CASES])
def test_our_own_terminal_answers_and_keeps_what_it_received(
    contract_carrier: Carrier, call_for: Callable[[Case], FaxCall], case: Case
) -> None:
    csid = terminal_csid(case.number)
    call = replace(call_for(case), answer_csid=csid)
    outcome = contract_carrier.transmit(call)
    answered = csid if case.confirmed else ""
    kept = Kept(outcome.status, outcome.pages_sent, outcome.remote_csid)
    assert kept == Kept(case.status, case.confirmed, answered), outcome.reason
    receipt = outcome.receipt
    if not case.confirmed:
        assert receipt is None and outcome.received_path is None
        return
    assert receipt is not None
    assert receipt.tsi == call.tsi
    assert receipt.pages == page_count(outcome.received_path)
    # The receipt counts what arrived: a page can arrive without its confirmation.
    assert case.confirmed <= receipt.pages <= case.confirmed + (case.status is not S.OK)
    assert receipt.fine is (vertical_dpi(outcome.received_path) > 150)  # type: ignore[arg-type]
