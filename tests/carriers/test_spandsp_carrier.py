"""A fax to an ordinary fax machine through a real T.30 session over audio."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, TiffImagePlugin

from faxgate.carriers.base import FaxCall
from faxgate.carriers.spandsp import SpandspCarrier
from faxgate.domain.statuses import FaxStatus


def read_pages(path: Path) -> list[Image.Image]:
    pages = []
    with Image.open(path) as img:
        for index in range(getattr(img, "n_frames", 1)):
            img.seek(index)
            pages.append(img.convert("1").copy())
    return pages


def test_clean_line_delivers_pixel_identical_pages(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
    audio_carrier: SpandspCarrier,
) -> None:
    document = make_tiff(3)
    call = make_call(document, "004930123456", pages=3)
    outcome = audio_carrier.transmit(call)

    assert outcome.status is FaxStatus.OK, outcome
    assert outcome.reason == "OK"
    assert outcome.completion_code == "T30_ERR_OK"
    assert outcome.pages_sent == 3
    assert outcome.remote_csid == "FAXGATE REMOTE"
    assert outcome.bit_rate == 14400
    assert outcome.ecm is True
    assert outcome.stats["resolution"] == "fine"
    assert outcome.stats["compression"] == "T.6"
    assert outcome.stats["bad_rows"] == 0
    assert 20 < outcome.line_seconds < 300  # a real session: tens of seconds of line time
    assert outcome.received_path == call.received_path
    sent, received = read_pages(document), read_pages(call.received_path)  # type: ignore[arg-type]
    assert len(received) == len(sent) == 3
    for before, after in zip(sent, received, strict=True):
        assert after.size == before.size
        assert ImageChops.difference(before, after).getbbox() is None


def test_remote_sees_our_tsi_and_we_see_its_csi(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
    audio_carrier: SpandspCarrier,
) -> None:
    call = make_call(make_tiff(1), "0099900", tsi="ACME SALES 42", pages=1)
    outcome = audio_carrier.transmit(call)
    assert outcome.status is FaxStatus.OK
    assert outcome.stats["tsi_seen_by_remote"] == "ACME SALES 42"
    assert outcome.remote_csid == "FAXGATE TEST 00"
    assert call.received_path is not None
    with Image.open(call.received_path) as img:
        assert isinstance(img, TiffImagePlugin.TiffImageFile)
        assert img.tag_v2.get(270) == "ACME SALES 42"  # ImageDescription = remote's TSI


def test_received_image_not_kept_without_a_path(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
    audio_carrier: SpandspCarrier,
) -> None:
    outcome = audio_carrier.transmit(make_call(make_tiff(1), keep=False, pages=1))
    assert outcome.status is FaxStatus.OK
    assert outcome.received_path is None


def test_hangup_puts_the_line_down(
    make_tiff: Callable[..., Path],
    make_call: Callable[..., FaxCall],
    audio_carrier: SpandspCarrier,
) -> None:
    """The job was deleted: our side hangs up at the next 20 ms block, nothing is sent."""
    call = make_call(make_tiff(3), "004930123456", pages=3)
    call.hangup.set()
    outcome = audio_carrier.transmit(call)
    assert outcome.status is FaxStatus.CANCELLED, outcome
    assert "hung up" in outcome.reason
    assert outcome.pages_sent == 0
    assert outcome.line_seconds < 1
