"""`faxgate render`: the rendering pipeline offline, for checking documents by hand."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from faxgate.config import Settings
from faxgate.domain.header import validate_header
from faxgate.render.compose import render_fax
from faxgate.render.cover import DEFAULT_COVER_HTML, DEFAULT_COVER_NAME
from faxgate.render.errors import DocumentRejected, RenderFailure
from faxgate.render.model import RenderJob, RenderRecipient, SourceDocument
from faxgate.render.precheck import precheck_document


def _property(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE")
        pairs.append((key, text))
    return tuple(pairs)


@click.command("render")
@click.argument(
    "files", nargs=-1, required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--resolution",
    type=click.Choice(["HIGH", "LOW"], case_sensitive=False),
    default="HIGH",
    show_default=True,
)
@click.option(
    "--paper",
    type=click.Choice(["A4", "LETTER"], case_sensitive=False),
    default="A4",
    show_default=True,
)
@click.option("--charset", default=None, help="charset of .txt files (spec §5.1), default UTF-8")
@click.option("--header", default=None, help="header line with control codes (spec §5.7)")
@click.option(
    "--cover",
    default=None,
    help=f"cover template: an HTML file, or 'default' (also '{DEFAULT_COVER_NAME}', as in Fax4A)",
)
@click.option(
    "--prop",
    "properties",
    multiple=True,
    callback=_property,
    metavar="KEY=VALUE",
    help="cover page property (repeatable)",
)
@click.option("--csid", default="faxgate", show_default=True, help="sender CSID for the header")
@click.option("--number", default="+4930000000", show_default=True, help="recipient number")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def render_command(
    files: tuple[Path, ...],
    resolution: str,
    paper: str,
    charset: str | None,
    header: str | None,
    cover: str | None,
    properties: tuple[tuple[str, str], ...],
    csid: str,
    number: str,
    output: Path,
) -> None:
    """Render FILES (and/or a cover page) into one fax TIFF, as the service would send it."""
    settings = Settings.from_env()
    try:
        if header is not None:
            validate_header(header)
        cover_html = _cover(cover)
        if not files and cover_html is None:
            raise click.UsageError("give at least one FILE or --cover")
        documents = []
        for path in files:
            content = path.read_bytes()
            precheck_document(path.name, content, settings)
            documents.append(SourceDocument(path.name, content, None, charset))
        job = RenderJob(
            job_id="offline", documents=tuple(documents), paper=paper.upper(),
            fine=resolution.upper() == "HIGH", header=header, csid=csid, cover_html=cover_html,
            overlay=None, submitted_at=datetime.now(UTC),
        )  # fmt: skip
        normalised = "00" + number[1:] if number.startswith("+") else number
        recipient = RenderRecipient(0, number, normalised.replace(" ", ""), properties)
        with tempfile.TemporaryDirectory(prefix="faxgate-render-") as cache:
            cache_dir = Path(cache)

            def render(out: Path) -> int:
                return render_fax(job, recipient, settings, cache_dir, out)

            pages = _render_into(output, render)
    except RenderFailure as exc:
        raise click.ClickException(f"{exc.status}: {exc.reason}") from exc
    except (DocumentRejected, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{output}: {pages} page{'s' if pages != 1 else ''}")


def _render_into(output: Path, render: Callable[[Path], int]) -> int:
    """Render to `output` as what it is. A regular file (or a new one) is replaced
    atomically; a symlink is followed to its target; a device or FIFO (`-o /dev/null`) is
    written to, never replaced by a regular file, which as root would break the machine."""
    target = output.resolve() if output.is_symlink() else output
    if not target.exists() or target.is_file():
        return render(target)
    with tempfile.TemporaryDirectory(prefix="faxgate-out-") as spare:
        rendered = Path(spare) / "fax.tiff"
        pages = render(rendered)
        with rendered.open("rb") as source, target.open("wb") as sink:
            shutil.copyfileobj(source, sink)
    return pages


def _cover(cover: str | None) -> str | None:
    if cover is None:
        return None
    if cover == "default" or (cover == DEFAULT_COVER_NAME and not Path(cover).is_file()):
        return DEFAULT_COVER_HTML
    return Path(cover).read_text("utf-8")
