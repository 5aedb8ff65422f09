"""`Renderer`: runs `render_fax` in a pool of processes so the API stays responsive.

Processes are started with `spawn`: forking a process that runs an event loop and threads
can copy held locks into the child. `RenderFailure` pickles with its status and reason, so
the pipeline sees the same exception the worker raised.

Each pool has its own private temp dir (0700) that its processes use for converter jails;
it is removed once the pool's processes have ended, also when they were killed in the middle
of a conversion. Directories of a service that was itself killed are removed at next start.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import threading
import time
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import structlog

from faxgate.config import Settings
from faxgate.render.compose import render_fax
from faxgate.render.errors import rendering_error
from faxgate.render.lifetime import die_with_parent
from faxgate.render.model import RenderJob, RenderRecipient
from faxgate.render.sandbox import INSTALL_HINT, remove_tree, sandbox_for

log = structlog.get_logger("faxgate.render")
_POOL_DIR_PREFIX = "faxgate-render-"


class Renderer:
    def __init__(self, settings: Settings) -> None:
        """SandboxUnavailable (or ValueError) when the `sandbox` setting cannot be met."""
        sandbox = sandbox_for(settings.sandbox)
        if not sandbox.confined:
            off = sandbox.reason.endswith("=off")
            remedy = "unset FAXGATE_SANDBOX=off" if off else INSTALL_HINT
            log.warning(
                "CONVERTERS RUN WITHOUT A SANDBOX: a hostile document can make Ghostscript or "
                f"LibreOffice read this service's files and reach its network; {remedy} "
                "(see docs/security.md)",
                reason=sandbox.reason,
            )
        _remove_orphaned_pool_dirs()
        self._settings = settings
        self._pool_dirs: dict[int, Path] = {}
        self._workers = max(1, settings.render_processes or len(os.sched_getaffinity(0)))
        # At most one render per process is handed to the pool, so the time limit counts
        # rendering only, never the wait in the pool's queue behind other recipients.
        self._slots = asyncio.Semaphore(self._workers)
        # Pools killed for a render over its time limit: breaking the others is not their fault.
        self._stopped: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        temp = Path(tempfile.mkdtemp(prefix=f"{_POOL_DIR_PREFIX}{os.getpid()}-"))
        pool = ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), str(temp)),
        )
        self._pool_dirs[id(pool)] = temp
        return pool

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
        processes = list((pool._processes or {}).values())  # the manager thread edits it
        if kill:
            self._stopped.add(pool)
            for process in processes:
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        temp = self._pool_dirs.pop(id(pool))
        # Off the event loop: remove the pool's temp dir once its processes have ended.
        threading.Thread(target=_remove_when_ended, args=(processes, temp), daemon=True).start()

    def close(self) -> None:
        """Idempotent: a service stops its workers, and stops them again on the way out."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        temp = self._pool_dirs.pop(id(self._pool), None)
        if temp is not None:
            remove_tree(temp)


def _start_worker(parent_pid: int, temp: str) -> None:
    die_with_parent(parent_pid)
    tempfile.tempdir = temp  # the converter jails of this process go into its pool's dir


def _remove_when_ended(processes: list[multiprocessing.process.BaseProcess], temp: Path) -> None:
    for process in processes:
        process.join(60)
    # The converters inside die with their render process, but a moment later: what they
    # still write meanwhile makes a removal fail, so it is tried again for a few seconds.
    for _attempt in range(50):
        remove_tree(temp)
        if not temp.exists():
            return
        time.sleep(0.1)
    log.warning("a render pool's temp dir could not be removed", path=str(temp))


def _remove_orphaned_pool_dirs() -> None:
    """Pool dirs of a service that was killed (its render processes died with it)."""
    for entry in Path(tempfile.gettempdir()).glob(f"{_POOL_DIR_PREFIX}*-*"):
        owner = entry.name.removeprefix(_POOL_DIR_PREFIX).split("-", 1)[0]
        if entry.is_symlink() or entry.lstat().st_uid != os.getuid():
            continue  # not one of ours: the temp dir may be shared with other users
        if owner.isdigit() and not _alive(int(owner)):
            remove_tree(entry)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
