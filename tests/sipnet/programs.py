"""The external programs of the network tests: skipped where missing, failed under CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require(program: str, package: str) -> str:
    """The path of `program`; a missing one skips the test, or fails it where CI is set
    (CI installs every package, so there its absence is a fault)."""
    path = shutil.which(program)
    if path is None:
        missing = f"{program} not installed (Debian package {package}; scripts/setup --dev)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return path
