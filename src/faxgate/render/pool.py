"""`Renderer`: runs `render_fax` in a pool of processes so the API stays responsive.

Processes are started with `spawn`: forking a process that runs an event loop and threads
can copy held locks into the child. `RenderFailure` pickles with its status and reason, so
the pipeline sees the same exception the worker raised.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from faxgate.config import Settings
from faxgate.render.compose import render_fax
from faxgate.render.model import RenderJob, RenderRecipient


class Renderer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        workers = settings.render_processes or len(os.sched_getaffinity(0))
        self._pool = ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn")
        )

    async def render(
        self, job: RenderJob, recipient: RenderRecipient, cache_dir: Path, out: Path
    ) -> int:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, render_fax, job, recipient, self._settings, cache_dir, out
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
