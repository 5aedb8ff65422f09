"""Running external converters (Ghostscript, GhostPCL, LibreOffice) safely.

Every run happens in a sandbox jail (render/sandbox.py: no network, a private temp dir,
read-only system files, only its own input and output), has a wall-clock timeout, a CPU-time
limit, optionally an address-space limit, its own process group (so a timeout kills the
converter's children too; in bubblewrap, killing bwrap ends the sandbox's whole process
namespace), dies with the render process that started it, and ends with a failure message a
person can read (the converter's last meaningful stderr line).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
from collections.abc import Callable, Sequence

from faxgate.render.errors import rendering_error
from faxgate.render.lifetime import die_with_parent
from faxgate.render.sandbox import Jail


def _limits(cpu_seconds: int, memory_bytes: int | None) -> Callable[[], None]:
    parent = os.getpid()

    def apply() -> None:
        die_with_parent(parent)
        os.setpgrp()
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return apply


def start(
    args: Sequence[str], *, jail: Jail, timeout: float, memory_bytes: int | None = None
) -> subprocess.Popen[bytes]:
    """Start `args` inside `jail`; the jail must outlive the process (finish it first)."""
    return subprocess.Popen(
        jail.command(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=jail.environment(),
        cwd=jail.temp,
        preexec_fn=_limits(int(timeout) + 5, memory_bytes),  # noqa: PLW1509 (no threads here)
    )


def finish(process: subprocess.Popen[bytes], *, timeout: float, what: str) -> bytes:
    """Wait for a started converter; its stdout, or RenderFailure naming what went wrong."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise rendering_error(f"{what} took longer than {timeout:g} s and was stopped") from None
    if process.returncode != 0:
        raise rendering_error(f"{what} failed: {_last_line(stderr, stdout)}")
    return stdout


def run(
    args: Sequence[str],
    *,
    jail: Jail,
    timeout: float,
    what: str,
    memory_bytes: int | None = None,
) -> bytes:
    process = start(args, jail=jail, timeout=timeout, memory_bytes=memory_bytes)
    return finish(process, timeout=timeout, what=what)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _last_line(*streams: bytes) -> str:
    for stream in streams:
        lines = [
            line.strip()
            for line in stream.decode("utf-8", errors="replace").splitlines()
            if line.strip() and not line.strip().startswith(("GPL Ghostscript", "Copyright"))
        ]
        if lines:
            return lines[-1][:300]
    return "no error message"
