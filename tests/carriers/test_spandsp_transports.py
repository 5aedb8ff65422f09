"""T.38, the G.711 round trip, concurrent sessions and the carrier's own faults."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from faxgate.carriers.base import FaxCall
from faxgate.carriers.spandsp import SpandspCarrier
from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus


def assert_pixel_identical(sent: Path, received: Path | None) -> None:
    assert received is not None
    with Image.open(sent) as a, Image.open(received) as b:
        assert getattr(a, "n_frames", 1) == getattr(b, "n_frames", 1)
        for index in range(getattr(a, "n_frames", 1)):
            a.seek(index)
            b.seek(index)
            assert ImageChops.difference(a.convert("1"), b.convert("1")).getbbox() is None


def test_t38_delivers_pixel_identical_pages(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
) -> None:
    document = make_tiff(2)
    outcome = SpandspCarrier(Settings(spandsp_transport="t38")).transmit(
        make_call(document, "0099900", tsi="T38 SENDER")
    )
    assert outcome.status is FaxStatus.OK
    assert outcome.stats["transport"] == "t38"
    assert outcome.pages_sent == 2
    assert outcome.stats["tsi_seen_by_remote"] == "T38 SENDER"
    assert outcome.remote_csid == "FAXGATE TEST 00"
    assert_pixel_identical(document, outcome.received_path)


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("0099903", FaxStatus.NOFAX, "T30_ERR_T0_EXPIRED"),
        ("0099908", FaxStatus.REM_DIS, "T30_ERR_CALLDROPPED"),
        ("0099950", FaxStatus.PAGE_SEND_ERR, "T30_ERR_TX_PHDDEAD"),
        ("0099961", FaxStatus.OK, "T30_ERR_OK"),
        ("0099960", FaxStatus.OK, "T30_ERR_OK"),
    ],
)
def test_t38_plan_behaviours(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
    number: str,
    status: FaxStatus,
    code: str,
) -> None:
    outcome = SpandspCarrier(Settings(spandsp_transport="t38")).transmit(
        make_call(make_tiff(2), number)
    )
    assert (outcome.status, outcome.completion_code) == (status, code)


def test_t38_noisy_destination_runs_its_analogue_line(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
) -> None:
    outcome = SpandspCarrier(Settings(spandsp_transport="t38")).transmit(
        make_call(make_tiff(1), "0099910", pages=1)
    )
    assert outcome.status is FaxStatus.BAD_LINES
    assert outcome.stats["transport"] == "audio"


def test_g711_round_trip_is_still_pixel_identical(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
) -> None:
    document = make_tiff(2)
    outcome = SpandspCarrier(Settings(spandsp_g711=True)).transmit(make_call(document))
    assert outcome.status is FaxStatus.OK
    assert outcome.bit_rate == 14400
    assert_pixel_identical(document, outcome.received_path)


def test_four_concurrent_sessions_are_independent(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
) -> None:
    carrier = SpandspCarrier(Settings())
    documents = [make_tiff(n, name=f"doc{n}.tif") for n in (1, 2, 3, 2)]
    numbers = ["0099900", "0099961", "0099900", "0099908"]
    calls = [
        make_call(doc, number, tsi=f"SENDER {i}", pages=0, attempt=i + 1)
        for i, (doc, number) in enumerate(zip(documents, numbers, strict=True))
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(carrier.transmit, calls))
    assert [o.status for o in outcomes] == [
        FaxStatus.OK,
        FaxStatus.OK,
        FaxStatus.OK,
        FaxStatus.REM_DIS,
    ]
    assert [o.pages_sent for o in outcomes] == [1, 2, 3, 1]
    assert [o.stats["tsi_seen_by_remote"] for o in outcomes] == [f"SENDER {i}" for i in range(4)]
    for document, outcome in zip(documents[:3], outcomes[:3], strict=True):
        assert_pixel_identical(document, outcome.received_path)


def test_missing_document_is_a_carrier_fault(
    tmp_path: Path,
    make_call: Callable[..., FaxCall],
) -> None:
    with pytest.raises(FileNotFoundError):
        SpandspCarrier(Settings()).transmit(make_call(tmp_path / "gone.tif"))


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="spandsp_transport"):
        SpandspCarrier(Settings(spandsp_transport="carrier-pigeon"))


def test_importing_faxgate_does_not_load_libspandsp() -> None:
    code = (
        "import faxgate.carriers.spandsp, faxgate.carriers.spandsp.carrier\n"
        "maps = open('/proc/self/maps').read()\n"
        "raise SystemExit('libspandsp' in maps)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
