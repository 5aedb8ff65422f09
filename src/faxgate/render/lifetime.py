"""Processes that must not outlive the process that started them.

A service that is SIGKILLed (or hit by the OOM killer) runs no shutdown code: without this,
its render processes, and the converters they run, would go on for ever.
"""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies. Call it first thing in the
    child; `parent_pid` is the parent's pid, to catch a parent that died before the call."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return  # not Linux: the parent's normal shutdown still stops its children
    if os.getppid() != parent_pid:
        os._exit(1)
