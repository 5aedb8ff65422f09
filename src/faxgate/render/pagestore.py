"""The per-job page cache: every document is rasterised once, whatever the recipient count.

Layout under the job's cache directory:
    pages-<key>/manifest.json   written last: its presence means the pages are complete
    pages-<key>/p00001.g4 …     raw G4 body strips at the output resolution, overlay applied
    pages-<key>.lock            flock: one process builds, concurrent recipients wait

A build happens in a temporary directory renamed into place, so a crash never leaves a
half-built cache that looks complete. The key covers everything the pages depend on.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from faxgate.config import Settings
from faxgate.domain.overlay import overlay_pages
from faxgate.render import sources
from faxgate.render.bodies import bodies, use_ghostscript
from faxgate.render.errors import rendering_error
from faxgate.render.geometry import WIDTH, PageGeometry
from faxgate.render.model import RenderJob
from faxgate.render.overlay_image import apply_overlay, overlay_bitmap
from faxgate.render.tiff_f import COMPRESSION_G4, Strip, decode, encode

_FORMAT = 1  # bump when the cached page format changes


@dataclass(frozen=True)
class JobPages:
    directory: Path
    files: tuple[str, ...]
    file_page_counts: tuple[int, ...]
    body_rows: int

    def __len__(self) -> int:
        return len(self.files)

    def strip(self, index: int) -> Strip:
        data = (self.directory / self.files[index]).read_bytes()
        return Strip(width=WIDTH, rows=self.body_rows, compression=COMPRESSION_G4, data=data)


def job_pages(
    job: RenderJob, geometry: PageGeometry, settings: Settings, cache_dir: Path
) -> JobPages:
    key = _key(job, geometry, settings)
    directory = cache_dir / f"pages-{key}"
    cached = _load(directory)
    if cached is not None:
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / f"pages-{key}.lock"):
        cached = _load(directory)
        if cached is not None:
            return cached
        build = Path(tempfile.mkdtemp(prefix=f".build-{key}-", dir=cache_dir))
        try:
            _build(job, geometry, settings, build)
            os.replace(build, directory)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    loaded = _load(directory)
    assert loaded is not None, "the build just wrote the manifest"
    return loaded


def _build(job: RenderJob, geometry: PageGeometry, settings: Settings, build: Path) -> None:
    work = build / "work"
    work.mkdir()
    files: list[str] = []
    counts: list[int] = []
    for number, document in enumerate(job.documents):
        data = sources.load(document, settings)
        kind = sources.kind_of(document, data)
        doc_dir = work / f"doc{number}"
        doc_dir.mkdir()
        source = doc_dir / f"source.{document.name.rpartition('.')[2].lower()}"
        source.write_bytes(data)
        del data
        before = len(files)
        for strip in bodies(kind, source, name=document.name, charset=document.charset,
                            geometry=geometry, settings=settings, work_dir=doc_dir):  # fmt: skip
            if len(files) >= settings.max_pages:
                raise rendering_error(f"the documents have more than {settings.max_pages} pages")
            name = f"p{len(files) + 1:05d}.g4"
            (build / name).write_bytes(strip.data)
            files.append(name)
        counts.append(len(files) - before)
        shutil.rmtree(doc_dir, ignore_errors=True)
    if job.overlay is not None and job.overlay.mode != "NO_OVERLAY":
        _apply_overlay(job, geometry, build, files, counts, work)
    shutil.rmtree(work, ignore_errors=True)
    manifest = {"format": _FORMAT, "files": files, "counts": counts, "rows": geometry.body_rows}
    (build / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def _apply_overlay(
    job: RenderJob, geometry: PageGeometry, build: Path, files: list[str], counts: list[int],
    work: Path,
) -> None:  # fmt: skip
    assert job.overlay is not None
    cover = job.cover_html is not None
    selected = overlay_pages(job.overlay.mode, cover=cover, file_page_counts=counts)
    document_pages = [index - int(cover) for index in sorted(selected) if index >= int(cover)]
    if not document_pages:
        return
    overlay = overlay_bitmap(job.overlay.content, geometry, work)
    for index in document_pages:
        path = build / files[index]
        page = decode(Strip(WIDTH, geometry.body_rows, COMPRESSION_G4, path.read_bytes()))
        path.write_bytes(encode(apply_overlay(page, overlay)).data)


def _load(directory: Path) -> JobPages | None:
    try:
        manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    except FileNotFoundError:
        return None
    return JobPages(
        directory=directory,
        files=tuple(manifest["files"]),
        file_page_counts=tuple(manifest["counts"]),
        body_rows=int(manifest["rows"]),
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _key(job: RenderJob, geometry: PageGeometry, settings: Settings) -> str:
    digest = hashlib.sha256()
    parts: list[object] = [
        _FORMAT, geometry.paper, geometry.fine, geometry.header_lines, job.cover_html is not None,
        use_ghostscript(settings), settings.max_pages,
    ]  # fmt: skip
    for document in job.documents:
        content = hashlib.sha256(document.content or b"").hexdigest()
        parts += [document.name, document.reference, document.charset, content]
    if job.overlay is not None:
        parts += [job.overlay.mode, hashlib.sha256(job.overlay.content).hexdigest()]
    digest.update(json.dumps(parts).encode())
    return digest.hexdigest()[:24]
