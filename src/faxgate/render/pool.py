"""`Renderer`: runs `render_fax` in a pool of processes so the API stays responsive.

Processes are started with `spawn`: forking a process that runs an event loop and threads
can copy held locks into the child. `RenderFailure` pickles with its status and reason, so
the pipeline sees the same exception the worker raised.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from faxgate.config import Settings
from faxgate.render.compose import render_fax
from faxgate.render.errors import rendering_error
from faxgate.render.lifetime import die_with_parent
from faxgate.render.model import RenderJob, RenderRecipient


class Renderer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._workers = max(1, settings.render_processes or len(os.sched_getaffinity(0)))
        # At most one render per process is handed to the pool, so the time limit counts
        # rendering only, never the wait in the pool's queue behind other recipients.
        self._slots = asyncio.Semaphore(self._workers)
        # Pools killed for a render over its time limit: breaking the others is not their fault.
        self._stopped: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    async def render(
        self,
        job: RenderJob,
        recipient: RenderRecipient,
        cache_dir: Path,
        out: Path,
        time_limit: float | None = None,
    ) -> int:
        """Render in the pool, each attempt within `time_limit` seconds (by default
        `render_timeout_secs`).

        A pool whose process died (a converter crash, the OOM killer) is broken for good, so
        it is replaced and the render tried once more; a document that kills the renderer
        twice fails as RENDERING_ERROR. A running task cannot be cancelled, so a render over
        the time limit is stopped by killing its pool's processes: the other renders on that
        pool see a broken pool and try again on the new one, without counting it as a crash
        of theirs. Cancelling the call stops the render the same way."""
        loop = asyncio.get_running_loop()
        limit = self._settings.render_timeout_secs if time_limit is None else time_limit
        crashes = 0
        async with self._slots:
            while True:
                pool = self._pool
                deadline = asyncio.timeout(limit)
                try:
                    async with deadline:
                        return await loop.run_in_executor(
                            pool, render_fax, job, recipient, self._settings, cache_dir, out
                        )
                except BrokenProcessPool:
                    if pool not in self._stopped:
                        crashes += 1
                    self._replace(pool, kill=False)
                    if crashes == 2:
                        raise rendering_error(
                            "the renderer crashed twice on this document; it cannot be rendered"
                        ) from None
                except TimeoutError:
                    if not deadline.expired():
                        raise  # raised by render_fax itself, not our limit
                    self._replace(pool, kill=True)
                    raise rendering_error(
                        f"the document took longer than {limit:g} seconds to render"
                    ) from None
                except asyncio.CancelledError:
                    # The job was deleted or expired, or the service stops: the render must
                    # not run on (nor hold up shutdown), so it is stopped like a timeout.
                    self._replace(pool, kill=True)
                    raise

    def _replace(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        if self._pool is not pool:
            return  # another render already replaced it (and killed it if it had to)
        self._pool = self._new_pool()
        if kill:
            self._stopped.add(pool)
            for process in list(pool._processes.values()):  # the manager thread edits it
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
