"""The worker: `channels` concurrent loops that each claim a due recipient and see it
through one call. Rendering runs in the renderer's process pool, calls in threads; the
event loop only waits, so the API in the same process stays responsive.

A job deleted or expired while its recipient is worked on has its render stopped (and a
deleted job's call hung up). A full disk stops new work and sends a recipient whose render
met it back to pending, never to a final RENDERING_ERROR. A call to an own inbound number
reaches our receiving terminal; what it received is handed to Fax-In before the sender's
call is recorded (faxin_receive.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Coroutine
from typing import Any

import anyio.to_thread
import structlog

from faxgate.carriers.base import CallOutcome, Carrier, FaxCall
from faxgate.config import Settings
from faxgate.domain import disk as disk_rules
from faxgate.domain.attempt import CallRecord, Claim, NextStep
from faxgate.domain.blocklist import parse_entries
from faxgate.domain.retry import RetryPolicy
from faxgate.domain.statuses import FaxStatus
from faxgate.pipeline import blocklists, faxin_receive
from faxgate.pipeline.notifications import enqueue_for_job
from faxgate.pipeline.render_step import RenderStep
from faxgate.pipeline.steps import (
    after_call,
    call_record,
    deferred_without_call,
    final_without_call,
)
from faxgate.pipeline.withdrawal import Withdrawn, unless_withdrawn, watch
from faxgate.render import RenderFailure
from faxgate.store import queue
from faxgate.store.db import Database
from faxgate.store.disk import DiskGuard, with_room
from faxgate.store.scratch import remove_scratch, scratch_file
from faxgate.store.spool import ImageKey, ImageKind, put_file
from faxgate.store.work import load_job_work

log = structlog.get_logger("faxgate.pipeline")
_EXPIRED = "JOB_EXPIRED: the validity window (meta.jobValid.end) ended before the fax could be sent"


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        carrier: Carrier,
        render: RenderStep,
    ) -> None:
        self.settings = settings
        self.db = db
        self.carrier = carrier
        self.render = render
        self.worker_id = new_worker_id()
        self.policy = RetryPolicy(
            settings.retry_no_connect_attempts,
            settings.retry_mid_fax_attempts,
            settings.retry_backoff_secs,
        )
        self._deny_list = blocklists.DenyListFile(settings.blocklist_file)
        self.disk = DiskGuard(settings)
        self._disk_trouble: str | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._channel(n), name=f"channel-{n}")
            for n in range(self.settings.channels)
        ]
        log.info(
            "worker started",
            worker=self.worker_id,
            channels=self.settings.channels,
            carrier=self.carrier.name,
        )

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _channel(self, _n: int) -> None:
        while not self._stopping.is_set():
            try:
                worked = await self._disk_ready() and await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database outage must not kill the channel: log, wait, try again.
                log.exception("channel error", worker=self.worker_id)
                worked = False
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.settings.poll_interval_secs)

    async def _disk_ready(self) -> bool:
        """No new render or call starts while the data directory's disk is in trouble: it
        would fail, or use the room the reserve freed for deletes and bookkeeping."""
        trouble = (await self.disk.state()).trouble
        if trouble != self._disk_trouble:
            if trouble:
                log.warning("disk trouble: no new work starts", reason=trouble)
            else:
                log.info("disk fine again: work resumes")
            self._disk_trouble = trouble
        return trouble is None

    async def run_once(self) -> bool:
        """Claim and process one due recipient; False when nothing was due."""
        now = time.time()
        async with self.db.writer.begin() as conn:
            claim = await queue.claim(
                conn,
                self.worker_id,
                now,
                self.settings.lease_secs,
                self.settings.calls_per_destination,
            )
        if claim is None:
            return False
        renewer = asyncio.create_task(self._keep_lease(claim))
        try:
            await self._process(claim)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                async with self.db.writer.begin() as conn:
                    await queue.release(conn, claim, self.worker_id)
            raise
        finally:
            renewer.cancel()
        return True

    async def _keep_lease(self, claim: Claim) -> None:
        interval = self.settings.lease_secs / 3
        while True:
            await asyncio.sleep(interval)
            async with self.db.writer.begin() as conn:
                until = time.time() + self.settings.lease_secs
                if not await queue.renew(conn, claim, self.worker_id, until):
                    return

    async def _process(self, claim: Claim) -> None:
        async with self.db.reader.connect() as conn:
            work = await load_job_work(conn, claim.job_id)
        if work is None:
            return  # the report was deleted while pending: nothing left to send
        if time.time() >= claim.valid_end:
            expired = final_without_call(claim, FaxStatus.CANCELLED, _EXPIRED)
            await self._finish(claim, None, expired)
            return
        blocked = blocklists.check(
            claim.destination,
            parse_entries(work.account.block_list),
            self._deny_list.entries(),
            bool(work.options.transport.blocklist_enabled),
        )
        if blocked is not None:
            await self._finish(claim, None, final_without_call(claim, *blocked))
            return
        try:
            rendered = await unless_withdrawn(
                self.render.render(work, claim), self._watch(claim, expiry=True)
            )
        except Exception as exc:
            if not await self._job_exists(claim):
                # The delete removed the files the render was writing, before the watch
                # looked: the render failed because of the delete, not of the document.
                await self._withdrawn(claim, Withdrawn.DELETED)
                return
            await self._finish(claim, None, await self._render_fault(claim, exc))
            return
        if isinstance(rendered, Withdrawn):
            await self._withdrawn(claim, rendered)
            return
        if time.time() >= claim.valid_end:  # the render ended just after the validity did
            await self._withdrawn(claim, Withdrawn.EXPIRED)
            return
        calling = await faxin_receive.calling_number(self.db, work.cust_nr)
        leg = await faxin_receive.inbound_leg(self.db, claim.destination, calling)
        call = FaxCall(
            job_id=claim.job_id,
            recipient_index=claim.idx,
            dialled_number=claim.destination,
            document=rendered.path,
            pages=rendered.pages,
            fine_resolution=rendered.fine,
            tsi=rendered.csid,
            attempt=claim.attempts + 1,
            received_path=scratch_file(self.settings.data_dir, claim.job_id, f"rx-{claim.idx}"),
            answer_csid=leg.csid if leg is not None else None,
            calling_number=calling,
        )
        started = time.time()
        fault: Exception | None = None
        try:
            outcome = await self._call(claim, call, leg)
        except Exception as exc:
            fault = exc
            outcome = CallOutcome(FaxStatus.COMERROR, f"carrier fault: {type(exc).__name__}: {exc}")
        if call.hangup.is_set():
            await self._withdrawn(claim, Withdrawn.DELETED)
            return
        if fault is not None and disk_rules.is_transient(fault):
            self.disk.note_failure(fault)
            log.warning("carrier fault of the machine", job_id=claim.job_id, error=str(fault))
            reason = f"the call failed for a fault of the server ({disk_rules.describe(fault)})"
            retry_at = time.time() + self.settings.disk_retry_secs
            await self._finish(claim, None, deferred_without_call(claim, reason, retry_at))
            return
        if fault is not None:  # a carrier fault is a failed call, retried like one
            log.error("carrier fault", job_id=claim.job_id, recipient=claim.idx, exc_info=fault)
        ended = time.time()
        step = after_call(claim, call, outcome, self.policy, ended)
        await self._finish(
            claim, call_record(call, outcome, self.carrier.name, started, ended), step
        )

    async def _transmit_spooled(
        self, call: FaxCall, leg: faxin_receive.InboundLeg | None
    ) -> CallOutcome:
        """The call from the render step's local copy of the fax, removed afterwards with the
        received image, which goes into the spool first (and to Fax-In when our own terminal
        received it)."""
        try:
            outcome = await self._transmit(call)
        finally:
            await anyio.to_thread.run_sync(call.document.unlink, True)
        ended = time.time()
        received = outcome.received_path
        try:
            if received is not None and await anyio.to_thread.run_sync(received.exists):
                key = ImageKey(call.job_id, ImageKind.RECEIVED, call.recipient_index)
                await put_file(self.render.spool, key, received)
            if leg is not None:
                spool = self.render.spool
                await faxin_receive.deliver(self.settings, self.db, spool, leg, outcome, ended)
        finally:
            if call.received_path is not None:
                await anyio.to_thread.run_sync(call.received_path.unlink, True)
        return outcome

    async def _job_exists(self, claim: Claim) -> bool:
        async with self.db.reader.connect() as conn:
            return await queue.job_exists(conn, claim.job_id)

    def _watch(self, claim: Claim, *, expiry: bool) -> Coroutine[Any, Any, Withdrawn]:
        return watch(self.db, claim, self.settings.job_check_secs, expiry=expiry)

    async def _render_fault(self, claim: Claim, exc: Exception) -> NextStep:
        """What a failed render makes of the recipient: pending again when the machine is at
        fault (a full disk, an I/O error), else final with the document's status."""
        if self.disk.note_failure(exc) or disk_rules.is_transient(exc):
            log.warning("render stopped by the machine", job_id=claim.job_id, error=str(exc))
            reason = f"rendering failed for a fault of the server ({disk_rules.describe(exc)})"
        elif trouble := (await self.disk.state(fresh=True)).trouble:
            # A converter that ran out of space says so in words of its own: a failure while
            # the disk is short is presumed to be the disk's.
            log.warning("render failed on a full disk", job_id=claim.job_id, error=str(exc))
            reason = f"rendering failed while the disk is short of space ({trouble})"
        elif isinstance(exc, RenderFailure):
            return final_without_call(claim, exc.status, exc.reason)
        else:  # a bug or a broken data dir: end honestly, never stay pending
            log.error("render fault", job_id=claim.job_id, recipient=claim.idx, exc_info=exc)
            reason = f"internal error while rendering ({type(exc).__name__}); see the server log"
            return final_without_call(claim, FaxStatus.RENDERING_ERROR, reason)
        return deferred_without_call(claim, reason, time.time() + self.settings.disk_retry_secs)

    async def _withdrawn(self, claim: Claim, why: Withdrawn) -> None:
        """The job was deleted (nothing of it may remain) or expired (it ends as such)."""
        if why is Withdrawn.DELETED:
            log.info("job deleted during its render or call: stopped", job_id=claim.job_id)
            await self.render.spool.delete_jobs([claim.job_id])
            return
        log.info("validity ended during the render: stopped", job_id=claim.job_id)
        await self.render.spool.delete(ImageKey(claim.job_id, ImageKind.SENT, claim.idx))
        await self._finish(claim, None, final_without_call(claim, FaxStatus.CANCELLED, _EXPIRED))

    async def _call(
        self, claim: Claim, call: FaxCall, leg: faxin_receive.InboundLeg | None
    ) -> CallOutcome:
        """The call, hung up if the job is deleted meanwhile. A call in progress when the
        validity ends is finished (the end bounds when a call may start). Shutdown waits for a
        call in progress as before, but still hangs up a deleted job's."""
        transmit = asyncio.create_task(self._transmit_spooled(call, leg))
        watcher = asyncio.create_task(self._watch(claim, expiry=False))
        stopping = False
        try:
            while not transmit.done():
                waiting = {transmit} if watcher.done() else {transmit, watcher}
                try:
                    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                except asyncio.CancelledError:
                    stopping = True
                    continue
                if watcher.done() and not call.hangup.is_set():
                    log.info("job deleted during its call: hanging up", job_id=claim.job_id)
                    call.hangup.set()
        finally:
            watcher.cancel()
        if stopping:
            raise asyncio.CancelledError
        return transmit.result()

    async def _transmit(self, call: FaxCall) -> CallOutcome:
        return await anyio.to_thread.run_sync(self.carrier.transmit, call)

    async def _finish(self, claim: Claim, call: CallRecord | None, step: NextStep) -> None:
        now = time.time()

        async def record() -> bool | None:
            async with self.db.writer.begin() as conn:
                if not await queue.record(conn, claim, self.worker_id, call, step, now):
                    return None
                done = step.final and await queue.complete_job_if_final(conn, claim.job_id, now)
                if done:
                    await enqueue_for_job(conn, claim.job_id, now)
                return done

        # On a full disk the reserve makes room for this bookkeeping.
        completed = await with_room(self.settings.data_dir, record)
        if completed is None:
            log.warning("lease lost", job_id=claim.job_id, recipient=claim.idx)
            return
        log.info(
            "recipient final" if step.final else "recipient redial",
            job_id=claim.job_id,
            recipient=claim.idx,
            status=step.status.value,
            attempt=claim.attempts + (1 if call else 0),
            next_in=None if step.final else round(step.next_attempt_at - now, 1),
        )
        if completed:
            log.info("job complete", job_id=claim.job_id)
            await anyio.to_thread.run_sync(remove_scratch, self.settings.data_dir, [claim.job_id])
