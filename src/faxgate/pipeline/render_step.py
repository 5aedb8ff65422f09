"""The render step of the pipeline: from a stored job to the recipient's fax TIFF.

The TIFF is spooled under the data directory and reused when the same recipient is
redialled, so a retry sends exactly the pages of the first attempt.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio.to_thread
from PIL import Image

from faxgate.config import Settings
from faxgate.domain.job import Rendering
from faxgate.domain.statuses import FaxStatus
from faxgate.pipeline import files
from faxgate.pipeline.sealed_files import is_sealed, read_plain, seal_in_place
from faxgate.render import (
    DEFAULT_COVER_HTML,
    OverlaySpec,
    Renderer,
    RenderFailure,
    RenderJob,
    RenderRecipient,
    SourceDocument,
)
from faxgate.sealing.box import SecretBox
from faxgate.sealing.keys import secret_box
from faxgate.store.db import Database
from faxgate.store.queue import Claim
from faxgate.store.work import JobWork, find_template


@dataclass(frozen=True)
class Rendered:
    path: Path
    pages: int
    fine: bool
    csid: str


def _count_pages(path: Path, box: SecretBox) -> int:
    source = io.BytesIO(read_plain(path, box)) if is_sealed(path) else path
    with Image.open(source) as image:
        return int(getattr(image, "n_frames", 1))


def _spooled(path: Path, box: SecretBox, seal: bool) -> int:
    """The page count of a spooled fax, sealed first when files are encrypted."""
    if seal:
        seal_in_place(path, box)
    return _count_pages(path, box)


class RenderStep:
    def __init__(self, settings: Settings, db: Database, renderer: Renderer) -> None:
        self.settings = settings
        self.db = db
        self.renderer = renderer
        self.box = secret_box(settings)

    async def render(self, work: JobWork, claim: Claim) -> Rendered:
        rendering = work.options.rendering
        fine = rendering.fine
        csid = work.options.transport.csid or self.settings.default_csid
        out = files.spool_file(self.settings.data_dir, work.job_id, claim.idx)
        seal = self.settings.encrypt_files
        if out.exists():
            pages = await anyio.to_thread.run_sync(_spooled, out, self.box, seal)
            return Rendered(out, pages, fine, csid)
        job = await self._render_job(work, rendering, fine, csid)
        recipient = RenderRecipient(
            index=claim.idx,
            number=claim.number,
            normalised_number=claim.numbers[0],
            properties=claim.properties,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        pages = await self.renderer.render(
            job, recipient, files.cache_dir(self.settings.data_dir, work.job_id), out
        )
        if seal:
            await anyio.to_thread.run_sync(seal_in_place, out, self.box)
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
