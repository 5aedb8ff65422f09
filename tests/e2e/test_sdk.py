"""The official Python SDK `retarus-fax` 1.0.1, unchanged, against a running `faxgate serve`.

The SDK runs in its own virtual environment (tests/e2e/sdk.py); the driver script
(sdk_driver.py) runs there and prints what the SDK returned as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.documents import pdf
from tests.e2e.conftest import FaxgateServer
from tests.e2e.sdk import run_driver

DRIVER = Path(__file__).with_name("sdk_driver.py")


def drive(sdk_python: Path, server: FaxgateServer, document: Path, mode: str) -> dict[str, Any]:
    return run_driver(
        sdk_python,
        DRIVER,
        *("--url", server.url, "--cust-nr", server.cust_nr),
        *("--login", server.login, "--password", server.password),
        *("--pdf", str(document), "--to", "+99900", "--mode", mode),
    )


def test_official_python_sdk_round_trip(
    sdk_python: Path, server: FaxgateServer, tmp_path: Path
) -> None:
    """The sync client, then the async one, against the same server (one start per DB)."""
    document = tmp_path / "letter.pdf"
    document.write_bytes(pdf(2))
    for mode in ("sync", "async"):
        check_round_trip(server, drive(sdk_python, server, document, mode))


def check_round_trip(server: FaxgateServer, out: dict[str, Any]) -> None:
    # send → a Fax4A job ID
    job_id = out["sent"]["jobId"]
    assert job_id.startswith("FJ") and len(job_id) == 22, out["sent"]
    # polled until final, as the SDK's daemon example does
    first = out["first"]
    assert "timeout" not in first, f"job never final through the SDK: {first}"
    report = first["report"]
    assert report["jobId"] == job_id
    assert report["pages"] == 2
    assert [(r["number"], r["status"]) for r in report["recipientStatus"]] == [("+99900", "OK")]
    # listed among the completed reports
    assert job_id in [r["jobId"] for r in out["listed"]["reports"]], out["listed"]
    # delete one → the bare JobDeleteReport object; afterwards the SDK gets False (404)
    assert out["deleted_one"] == {"jobId": job_id, "deleted": True}
    assert out["after_delete"] is False
    # two more, finished, then "delete oldest" removes both
    more = [m["jobId"] for m in out["more"]]
    assert all("timeout" not in f for f in out["more_final"]), out["more_final"]
    assert [f["report"]["recipientStatus"][0]["status"] for f in out["more_final"]] == [
        "OK",
        "OK",
    ]
    deleted = out["deleted_oldest"]["reports"]
    assert sorted(d["jobId"] for d in deleted) == sorted(more), deleted
    assert all(d["deleted"] is True for d in deleted), deleted
    assert out["listed_after"] == {"reports": []}

    # The server agrees: every report of the round trip is gone.
    with server.client() as client:
        for gone in [job_id, *more]:
            response = client.get(server.fax_url(f"/reports/{gone}"))
            assert response.status_code == 404, (gone, response.status_code, response.text)
        listed = client.get(server.fax_url("/reports"))
        assert listed.json() == {"reports": []}
        # The SDK's urlsafe-base64 Basic header was accepted; a wrong password is not.
        wrong = httpx.get(server.fax_url("/reports"), auth=(server.login, "nope"), timeout=10)
        assert wrong.status_code == 401
