"""The data directory is private to the service's user: 0700, every file in it 0600.

The service sets umask 077 at start, so every file and directory it (and every converter it
starts) creates later is private without each writer having to ask; modes of an older data
directory are tightened at start. Entries below the top level are not walked: the top-level
directories are 0700, so nobody else can reach them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import structlog

log = structlog.get_logger("faxgate.datadir")
PRIVATE_UMASK = 0o077
_MAX_ENTRIES = 10_000  # the top level holds a few areas and the database files


def make_private(data_dir: Path, sqlite_path: Path | None) -> None:
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    _tighten(data_dir)
    with os.scandir(data_dir) as entries:
        for n, entry in enumerate(entries):
            if n == _MAX_ENTRIES:
                break
            _tighten(Path(entry.path))
    if sqlite_path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            _tighten(sqlite_path.with_name(sqlite_path.name + suffix))


def _tighten(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode) or not stat.S_IMODE(mode) & 0o077:
        return
    try:
        path.chmod(stat.S_IMODE(mode) & ~0o077)
    except OSError as exc:  # not ours (e.g. a mount point): say so, do not stop the service
        log.warning("cannot make private", path=str(path), error=str(exc))
