"""The process-pool Renderer, the `faxgate render` command and the PNG page preview."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import Renderer, RenderFailure, RenderRecipient, page_png, render_fax
from faxgate.render.command import render_command
from tests.render.conftest import RECIPIENT, doc, make_job, text_pdf


def test_pool_renders_recipients_concurrently_from_one_cache(tmp_path: Path) -> None:
    settings = Settings(render_processes=2)
    job = make_job((doc("a.pdf", text_pdf(4)), doc("b.txt", b"hello")))
    recipients = [RenderRecipient(n, f"+4930{n}", f"004930{n}", ()) for n in range(3)]
    cache = tmp_path / "cache"

    async def main() -> list[int]:
        renderer = Renderer(settings)
        try:
            return list(
                await asyncio.gather(
                    *(
                        renderer.render(job, r, cache, tmp_path / f"{r.index}.tiff")
                        for r in recipients
                    )
                )
            )
        finally:
            renderer.close()

    assert asyncio.run(main()) == [5, 5, 5]
    assert len([p for p in cache.iterdir() if p.is_dir() and p.name.startswith("pages-")]) == 1


def test_pool_failure_crosses_the_process_boundary(tmp_path: Path) -> None:
    job = make_job((doc("cut.pdf", b"%PDF-1.4\n1 0 obj"),))

    async def main() -> int:
        renderer = Renderer(Settings(render_processes=1))
        try:
            return await renderer.render(job, RECIPIENT, tmp_path / "c", tmp_path / "o.tiff")
        finally:
            renderer.close()

    with pytest.raises(RenderFailure) as caught:
        asyncio.run(main())
    assert caught.value.status is FaxStatus.RENDERING_ERROR
    assert "cut.pdf" in caught.value.reason


def test_pool_recovers_when_its_process_dies(tmp_path: Path) -> None:
    """A render process killed (a converter crash, the OOM killer) breaks a process pool for
    good; the renderer must replace it instead of failing every later fax."""
    job = make_job((doc("a.pdf", text_pdf(1)),))

    async def main() -> tuple[int, int]:
        renderer = Renderer(Settings(render_processes=1))
        try:
            first = await renderer.render(job, RECIPIENT, tmp_path / "c1", tmp_path / "1.tiff")
            for child in multiprocessing.active_children():
                if child.name.startswith("SpawnProcess"):
                    os.kill(child.pid or 0, signal.SIGKILL)
                    child.join()
            second = await renderer.render(job, RECIPIENT, tmp_path / "c2", tmp_path / "2.tiff")
            return first, second
        finally:
            renderer.close()

    assert asyncio.run(main()) == (1, 1)


def test_page_png(tmp_path: Path) -> None:
    for fine, height in ((True, 2292), (False, 2292)):
        out = tmp_path / f"{fine}.tiff"
        job = make_job((doc("a.pdf", text_pdf(2)),), fine=fine)
        render_fax(job, RECIPIENT, Settings(), tmp_path / f"cache{fine}", out)
        with Image.open(io.BytesIO(page_png(out, 2))) as image:
            assert image.format == "PNG"
            assert image.size == (1728, height)  # LOW is stretched back to square pixels
        with pytest.raises(IndexError):
            page_png(out, 3)
        with pytest.raises(IndexError):
            page_png(out, 0)


def test_render_command(tmp_path: Path) -> None:
    source = tmp_path / "letter.pdf"
    source.write_bytes(text_pdf(2))
    note = tmp_path / "note.txt"
    note.write_bytes("Grüße".encode("cp1252"))
    out = tmp_path / "fax.tiff"
    result = CliRunner().invoke(
        render_command,
        [str(source), str(note), "--charset", "Windows-1252", "--resolution", "LOW",
         "--paper", "LETTER", "--header", "%C %rPage %P/%T", "--cover", "default",
         "--prop", "ToName=Ada", "--prop", "SubjectTitle=Hello", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 pages" in result.output
    with Image.open(out) as image:
        assert (image.width, image.height, getattr(image, "n_frames", 1)) == (1728, 1078, 4)


@pytest.mark.parametrize(
    ("name", "content", "args", "words"),
    [
        ("cut.pdf", b"%PDF-1.4\n1 0 obj", [], "not a readable PDF"),
        ("a.pdf", b"", [], "empty"),
        ("a.pdf", text_pdf(1), ["--header", "50%"], "lone '%'"),
        ("a.pdf", text_pdf(1), ["--prop", "novalue"], "KEY=VALUE"),
    ],
)
def test_render_command_fails_with_one_line(
    tmp_path: Path, name: str, content: bytes, args: list[str], words: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    result = CliRunner().invoke(
        render_command, [str(source), *args, "-o", str(tmp_path / "o.tiff")]
    )
    assert result.exit_code != 0
    assert words in result.output
    assert not (tmp_path / "o.tiff").exists()
