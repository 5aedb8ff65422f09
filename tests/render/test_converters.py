"""External converters die with the render process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.processes import all_gone, running

# A stand-in render process: it starts a long converter run and waits for it.
_PARENT = """
import time
from faxgate.render import converters, sandbox
with sandbox.jail(sandbox.sandbox_for("auto")) as box:
    process = converters.start(["sleep", "60"], jail=box, timeout=60)
    print(process.pid, flush=True)
    time.sleep(60)
"""


def test_converter_dies_with_a_killed_render_process(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT], stdout=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # its jail outlives it: not in /tmp
    )  # fmt: skip
    try:
        assert parent.stdout is not None
        converter = int(parent.stdout.readline())
        assert running(converter)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert all_gone([converter], within=5)
    finally:
        parent.kill()
        parent.wait()
