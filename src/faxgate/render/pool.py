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
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from faxgate.config import Settings
from faxgate.render.compose import render_fax
from faxgate.render.errors import rendering_error
from faxgate.render.model import RenderJob, RenderRecipient


class Renderer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        workers = self._settings.render_processes or len(os.sched_getaffinity(0))
        return ProcessPoolExecutor(
            max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn")
        )

    async def render(
        self, job: RenderJob, recipient: RenderRecipient, cache_dir: Path, out: Path
    ) -> int:
        """Render in the pool. A pool whose process died (a converter crash, the OOM
        killer) is broken for good, so it is replaced and the render tried once more; a
        document that kills the renderer twice fails as RENDERING_ERROR."""
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool
            try:
                return await loop.run_in_executor(
                    pool, render_fax, job, recipient, self._settings, cache_dir, out
                )
            except BrokenProcessPool:
                if self._pool is pool:  # the first caller to notice replaces it
                    self._pool = self._new_pool()
                    pool.shutdown(wait=False, cancel_futures=True)
                if attempt == 2:
                    raise rendering_error(
                        "the renderer crashed twice on this document; it cannot be rendered"
                    ) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
