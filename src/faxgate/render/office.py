"""Office documents → PDF with LibreOffice (soffice --headless), when it is installed.

Each worker process keeps its own LibreOffice user profile: conversions sharing one profile
block each other, and creating a fresh profile for every conversion costs seconds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from faxgate.render import converters
from faxgate.render.errors import rendering_error, unknown_file

INSTALL_HINT = (
    "install LibreOffice (apt install libreoffice-writer-nogui libreoffice-calc-nogui "
    "libreoffice-impress-nogui)"
)


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_to_pdf(source: Path, work_dir: Path, *, timeout: float) -> Path:
    binary = soffice_binary()
    if binary is None:
        raise unknown_file(f"document {source.name!r} needs LibreOffice to render: {INSTALL_HINT}")
    profile = Path(tempfile.gettempdir()) / f"faxgate-lo-profile-{os.getuid()}-{os.getpid()}"
    out_dir = work_dir / "lo-out"
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(work_dir)}
    args = [
        binary,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        str(source),
    ]
    converters.run(args, timeout=timeout, what="LibreOffice", env=env, cwd=work_dir)
    output = out_dir / (source.stem + ".pdf")
    if not output.is_file():
        raise rendering_error(f"LibreOffice could not convert document {source.name!r}")
    return output
