"""The external programs and libraries of the network tests: skipped where missing, failed
under CI."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal

import pytest

from faxgate.carriers.spandsp._lib import Library, SpandspUnavailable, load


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


def require_spandsp() -> Library:
    """libspandsp, loaded; missing, it skips the test, or fails it where CI is set."""
    try:
        return load()
    except SpandspUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"libspandsp is needed: {exc}")
        pytest.skip(str(exc))


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)  # looked up before any fork


def die_with_parent() -> None:
    """For Popen's preexec_fn: the server gets SIGTERM when the thread that started it
    ends, even killed, instead of running on for the next test to trip over. Start the
    server from the thread that lives as long as the test."""
    if _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
