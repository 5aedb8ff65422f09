"""`faxgate render -o X` writes into what X is: a FIFO (or a device such as /dev/null) is
written to, not replaced by a regular file; a symlink is followed to its target and stays a
link. Replacing /dev/null as root would break the machine."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from click.testing import CliRunner

from faxgate.render.command import render_command
from tests.render.conftest import text_pdf


def _render(source: Path, output: Path) -> str:
    result = CliRunner().invoke(render_command, [str(source), "-o", str(output)])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_fifo_output_is_written_to_and_stays_a_fifo(tmp_path: Path) -> None:
    source = tmp_path / "letter.pdf"
    source.write_bytes(text_pdf(1))
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()), daemon=True)
    reader.start()

    _render(source, fifo)

    reader.join(30)
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a regular file"
    assert read and read[0][:4] in (b"II*\x00", b"MM\x00*"), "the reader got no TIFF"


def test_a_symlink_output_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    source = tmp_path / "letter.pdf"
    source.write_bytes(text_pdf(1))
    target = tmp_path / "real.tiff"
    link = tmp_path / "link.tiff"
    link.symlink_to(target)

    _render(source, link)

    assert link.is_symlink(), "the link was replaced by a regular file"
    assert target.read_bytes()[:4] in (b"II*\x00", b"MM\x00*")


def test_the_fax4a_default_cover_name_renders_the_default_cover(tmp_path: Path) -> None:
    """The service accepts `coverpage-default.ftl.html` (Fax4A's name); so does the CLI."""
    outputs = []
    for name in ("default", "coverpage-default.ftl.html"):
        output = tmp_path / f"{name}.tif"
        result = CliRunner().invoke(render_command, ["--cover", name, "-o", str(output)])
        assert result.exit_code == 0, result.output
        outputs.append(output.read_bytes())
    assert outputs[0][:4] in (b"II*\x00", b"MM\x00*")
    assert len(outputs[0]) > 1000 and len(outputs[1]) > 1000
