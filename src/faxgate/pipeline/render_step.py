"""The render step of the pipeline: from a stored job to the recipient's fax TIFF.

The TIFF is rendered into the job's local scratch and put into the spool; a redial of the
same recipient fetches it from there, so a retry sends exactly the pages of the first
attempt, whichever worker or host makes it. The step hands the call a plain local copy,
which the call removes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread
from PIL import Image

from faxgate.config import Settings
from faxgate.domain.attempt import Claim
from faxgate.domain.job import Rendering
from faxgate.domain.statuses import FaxStatus
from faxgate.render import (
    DEFAULT_COVER_HTML,
    OverlaySpec,
    Renderer,
    RenderFailure,
    RenderJob,
    RenderRecipient,
    SourceDocument,
)
from faxgate.sealing.keys import secret_box
from faxgate.store.db import Database
from faxgate.store.scratch import cache_dir, scratch_file
from faxgate.store.spool import ImageKey, ImageKind, fetch_file, put_file
from faxgate.store.spools import open_spool
from faxgate.store.work import JobWork, find_template


@dataclass(frozen=True)
class Rendered:
    path: Path  # a plain local copy for the call, in the job's scratch
    pages: int
    fine: bool
    csid: str


def _count_pages(path: Path) -> int:
    with Image.open(path) as image:
        return int(getattr(image, "n_frames", 1))


class RenderStep:
    def __init__(self, settings: Settings, db: Database, renderer: Renderer) -> None:
        self.settings = settings
        self.db = db
        self.renderer = renderer
        self.box = secret_box(settings)
        self.spool = open_spool(settings, db)

    async def render(self, work: JobWork, claim: Claim) -> Rendered:
        rendering = work.options.rendering
        fine = rendering.fine
        csid = work.options.transport.csid or self.settings.default_csid
        key = ImageKey(work.job_id, ImageKind.SENT, claim.idx)
        out = scratch_file(self.settings.data_dir, work.job_id, f"sent-{claim.idx}")
        await anyio.to_thread.run_sync(
            functools.partial(out.parent.mkdir, parents=True, exist_ok=True)
        )
        if await fetch_file(self.spool, key, out):
            pages = await anyio.to_thread.run_sync(_count_pages, out)
            return Rendered(out, pages, fine, csid)
        job = await self._render_job(work, rendering, fine, csid)
        recipient = RenderRecipient(
            index=claim.idx,
            number=claim.number,
            normalised_number=claim.numbers[0],
            properties=claim.properties,
        )
        pages = await self.renderer.render(
            job, recipient, cache_dir(self.settings.data_dir, work.job_id), out
        )
        await put_file(self.spool, key, out)
        return Rendered(out, pages, fine, csid)

    def _sources(self, work: JobWork) -> tuple[SourceDocument, ...]:
        return tuple(
            SourceDocument(
                d.name,
                None if d.content is None else self.box.unseal_bytes(d.content),
                d.reference,
                d.charset,
            )
            for d in work.documents
        )

    async def _render_job(
        self, work: JobWork, rendering: Rendering, fine: bool, csid: str
    ) -> RenderJob:
        cover_name = rendering.cover_template
        overlay_options = rendering.active_overlay
        cover_html: str | None = None
        overlay: OverlaySpec | None = None
        async with self.db.reader.connect() as conn:
            if cover_name:
                stored = await find_template(conn, work.cust_nr, "cover", cover_name)
                cover_html = stored.decode("utf-8") if stored else DEFAULT_COVER_HTML
            if overlay_options is not None:
                content = await find_template(
                    conn, work.cust_nr, "overlay", overlay_options.name, fallback=False
                )
                if content is None:
                    raise RenderFailure(
                        FaxStatus.RENDERING_ERROR,
                        f"the overlay template {overlay_options.name!r} no longer exists",
                    )
                overlay = OverlaySpec(content, overlay_options.mode.value)
        # decrypting a large document takes a while: not on the event loop
        sources = await anyio.to_thread.run_sync(self._sources, work)
        return RenderJob(
            job_id=work.job_id,
            documents=sources,
            paper=rendering.paper_format.value,
            fine=fine,
            header=rendering.header,
            csid=csid,
            cover_html=cover_html,
            overlay=overlay,
            submitted_at=datetime.fromtimestamp(work.created_at, UTC),
        )
