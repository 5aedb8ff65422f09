"""Every behaviour of the test number plan, through the spandsp carrier (audio).

Numbers that need a line run a real T.30 session; the status comes from its completion
code. Numbers that need none end with the plan's status and a call-progress line time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from faxgate.carriers.base import CallOutcome, FaxCall
from faxgate.carriers.spandsp import SpandspCarrier
from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus

Send = Callable[..., CallOutcome]


@pytest.fixture
def send(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
) -> Send:
    carrier = SpandspCarrier(Settings(spandsp_transport="audio"))  # default 600 s cap
    documents: dict[int, Path] = {}

    def run(number: str, *, pages: int = 3, attempt: int = 1) -> CallOutcome:
        if pages not in documents:
            documents[pages] = make_tiff(pages, name=f"doc{pages}.tif")
        return carrier.transmit(make_call(documents[pages], number, attempt=attempt, pages=pages))

    return run


def page_count(path: Path | None) -> int:
    assert path is not None
    with Image.open(path) as img:
        return int(getattr(img, "n_frames", 1))


@pytest.mark.parametrize(
    ("number", "status", "seconds"),
    [
        ("0099901", FaxStatus.BUSY, 4.0),
        ("0099902", FaxStatus.RING_TO, 60.0),
        ("0099922", FaxStatus.WRONG_NO, 8.0),
        ("0099904", FaxStatus.NOFAX_DIS, 0.0),
        ("0099925", FaxStatus.COMERROR, 0.0),
        ("00999999", FaxStatus.DIAL_NC, 0.0),
    ],
)
def test_numbers_that_need_no_line(
    send: Send, number: str, status: FaxStatus, seconds: float
) -> None:
    outcome = send(number)
    assert outcome.status is status
    assert outcome.completion_code is None  # no T.30 session ran
    assert outcome.line_seconds == seconds
    assert outcome.pages_sent == 0
    assert outcome.reason


def test_busy_then_answer_connects_on_the_third_attempt(send: Send) -> None:
    assert send("0099930", attempt=1).status is FaxStatus.BUSY
    assert send("0099930", attempt=2).status is FaxStatus.BUSY
    third = send("0099930", attempt=3, pages=1)
    assert third.status is FaxStatus.OK
    assert third.completion_code == "T30_ERR_OK"
    assert third.remote_csid == "FAXGATE TEST 30"


def test_person_answers(send: Send) -> None:
    outcome = send("0099903", pages=1)
    assert outcome.status is FaxStatus.NOFAX
    assert outcome.completion_code == "T30_ERR_T0_EXPIRED"  # no fax answer, really
    assert outcome.remote_csid == ""
    assert outcome.pages_sent == 0
    assert "person" in outcome.reason
    assert outcome.line_seconds >= 30


def test_data_modem_answers(send: Send) -> None:
    outcome = send("0099905", pages=1)
    assert outcome.status is FaxStatus.NOFAX_TO
    assert outcome.completion_code == "T30_ERR_T0_EXPIRED"
    assert "modem" in outcome.reason


def test_remote_hangs_up_after_page_1(send: Send) -> None:
    outcome = send("0099908")
    assert outcome.status is FaxStatus.REM_DIS
    assert outcome.completion_code == "T30_ERR_CALLDROPPED"
    assert outcome.pages_sent == 1
    assert outcome.remote_csid == "FAXGATE TEST 08"
    assert outcome.stats["remote_hung_up"] is True
    assert page_count(outcome.received_path) == 1  # what the remote kept


def test_remote_hangs_up_after_page_n(send: Send) -> None:
    outcome = send("00999402")
    assert outcome.status is FaxStatus.REM_DIS
    assert outcome.pages_sent == 2
    assert page_count(outcome.received_path) == 2


def test_remote_that_hangs_up_after_the_last_page_got_everything(send: Send) -> None:
    outcome = send("00999403")  # 3 pages: the call ends normally first
    assert outcome.status is FaxStatus.OK
    assert outcome.pages_sent == 3


@pytest.mark.parametrize(("number", "delivered"), [("0099950", 0), ("00999502", 1)])
def test_page_n_fails(send: Send, number: str, delivered: int) -> None:
    outcome = send(number)
    assert outcome.status is FaxStatus.PAGE_SEND_ERR
    assert outcome.completion_code == "T30_ERR_TX_PHDDEAD"
    assert outcome.pages_sent == delivered


def test_line_too_noisy_at_minus_30_dbm0(send: Send) -> None:
    outcome = send("0099910", pages=1)
    assert outcome.status is FaxStatus.BAD_LINES
    assert outcome.completion_code == "T30_ERR_HDLC_CARRIER"
    assert outcome.pages_sent == 0
    assert outcome.stats["pages_received"] == 0


def test_noise_at_minus_50_dbm0_is_survived(send: Send) -> None:
    outcome = send("0099970", pages=2)
    assert outcome.status is FaxStatus.OK
    assert outcome.pages_sent == 2


def test_noise_level_from_the_number(send: Send) -> None:
    outcome = send("009997045", pages=1)  # -45 dBm0: negotiation breaks down
    assert outcome.status is not FaxStatus.OK
    assert outcome.completion_code != "T30_ERR_OK"


def test_standard_only_machine_gets_standard_resolution(send: Send) -> None:
    outcome = send("0099960", pages=2)
    assert outcome.status is FaxStatus.OK
    assert outcome.stats["resolution"] == "standard"
    assert outcome.stats["calls"] == 2  # the first call learnt the remote's capabilities
    first = outcome.stats["first_call"]
    assert isinstance(first, dict)
    assert first["completion_code"] == "T30_ERR_NORESSUPPORT"
    assert outcome.received_path is not None
    with Image.open(outcome.received_path) as img:
        assert img.size == (1728, 1146)


def test_standard_document_to_standard_only_machine_needs_one_call(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
) -> None:
    carrier = SpandspCarrier(Settings())
    outcome = carrier.transmit(make_call(make_tiff(1, fine=False), "0099960", pages=1))
    assert outcome.status is FaxStatus.OK
    assert outcome.stats["resolution"] == "standard"
    assert "calls" not in outcome.stats


def test_machine_without_ecm(send: Send) -> None:
    outcome = send("0099961", pages=2)
    assert outcome.status is FaxStatus.OK
    assert outcome.ecm is False
    assert outcome.stats["compression"] == "T.4 2D"  # T.6 needs ECM


def test_line_time_cap(make_tiff: Callable[..., Path], make_call: Callable[..., FaxCall]) -> None:
    carrier = SpandspCarrier(Settings(spandsp_max_line_secs=15.0))
    outcome = carrier.transmit(make_call(make_tiff(2), "0099900"))
    assert outcome.status is FaxStatus.COMERROR
    assert outcome.line_seconds == 15.0
    assert outcome.stats["line_cap_reached"] is True
    assert "cap" in outcome.reason
