"""Office documents → PDF with LibreOffice (soffice --headless), when it is installed.

Each conversion runs in its own sandbox jail with a fresh LibreOffice profile in the jail's
private temp dir, removed with it: nothing one customer's document leaves in a profile
(recent files, recovery copies) is there for the next. A fresh profile costs about as much
as a reused one (docs/security-sandbox.md has the figures). The profile never loads or
updates external links (images, OLE and DDE links, sections, linked sheets) and never runs
macros: a linked image renders as an empty frame, the rest of the document renders as usual.
The sandbox guarantees it besides: the converter has no network and no other files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from faxgate.render import converters
from faxgate.render.errors import rendering_error, unknown_file
from faxgate.render.sandbox import Sandbox, jail

INSTALL_HINT = (
    "install LibreOffice (apt install libreoffice-writer-nogui libreoffice-calc-nogui "
    "libreoffice-impress-nogui)"
)

# LibreOffice's own configuration keys (officecfg/registry/schema/org/openoffice/Office):
# Writer's link update mode 2 = never, Calc's 1 = never (their numbering differs);
# BlockUntrustedRefererLinks stops loading of linked images from any URL; macro security
# "very high" and macros disabled; no Java VM.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Java/VirtualMachine"><prop oor:name="Enable" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""  # noqa: E501 (one configuration item a line, as LibreOffice writes them)


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_to_pdf(source: Path, work_dir: Path, *, timeout: float, sandbox: Sandbox) -> Path:
    binary = soffice_binary()
    if binary is None:
        raise unknown_file(f"document {source.name!r} needs LibreOffice to render: {INSTALL_HINT}")
    out_dir = work_dir / "lo-out"
    out_dir.mkdir(parents=True, exist_ok=True)
    with jail(sandbox, reads=[source], writes=[out_dir]) as box:
        profile = box.temp / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, "utf-8")
        args = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        converters.run(args, jail=box, timeout=timeout, what="LibreOffice")
    output = out_dir / (source.stem + ".pdf")
    if not output.is_file():
        raise rendering_error(f"LibreOffice could not convert document {source.name!r}")
    return output
