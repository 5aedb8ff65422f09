"""Which faults pass with time, and when the data directory's disk counts as in trouble."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from faxgate.config import Settings
from faxgate.domain.disk import DiskFigures, describe, is_out_of_space, is_transient, trouble

MIB = 1024 * 1024


def _sqlite_error(code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = code
    return error


class _Wrapped(Exception):
    """Like SQLAlchemy's DBAPIError: the driver's exception in `orig`."""

    def __init__(self, orig: BaseException) -> None:
        super().__init__(str(orig))
        self.orig = orig


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "code", [errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EMFILE, errno.ENFILE, errno.ENOMEM]
)
def test_machine_faults_are_transient(code: int) -> None:
    assert is_transient(OSError(code, "x"))


@pytest.mark.parametrize("code", [errno.EISDIR, errno.ENOENT, errno.EACCES, errno.EINVAL])
def test_other_os_errors_are_not(code: int) -> None:
    assert not is_transient(OSError(code, "x"))
    assert not is_transient(ValueError("a broken document"))


def test_out_of_space_seen_through_causes_and_drivers() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("render failed") from exc
    except RuntimeError as outer:
        assert is_out_of_space(outer)
        assert describe(outer) == "No space left on device"
    assert is_out_of_space(_Wrapped(_sqlite_error(13)))  # SQLITE_FULL
    assert is_transient(_Wrapped(_sqlite_error(10 | (3 << 8))))  # SQLITE_IOERR_WRITE
    assert not is_out_of_space(_Wrapped(_sqlite_error(5)))  # SQLITE_BUSY
    assert is_out_of_space(_Wrapped(_PgError("53100")))  # disk_full
    assert is_transient(_Wrapped(_PgError("53200")))  # out_of_memory
    assert not is_transient(_Wrapped(_PgError("23505")))  # unique_violation
    assert not is_out_of_space(OSError(errno.EIO, "I/O error"))


def test_trouble_names_each_reason() -> None:
    fine = DiskFigures(200 * MIB, 128 * MIB, 32 * MIB, reserve_present=True)
    assert trouble(fine) is None
    low = trouble(DiskFigures(100 * MIB, 128 * MIB, 32 * MIB, reserve_present=True))
    assert low is not None and "100.0 MiB" in low and "FAXGATE_DISK_MIN_FREE_BYTES" in low
    released = trouble(DiskFigures(200 * MIB, 128 * MIB, 32 * MIB, reserve_present=False))
    assert released is not None and "reserve" in released and "160.0 MiB" in released
    assert trouble(DiskFigures(200 * MIB, 128 * MIB, 0, reserve_present=False)) is None


def test_disk_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "FAXGATE_DISK_MIN_FREE_BYTES": "1000",
            "FAXGATE_DISK_RESERVE_BYTES": "0",
            "FAXGATE_DISK_RETRY_SECS": "5",
            "FAXGATE_JOB_CHECK_SECS": "0.5",
        }
    )
    assert (settings.disk_min_free_bytes, settings.disk_reserve_bytes) == (1000, 0)
    assert (settings.disk_retry_secs, settings.job_check_secs) == (5.0, 0.5)
