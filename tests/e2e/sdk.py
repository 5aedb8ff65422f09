"""The official Python SDK `retarus-fax` 1.0.1 in a virtual environment of its own (it pins
pytest 7.2.0), built once per machine in `.cache/sdk-venv` (or `$FAXGATE_SDK_VENV`) with
pip's default resolution, which today brings pydantic v2: what an integrator gets from
`pip install retarus-fax==1.0.1`. Driver scripts run there and print their results as JSON.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SDK_REQUIREMENT = "retarus-fax==1.0.1"
REPO = Path(__file__).resolve().parents[2]
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
    venv.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers may all ask at once: one builds, the others wait for it.
    with (venv.parent / (venv.name + ".lock")).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
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


def run_driver(sdk_python: Path, driver: Path, *args: str) -> dict[str, Any]:
    """Run a driver script with the SDK's interpreter; its last output line is JSON."""
    done = subprocess.run(
        [str(sdk_python), str(driver), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"SDK driver {args}:\n{done.stdout}\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
