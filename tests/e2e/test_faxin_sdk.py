"""The official Python SDK's FaxInPollClient (`retarus-fax` 1.0.1, unchanged) against a
running `faxgate serve`: fetch → download → acknowledge → empty (tests/e2e/sdk.py runs
sdk_faxin_driver.py in the SDK's own virtual environment)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import FaxgateServer
from tests.e2e.faxin_seed import seed, stored_pdf
from tests.e2e.sdk import run_driver
from tests.faxin_faxes import TOPIC, TOPIC_PASSWORD, fax_tiff

DRIVER = Path(__file__).with_name("sdk_faxin_driver.py")


def test_fax_in_poll_client_round_trip(
    sdk_python: Path, server: FaxgateServer, tmp_path: Path
) -> None:
    faxes = seed(server, 3, pages=2)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    out = run_driver(
        sdk_python,
        DRIVER,
        *("--url", server.url, "--cust-nr", server.cust_nr),
        *("--topic", TOPIC, "--password", TOPIC_PASSWORD, "--out", str(downloads)),
    )

    ids = [fax.fax_id for fax in faxes]
    assert [fax["id"] for fax in out["first"]] == ids[:2]
    assert [fax["pages"] for fax in out["first"]] == [2, 2]
    # each document downloaded under its name, with the bytes the server keeps
    expected = sorted(f"{fax_id}.{ext}" for fax_id in ids[:2] for ext in ("pdf", "tif"))
    assert out["downloaded"] == expected
    for fax_id in ids[:2]:
        assert (downloads / f"{fax_id}.pdf").read_bytes() == stored_pdf(server, fax_id)
        assert (downloads / f"{fax_id}.tif").read_bytes() == fax_tiff(2)
    # the next page acknowledged the first (its IDs joined with '%'): the third fax only
    assert [fax["id"] for fax in out["second"]] == ids[2:]
    assert out["acknowledged"] == []  # the SDK's answer to a response with results
    assert out["after"] == []
    assert out["wrong_password"] == "ApiAuthorizationError"
