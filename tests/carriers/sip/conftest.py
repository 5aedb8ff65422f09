"""tshark for the tests that have it decode our packets."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(scope="session")
def tshark() -> str:
    path = shutil.which("tshark")
    if path is None:
        missing = "tshark not installed (scripts/setup --dev installs it)"
        if os.environ.get("CI"):  # CI installs it: its absence is a failure there
            pytest.fail(missing)
        pytest.skip(missing)
    return path
