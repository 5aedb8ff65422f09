"""The time limit on one recipient's render (`render_timeout_secs`).

The converters inside the render process (WeasyPrint, pdfium, Pillow) cannot be interrupted,
so a render over the limit is stopped by killing its pool's processes. Real processes, real
documents: a multi-page PDF rendered by pdfium takes far longer than the tiny limits used here.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import Renderer, RenderFailure
from tests.processes import all_gone
from tests.render.conftest import RECIPIENT, doc, make_job, text_pdf

# pdfium renders in the pool process itself: killing that process stops all of the work
SETTINGS = Settings(rasteriser="pdfium", render_processes=1)


def long_pdf(pages: int) -> bytes:
    """A real text PDF of `pages` pages, cheap to make (pdfium needs ~65 ms or more a page)."""
    page = PdfReader(io.BytesIO(text_pdf(1))).pages[0]
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_render_timeout_secs_from_the_environment() -> None:
    assert Settings().render_timeout_secs == 600.0
    env = {"FAXGATE_RENDER_TIMEOUT_SECS": "42.5"}
    assert Settings.from_env(env).render_timeout_secs == 42.5


def test_render_over_the_limit_fails_then_the_renderer_works_again(tmp_path: Path) -> None:
    slow = make_job((doc("long.pdf", long_pdf(8)),))
    quick = make_job((doc("short.pdf", text_pdf(2)),))

    async def main() -> tuple[RenderFailure, int]:
        renderer = Renderer(SETTINGS.with_overrides(render_timeout_secs=0.05))
        try:
            with pytest.raises(RenderFailure) as caught:
                await renderer.render(slow, RECIPIENT, tmp_path / "c1", tmp_path / "1.tiff")
            # the replaced pool must take the next recipient
            pages = await renderer.render(
                quick, RECIPIENT, tmp_path / "c2", tmp_path / "2.tiff", time_limit=120
            )
            return caught.value, pages
        finally:
            renderer.close()

    failure, pages = asyncio.run(main())
    assert failure.status is FaxStatus.RENDERING_ERROR
    assert "longer than 0.05 seconds" in failure.reason
    assert not (tmp_path / "1.tiff").exists()
    assert pages == 2


def test_the_stuck_process_is_killed(tmp_path: Path) -> None:
    warm = make_job((doc("one.pdf", text_pdf(1)),))
    job = make_job((doc("long.pdf", long_pdf(120)),))  # 8 s or more if it were left to run

    async def main() -> tuple[set[int], set[int]]:
        renderer = Renderer(SETTINGS)
        try:
            await renderer.render(warm, RECIPIENT, tmp_path / "c1", tmp_path / "1.tiff")
            before = set(renderer._pool._processes)  # the warm worker that will get stuck
            with pytest.raises(RenderFailure):
                await renderer.render(
                    job, RECIPIENT, tmp_path / "c2", tmp_path / "2.tiff", time_limit=0.05
                )
            return before, set(renderer._pool._processes)
        finally:
            renderer.close()

    before, after = asyncio.run(main())
    assert len(before) == 1
    assert not before & after  # a new pool, with none of the old processes
    assert all_gone(before, within=2), f"render process {before} still exists after the timeout"


def test_a_render_sharing_the_killed_pool_is_retried(tmp_path: Path) -> None:
    """Recipient A goes over its limit while B renders on the other process of the same pool:
    killing A's pool breaks B's render, which takes its second attempt on the pool A's
    timeout put in place (B must not replace that one again)."""
    warm = make_job((doc("one.pdf", text_pdf(1)),))
    slow = make_job((doc("a.pdf", long_pdf(20)),))  # over 1 s with pdfium: far over 0.3 s
    other = make_job((doc("b.pdf", long_pdf(40)),))  # still running when A's limit ends

    async def main() -> tuple[RenderFailure, int, bool, bool]:
        renderer = Renderer(SETTINGS.with_overrides(render_processes=2))
        try:
            await asyncio.gather(  # start both processes so A's time is spent rendering
                *(renderer.render(warm, RECIPIENT, tmp_path / f"w{n}", tmp_path / f"w{n}.tiff")
                  for n in (1, 2))
            )  # fmt: skip
            a = asyncio.create_task(
                renderer.render(slow, RECIPIENT, tmp_path / "ca", tmp_path / "a.tiff", 0.3)
            )
            b = asyncio.create_task(
                renderer.render(other, RECIPIENT, tmp_path / "cb", tmp_path / "b.tiff", 120)
            )
            with pytest.raises(RenderFailure) as caught:
                await a
            pool_after_a = renderer._pool
            b_pending_at_kill = not b.done()
            pages = await b
            return caught.value, pages, b_pending_at_kill, renderer._pool is pool_after_a
        finally:
            renderer.close()

    failure, pages, b_pending_at_kill, same_pool = asyncio.run(main())
    assert "longer than 0.3 seconds" in failure.reason
    assert b_pending_at_kill  # otherwise this test proves nothing about the retry
    assert pages == 40
    assert same_pool


def test_kills_for_other_renders_do_not_count_as_crashes(tmp_path: Path) -> None:
    """B's render is broken twice, each time because another recipient went over its limit:
    that is no fault of B's document, so B is not failed as 'crashed twice'."""
    slow = make_job((doc("a.pdf", long_pdf(20)),))  # over 1 s with pdfium: far over 0.3 s
    other = make_job((doc("b.pdf", long_pdf(60)),))  # still running after both kills

    async def over_the_limit(renderer: Renderer, name: str) -> None:
        with pytest.raises(RenderFailure, match=r"longer than 0\.3 seconds"):
            await renderer.render(slow, RECIPIENT, tmp_path / name, tmp_path / f"{name}.tiff", 0.3)

    async def main() -> tuple[int, bool]:
        renderer = Renderer(SETTINGS.with_overrides(render_processes=2))
        try:
            b = asyncio.create_task(
                renderer.render(other, RECIPIENT, tmp_path / "cb", tmp_path / "b.tiff", 120)
            )
            await over_the_limit(renderer, "a1")
            await over_the_limit(renderer, "a2")
            b_pending_after_kills = not b.done()
            return await b, b_pending_after_kills
        finally:
            renderer.close()

    pages, b_pending_after_kills = asyncio.run(main())
    assert b_pending_after_kills  # otherwise this test proves nothing
    assert pages == 60
