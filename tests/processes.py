"""Looking at processes through /proc, for tests of what outlives what."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path


def running(pid: int) -> bool:
    """The process exists and has not exited (a zombie only waits for its parent's wait)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(parent: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == parent:
            found.add(int(stat.parent.name))
    return found


def all_gone(pids: Iterable[int], within: float) -> bool:
    """True once none of `pids` is running, waiting at most `within` seconds."""
    deadline = time.monotonic() + within
    while any(running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time of `pid` in clock ticks; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[11]) + int(fields[12])


def all_stopped_working(pids: Iterable[int], within: float, quiet: float = 0.5) -> bool:
    """True once every one of `pids` is gone or used no CPU for `quiet` seconds, waiting at
    most `within` seconds (a pool process that gave up its task stays alive, idle)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        before = {pid: cpu_ticks(pid) for pid in pids}
        time.sleep(quiet)
        if all(ticks is None or cpu_ticks(pid) == ticks for pid, ticks in before.items()):
            return True
    return False
