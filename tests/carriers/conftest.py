"""Fixtures for carrier tests: fax TIFFs drawn with Pillow, calls, the carriers."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from faxgate.carriers.base import Carrier, FaxCall
from faxgate.carriers.registry import create_carrier
from faxgate.carriers.spandsp import SpandspCarrier, spandsp_available
from faxgate.config import Settings

SKIP_REASON = "libspandsp2 not installed (apt-get install libspandsp2)"


@pytest.fixture(autouse=True)
def _skip_spandsp_tests_without_library(request: pytest.FixtureRequest) -> None:
    """Every test_spandsp* module needs the library; other carrier tests do not."""
    if request.module.__name__.rpartition(".")[2].startswith("test_spandsp") and not (
        spandsp_available()
    ):
        pytest.skip(SKIP_REASON)


@dataclass(frozen=True)
class ContractCarrier:
    """A carrier as the contract suite (test_contract.py) gets it from the registry."""

    id: str
    settings: dict[str, Any]  # Settings fields that select and configure it
    available: Callable[[], bool] = lambda: True  # its system library is installed
    missing: str = ""  # what to install when it is not


# Every carrier runs the contract; a new carrier is one row.
CONTRACT_CARRIERS = (
    ContractCarrier("simulator", {"carrier": "simulator"}),
    ContractCarrier("spandsp", {"carrier": "spandsp"}, spandsp_available, SKIP_REASON),
    ContractCarrier(
        "spandsp-t38",
        {"carrier": "spandsp", "spandsp_transport": "t38"},
        spandsp_available,
        SKIP_REASON,
    ),
)


@pytest.fixture(params=CONTRACT_CARRIERS, ids=[c.id for c in CONTRACT_CARRIERS])
def contract_carrier(request: pytest.FixtureRequest) -> Carrier:
    """Each carrier in turn; one whose library is missing is skipped, or fails under CI."""
    wanted: ContractCarrier = request.param
    if not wanted.available():
        if os.environ.get("CI"):
            pytest.fail(f"carrier {wanted.id} cannot run: {wanted.missing}")
        pytest.skip(wanted.missing)
    return create_carrier(Settings(**wanted.settings))


FAX_WIDTH = 1728
FINE_ROWS, STANDARD_ROWS = 2292, 1146


def draw_pages(count: int, *, fine: bool = True) -> list[Image.Image]:
    """A4 fax pages, each visibly different (frame, text, a shape that moves)."""
    rows = FINE_ROWS if fine else STANDARD_ROWS
    pages = []
    for n in range(count):
        page = Image.new("1", (FAX_WIDTH, rows), 1)
        draw = ImageDraw.Draw(page)
        draw.rectangle((60, 60, FAX_WIDTH - 60, rows - 60), outline=0, width=4)
        draw.text((120, 120), f"faxgate test page {n + 1} of {count}", fill=0)
        for line in range(12):
            y = 200 + line * (rows // 16)
            draw.text((120, y), f"line {line} of page {n + 1}: the quick brown fox " * 2, fill=0)
        x = 300 + 150 * n
        draw.ellipse((x, rows // 2, x + 400, rows // 2 + rows // 6), fill=0)
        pages.append(page)
    return pages


def write_tiff(path: Path, pages: list[Image.Image], *, fine: bool = True) -> Path:
    dpi = (204, 196) if fine else (204, 98)
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="group4", dpi=dpi)
    return path


@pytest.fixture
def make_tiff(tmp_path: Path) -> Callable[..., Path]:
    def make(pages: int = 2, *, fine: bool = True, name: str = "doc.tif") -> Path:
        return write_tiff(tmp_path / name, draw_pages(pages, fine=fine), fine=fine)

    return make


@pytest.fixture
def make_call(tmp_path: Path) -> Callable[..., FaxCall]:
    def make(
        document: Path,
        number: str = "004930123456",
        *,
        attempt: int = 1,
        tsi: str = "+49 30 1111111",
        keep: bool = True,
        pages: int = 2,
    ) -> FaxCall:
        return FaxCall(
            job_id="FJTEST",
            recipient_index=0,
            dialled_number=number,
            document=document,
            pages=pages,
            fine_resolution=True,
            tsi=tsi,
            attempt=attempt,
            received_path=tmp_path / f"rx-{number}-{attempt}.tif" if keep else None,
        )

    return make


@pytest.fixture
def audio_carrier() -> SpandspCarrier:
    return SpandspCarrier(Settings(spandsp_transport="audio", spandsp_max_line_secs=300.0))
