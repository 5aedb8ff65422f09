"""Office documents → PDF with LibreOffice (soffice --headless), when it is installed.

Each conversion runs in its own sandbox jail with its own copy of a LibreOffice profile in
the jail's private temp dir, removed with it: nothing one customer's document leaves in a
profile (recent files, recovery copies) is there for the next, and conversions never share
one. The copy comes from a template that each process warms up once by converting a blank
document of its own (a profile made from nothing costs ~0.5 s more, a copy a few ms; figures
in docs/security-sandbox.md); the template lives in the process's private temp dir.

The profile never updates external links (images, OLE and DDE links, sections, linked
sheets) and never runs macros: a linked image renders as an empty frame, the rest of the
document renders as usual. The sandbox guarantees it besides (no network, no other files),
and only the sandbox stops Impress/Draw, which load linked images whatever the profile says.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from faxgate.render import converters
from faxgate.render.errors import rendering_error, unknown_file
from faxgate.render.sandbox import Sandbox, jail, remove_tree
from faxgate.render.sniff import Kind

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


# Without the sandbox only the profile keeps a document offline, and Impress ignores it. So
# there every document is opened with the import filter of its kind (LibreOffice would
# otherwise pick one from the content: a presentation named .doc would reach Impress), and
# presentations are refused.
_FILTERS = {
    Kind.DOCX: "MS Word 2007 XML",
    Kind.XLSX: "Calc MS Excel 2007 XML",
    Kind.ODT: "writer8",
    Kind.ODS: "calc8",
    Kind.RTF: "Rich Text Format",
}
_OLE_FILTERS = {"doc": "MS Word 97", "xls": "MS Excel 97"}  # an OLE2 file's kind is its name's


def unconfined_filter(kind: Kind, name: str) -> str:
    """The import filter a document of `kind` named `name` is opened with when converters run
    without the sandbox; RenderFailure for a presentation."""
    extension = name.rpartition(".")[2].lower()
    found = _OLE_FILTERS.get(extension) if kind is Kind.OFFICE_OLE else _FILTERS.get(kind)
    if found is None:
        raise rendering_error(
            f"document {name!r} is a presentation: presentations are rendered only while "
            "converters run in the sandbox (install bubblewrap, FAXGATE_SANDBOX)"
        )
    return found


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# This process's warmed-up profile per soffice binary, copied for every conversion.
_templates: dict[str, Path] = {}


def office_to_pdf(
    source: Path, work_dir: Path, *, timeout: float, sandbox: Sandbox, in_filter: str | None = None
) -> Path:
    """`in_filter`: the import filter to open `source` with; None lets LibreOffice choose."""
    binary = soffice_binary()
    if binary is None:
        raise unknown_file(f"document {source.name!r} needs LibreOffice to render: {INSTALL_HINT}")
    out_dir = work_dir / "lo-out"
    out_dir.mkdir(parents=True, exist_ok=True)
    template = _template(binary, sandbox, timeout)
    with jail(sandbox, reads=[source], writes=[out_dir]) as box:
        profile = box.temp / "profile"
        shutil.copytree(template, profile, symlinks=True)
        converters.run(
            _convert_args(binary, profile, out_dir, source, in_filter),
            jail=box, timeout=timeout, what="LibreOffice",
        )  # fmt: skip
    output = out_dir / (source.stem + ".pdf")
    if not output.is_file():
        raise rendering_error(f"LibreOffice could not convert document {source.name!r}")
    return output


def _template(binary: str, sandbox: Sandbox, timeout: float) -> Path:
    """The profile LibreOffice made at its first start here, with our settings, from a blank
    document of our own: never a customer's."""
    template = _templates.get(binary)
    if template is not None and template.is_dir():
        return template
    template = Path(tempfile.mkdtemp(prefix="faxgate-lo-profile-"))
    atexit.register(remove_tree, template)  # render pool processes: their pool's dir goes
    (template / "user").mkdir()
    (template / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, "utf-8")
    try:
        with jail(sandbox, writes=[template]) as box:
            blank = box.temp / "blank.txt"
            blank.write_text("faxgate\n", "utf-8")
            converters.run(
                _convert_args(binary, template, box.temp, blank),
                jail=box, timeout=timeout, what="LibreOffice (first start)",
            )  # fmt: skip
    except BaseException:
        remove_tree(template)
        raise
    _templates[binary] = template
    return template


def _convert_args(
    binary: str, profile: Path, out_dir: Path, source: Path, in_filter: str | None = None
) -> list[str]:
    return [
        binary,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        *([f"--infilter={in_filter}"] if in_filter else []),
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        str(source),
    ]
