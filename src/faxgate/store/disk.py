"""The data directory's disk: whether it has room for new work, and a reserve for when not.

A reserve file (`disk-reserve`, FAXGATE_DISK_RESERVE_BYTES) is set aside in the data
directory. When a write finds the disk full, the reserve is released: the room it frees
lets report deletes (the client's way to make room) and the worker's bookkeeping commit,
while new jobs and new renders wait because the disk now counts as in trouble. It is set
aside again once the free space would stay above the minimum after it. Its presence is also
the signal every process on the same data directory sees.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio.to_thread
import structlog

from faxgate.config import Settings
from faxgate.domain.disk import DiskFigures, is_out_of_space, reserve_fits, trouble

log = structlog.get_logger("faxgate.disk")

RESERVE_NAME = "disk-reserve"
_CACHE_SECS = 1.0  # statvfs is cheap, but a submit burst need not pay it per request
T = TypeVar("T")


@dataclass(frozen=True)
class DiskState:
    free_bytes: int
    trouble: str | None  # why no new work should start, None when all is well


def reserve_path(data_dir: Path) -> Path:
    return data_dir / RESERVE_NAME


def release_reserve(data_dir: Path) -> bool:
    """Free the reserve after a write found the disk full; True if it was there."""
    try:
        reserve_path(data_dir).unlink()
    except FileNotFoundError:
        return False
    log.warning("disk full: the disk reserve is released", data_dir=str(data_dir))
    return True


async def with_room(data_dir: Path, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt`; if it fails for lack of space, release the reserve and run it once more."""
    try:
        return await attempt()
    except Exception as exc:
        if not is_out_of_space(exc):
            raise
        if not await anyio.to_thread.run_sync(release_reserve, data_dir):
            raise
    return await attempt()


def _set_aside(path: Path, size: int) -> bool:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.posix_fallocate(fd, 0, size)  # blocks really allocated, not a sparse file
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        log.warning("disk reserve not set aside", error=str(exc))
        return False
    log.info("disk reserve set aside", path=str(path), bytes=size)
    return True


class DiskGuard:
    """Measures the data directory's filesystem (cached for a second) and keeps the reserve."""

    def __init__(self, settings: Settings) -> None:
        self._data_dir = settings.data_dir
        self._min_free = settings.disk_min_free_bytes
        self._reserve = settings.disk_reserve_bytes
        self._lock = threading.Lock()
        self._state: DiskState | None = None
        self._measured_at = 0.0

    def _cached(self) -> DiskState | None:
        if self._state is not None and time.monotonic() - self._measured_at < _CACHE_SECS:
            return self._state
        return None

    def check(self, fresh: bool = False) -> DiskState:
        """Blocking: statvfs, and setting the reserve aside when it fits again."""
        with self._lock:
            cached = None if fresh else self._cached()
            if cached is not None:
                return cached
            state = self._measure()
            self._state, self._measured_at = state, time.monotonic()
            return state

    async def state(self, fresh: bool = False) -> DiskState:
        cached = None if fresh else self._cached()
        if cached is not None:
            return cached
        return await anyio.to_thread.run_sync(self.check, fresh)

    def note_failure(self, exc: BaseException) -> bool:
        """After a failed write: True if it was for lack of space (the reserve is released)."""
        if not is_out_of_space(exc):
            return False
        release_reserve(self._data_dir)
        with self._lock:
            self._state = None
        return True

    def _measure(self) -> DiskState:
        try:
            figures = self._figures()
            if self._reserve > 0 and not figures.reserve_present and reserve_fits(figures):
                _set_aside(reserve_path(self._data_dir), self._reserve)
                figures = self._figures()
        except OSError as exc:
            return DiskState(0, f"the data directory cannot be examined: {exc}")
        return DiskState(figures.free_bytes, trouble(figures))

    def _figures(self) -> DiskFigures:
        stats = os.statvfs(self._data_dir)
        return DiskFigures(
            free_bytes=stats.f_bavail * stats.f_frsize,
            min_free_bytes=self._min_free,
            reserve_bytes=self._reserve,
            reserve_present=reserve_path(self._data_dir).exists(),
        )
