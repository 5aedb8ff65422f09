"""The official Python SDK `retarus-fax` 1.0.1, unchanged, against a running `faxgate serve`.

The SDK pins pytest 7.2.0, so it lives in its own virtual environment, built once per machine
in `.cache/sdk-venv` (or `$FAXGATE_SDK_VENV`) with pip's default resolution, which today
brings pydantic v2: that is what an integrator gets from `pip install retarus-fax==1.0.1`.
The driver script (sdk_driver.py) runs there and prints what the SDK returned as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.documents import pdf
from tests.e2e.conftest import FaxgateServer

SDK_REQUIREMENT = "retarus-fax==1.0.1"
REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("sdk_driver.py")
NETWORK_TROUBLE = (
    "Could not find a version",
    "No matching distribution",
    "NewConnectionError",
    "Failed to establish",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeout",
    "ReadTimeout",
)


def _sdk_venv_dir() -> Path:
    configured = os.environ.get("FAXGATE_SDK_VENV")
    return Path(configured) if configured else REPO / ".cache" / "sdk-venv"


def _ready(venv: Path) -> bool:
    marker = venv / "faxgate-sdk.txt"
    return marker.exists() and marker.read_text().strip() == SDK_REQUIREMENT


@pytest.fixture(scope="session")
def sdk_python() -> Path:
    """The SDK venv's interpreter; the venv is built on first use and then reused."""
    venv = _sdk_venv_dir()
    if not _ready(venv):
        partial = venv.with_name(venv.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(partial)], check=True, timeout=300)
        pip = subprocess.run(
            [str(partial / "bin" / "python"), "-m", "pip", "install", "-q", SDK_REQUIREMENT],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if pip.returncode != 0:
            output = pip.stdout + pip.stderr
            if not os.environ.get("CI") and any(s in output for s in NETWORK_TROUBLE):
                reason = f"cannot install {SDK_REQUIREMENT} (PyPI unreachable?)"
                pytest.skip(f"{reason}: {output[-500:]}")
            pytest.fail(f"pip install {SDK_REQUIREMENT} failed:\n{output}")
        (partial / "faxgate-sdk.txt").write_text(SDK_REQUIREMENT + "\n")
        shutil.rmtree(venv, ignore_errors=True)
        partial.rename(venv)
    return venv / "bin" / "python"


def drive(sdk_python: Path, server: FaxgateServer, document: Path, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            str(sdk_python),
            str(DRIVER),
            *("--url", server.url, "--cust-nr", server.cust_nr),
            *("--login", server.login, "--password", server.password),
            *("--pdf", str(document), "--to", "+99900", "--mode", mode),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"SDK driver failed ({mode}):\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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
