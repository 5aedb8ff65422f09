"""Rules for a disk that is full or failing: which errors pass with time, and when the data
directory's filesystem counts as in trouble. Pure: the caller measures, these decide."""

from __future__ import annotations

import errno
from dataclasses import dataclass

# Faults of the machine, not of the document: they go away when space, descriptors or
# memory return, so the work is tried again later instead of failing for good.
TRANSIENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,  # no space left on device
        errno.EDQUOT,  # disk quota exceeded
        errno.EIO,  # an I/O error of the device (often a full thin-provisioned volume)
        errno.EMFILE,  # too many open files in this process
        errno.ENFILE,  # too many open files in the system
        errno.ENOMEM,  # the kernel could not allocate (fork, mmap)
        errno.EAGAIN,  # a resource limit, e.g. no process slot for a converter
    }
)
OUT_OF_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_OUT_OF_SPACE = frozenset({13})  # SQLITE_FULL
_SQLITE_TRANSIENT = _SQLITE_OUT_OF_SPACE | {10}  # SQLITE_IOERR: how some failed writes show
_PG_OUT_OF_SPACE = "53100"  # disk_full
_PG_INSUFFICIENT_RESOURCES = "53"  # class 53: disk full, out of memory, too many connections
_CHAIN_LIMIT = 8


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what caused it and what a database driver wrapped, a few levels deep."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(found) < _CHAIN_LIMIT:
        current = todo.pop(0)
        if current is None or any(current is seen for seen in found):
            continue
        found.append(current)
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError keeps the driver's
        todo += [orig if isinstance(orig, BaseException) else None]
        todo += [current.__cause__, current.__context__]
    return found


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # the primary code of an extended one


def _sqlstate(exc: BaseException) -> str:
    state = getattr(exc, "sqlstate", None)
    return state if isinstance(state, str) else ""


def is_out_of_space(exc: BaseException) -> bool:
    """A write failed for lack of space: ENOSPC or EDQUOT, SQLite's FULL, PostgreSQL's 53100."""
    return any(
        (isinstance(e, OSError) and e.errno in OUT_OF_SPACE_ERRNOS)
        or _sqlite_code(e) in _SQLITE_OUT_OF_SPACE
        or _sqlstate(e) == _PG_OUT_OF_SPACE
        for e in _chain(exc)
    )


def is_transient(exc: BaseException) -> bool:
    """The fault lies with the machine (space, I/O, descriptors, memory), not the work."""
    return any(
        (isinstance(e, OSError) and e.errno in TRANSIENT_ERRNOS)
        or _sqlite_code(e) in _SQLITE_TRANSIENT
        or _sqlstate(e).startswith(_PG_INSUFFICIENT_RESOURCES)
        for e in _chain(exc)
    )


def describe(exc: BaseException) -> str:
    """A short name of the fault for a report's reason, e.g. 'No space left on device'."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in TRANSIENT_ERRNOS:
            return e.strerror or errno.errorcode.get(e.errno or 0, "I/O error")
        if _sqlite_code(e) in _SQLITE_TRANSIENT or _sqlstate(e):
            return str(e).splitlines()[0][:200]
    return type(exc).__name__


@dataclass(frozen=True)
class DiskFigures:
    """What was measured on the data directory's filesystem."""

    free_bytes: int
    min_free_bytes: int
    reserve_bytes: int  # 0: no reserve is kept
    reserve_present: bool


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def trouble(figures: DiskFigures) -> str | None:
    """Why the data directory cannot take new work, or None when it can."""
    reasons = []
    if figures.free_bytes < figures.min_free_bytes:
        reasons.append(
            f"free space on the data directory's filesystem is {_mib(figures.free_bytes)}, "
            f"below the minimum of {_mib(figures.min_free_bytes)} (FAXGATE_DISK_MIN_FREE_BYTES)"
        )
    if figures.reserve_bytes > 0 and not figures.reserve_present:
        reasons.append(
            f"the disk reserve of {_mib(figures.reserve_bytes)} is released (a write found the "
            f"disk full, or it never fit); it returns once "
            f"{_mib(figures.min_free_bytes + figures.reserve_bytes)} are free"
        )
    return "; ".join(reasons) or None


def reserve_fits(figures: DiskFigures) -> bool:
    """Whether the reserve may be set aside again: it leaves the minimum free after it."""
    return figures.free_bytes >= figures.min_free_bytes + figures.reserve_bytes
