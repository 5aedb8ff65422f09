"""The converter sandbox: what a hostile document can make a converter (or an in-process
decoder) reach. Every attack here worked before the sandbox existed.

The documents are real (an ODT and a DOCX written by hand, PostScript as text, HTML), the
servers they aim at are real loopback HTTP servers that record every request, and the files
they try to read are planted on the host.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from structlog.testing import capture_logs

from faxgate.config import Settings
from faxgate.domain.statuses import FaxStatus
from faxgate.render import converters, sandbox
from faxgate.render.errors import RenderFailure
from faxgate.render.pool import Renderer
from tests.processes import all_gone, running
from tests.render.conftest import (
    RECIPIENT,
    Render,
    black_pixels,
    doc,
    make_job,
    needs_gs,
    needs_soffice,
    text_pdf,
)


@pytest.fixture
def bwrap() -> sandbox.Sandbox:
    """The bubblewrap sandbox; a machine without a working bwrap skips, except in CI."""
    found = sandbox.sandbox_for("auto")
    if not found.confined:
        if os.environ.get("CI"):
            pytest.fail(f"bubblewrap is required in CI: {found.reason}")
        pytest.skip(f"bubblewrap is not usable here: {found.reason}")
    return found


def test_bubblewrap_works_in_ci() -> None:
    """In CI the sandbox must be real: a missing bwrap fails here instead of skipping."""
    found = sandbox.sandbox_for("auto")
    if not os.environ.get("CI") and not found.confined:
        pytest.skip(f"bubblewrap is not usable here: {found.reason}")
    assert found.confined, found.reason


# --- a loopback HTTP server that records what reaches it -------------------------------------


class Recorder:
    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[str] = []


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    black = io.BytesIO()
    Image.new("L", (400, 400), 0).save(black, "PNG")
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(black.getvalue())))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(black.getvalue())

        do_GET = do_HEAD = do_OPTIONS = do_PROPFIND = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    found = Recorder(f"http://127.0.0.1:{httpd.server_address[1]}")
    found.requests = seen
    yield found
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def planted_black(tmp_path: Path) -> Path:
    """Another customer's fax page in a "spool" directory: a black TIFF and a black PNG."""
    spool = tmp_path / "data" / "spool" / "FJOTHER"
    spool.mkdir(parents=True)
    Image.new("1", (800, 800), 0).save(spool / "0.tiff")
    Image.new("L", (800, 800), 0).save(spool / "0.png")
    return spool


# --- office documents with linked images ------------------------------------------------------

_ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">
 <office:body><office:text>
  <text:p>A letter with a linked image below it.</text:p>
  {frames}
 </office:text></office:body></office:document-content>"""
_ODT_FRAME = """<text:p><draw:frame draw:name="img{n}" text:anchor-type="paragraph"
   svg:width="12cm" svg:height="12cm"><draw:image xlink:href="{href}" xlink:type="simple"
   xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>"""
_ODT_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def linked_odt(hrefs: list[str]) -> bytes:
    frames = "".join(_ODT_FRAME.format(n=n, href=href) for n, href in enumerate(hrefs))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )  # stored, first: how ODF readers recognise the package
        archive.writestr("content.xml", _ODT_CONTENT.format(frames=frames))
        archive.writestr("META-INF/manifest.xml", _ODT_MANIFEST)
    return buffer.getvalue()


_DOCX_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="xml" ContentType="application/xml"/>
 <Override PartName="/word/document.xml"
  ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_DOCX_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
 <Relationship Id="rId1" Target="word/document.xml"
  Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
_DOCX_DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{relationships}
</Relationships>"""
_DOCX_RELATIONSHIP = """<Relationship Id="rIdImg{n}" TargetMode="External" Target="{href}"
  Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"/>"""
_DOCX_DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">
 <w:body>
  <w:p><w:r><w:t>A letter with a linked image below it.</w:t></w:r></w:p>
  {pictures}
 </w:body>
</w:document>"""
_DOCX_PICTURE = """<w:p><w:r><w:drawing><wp:inline><wp:extent cx="4320000" cy="4320000"/>
  <wp:docPr id="{id}" name="Picture {n}"/>
  <a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">
   <pic:pic><pic:nvPicPr><pic:cNvPr id="{id}" name="linked{n}.png"/><pic:cNvPicPr/></pic:nvPicPr>
    <pic:blipFill><a:blip r:link="rIdImg{n}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>
    <pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="4320000" cy="4320000"/></a:xfrm>
     <a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>
   </pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"""


def linked_docx(hrefs: list[str]) -> bytes:
    relationships = "".join(
        _DOCX_RELATIONSHIP.format(n=n, href=href) for n, href in enumerate(hrefs)
    )
    pictures = "".join(_DOCX_PICTURE.format(n=n, id=n + 1) for n in range(len(hrefs)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("_rels/.rels", _DOCX_RELS)
        archive.writestr(
            "word/_rels/document.xml.rels", _DOCX_DOC_RELS.format(relationships=relationships)
        )
        archive.writestr("word/document.xml", _DOCX_DOCUMENT.format(pictures=pictures))
    return buffer.getvalue()


_ODP_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">
 <office:body><office:presentation><draw:page draw:name="p1">
  <draw:frame svg:x="2cm" svg:y="1cm" svg:width="20cm" svg:height="3cm"><draw:text-box>
   <text:p>A slide with a linked image below it.</text:p></draw:text-box></draw:frame>
  {frames}
 </draw:page></office:presentation></office:body></office:document-content>"""
_ODP_FRAME = """<draw:frame svg:x="{x}cm" svg:y="5cm" svg:width="8cm" svg:height="8cm">
  <draw:image xlink:href="{href}" xlink:type="simple" xlink:show="embed"
   xlink:actuate="onLoad"/></draw:frame>"""


def linked_odp(hrefs: list[str]) -> bytes:
    frames = "".join(_ODP_FRAME.format(x=2 + 9 * n, href=href) for n, href in enumerate(hrefs))
    media = "application/vnd.oasis.opendocument.presentation"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), media)
        archive.writestr("content.xml", _ODP_CONTENT.format(frames=frames))
        archive.writestr("META-INF/manifest.xml", _ODT_MANIFEST.replace(
            "application/vnd.oasis.opendocument.text", media))  # fmt: skip
    return buffer.getvalue()


OFFICE_MAKERS = {"odt": linked_odt, "docx": linked_docx, "odp": linked_odp}


def _page_black(render: Render, settings: Settings, name: str, content: bytes) -> int:
    _count, pages = render(make_job((doc(name, content),)), settings)
    return sum(black_pixels(page.image, (0, 32, 1728, page.height)) for page in pages)


# "off": without bubblewrap, the LibreOffice profile alone must stop the links. It does for
# Writer documents; Impress loads linked images regardless (docs/security-sandbox.md), so a
# presentation is only tested in bubblewrap.
MODES = ["auto", "off"]
OFFICE_CASES = [("odt", "auto"), ("odt", "off"), ("docx", "auto"), ("docx", "off"),
                ("odp", "auto")]  # fmt: skip


@needs_soffice
@needs_gs
@pytest.mark.parametrize(("extension", "mode"), OFFICE_CASES)
def test_office_document_linking_a_loopback_url_fetches_nothing(
    render: Render, gs_settings: Settings, recorder: Recorder, extension: str, mode: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    if extension == "odp":
        request.getfixturevalue("bwrap")  # Impress loads linked images whatever the profile says
    gs_settings = gs_settings.with_overrides(sandbox=mode)
    make = OFFICE_MAKERS[extension]
    content = make([f"{recorder.url}/spool/FJOTHER/0.png", f"{recorder.url}/admin.png"])

    black = _page_black(render, gs_settings, f"letter.{extension}", content)

    assert recorder.requests == []
    assert black > 500, "the letter's own text is rendered"


@needs_soffice
@needs_gs
@pytest.mark.parametrize(("extension", "mode"), OFFICE_CASES)
def test_office_document_linking_another_customers_fax_does_not_show_it(
    render: Render, gs_settings: Settings, planted_black: Path, extension: str, mode: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    if extension == "odp":
        request.getfixturevalue("bwrap")
    gs_settings = gs_settings.with_overrides(sandbox=mode)
    make = OFFICE_MAKERS[extension]
    links = [(planted_black / "0.tiff").as_uri(), (planted_black / "0.png").as_uri()]

    linked = _page_black(render, gs_settings, f"letter.{extension}", make(links))
    control = _page_black(render, gs_settings, f"letter.{extension}", make([]))

    # Two 12 cm black squares would be ~2.7 million black pixels at fine resolution.
    assert linked <= control + 20_000, (linked, control)


def _saved_as(source: Path, to: str) -> bytes:
    """`source` saved by LibreOffice as a .`to` document."""
    out = source.parent / f"saved-{to}"
    profile = (source.parent / "maker-profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless",
         "--convert-to", to, "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return (out / f"{source.stem}.{to}").read_bytes()


PRESENTATIONS = [("slides.odp", None), ("slides.pptx", "pptx"), ("slides.ppt", "ppt"),
                 ("letter.doc", "ppt")]  # fmt: skip


@needs_soffice
@needs_gs
@pytest.mark.parametrize(("name", "to"), PRESENTATIONS)
def test_presentations_are_refused_without_the_sandbox(
    render: Render, gs_settings: Settings, recorder: Recorder, tmp_path: Path, name: str,
    to: str | None,
) -> None:  # fmt: skip
    """Impress loads linked images whatever the profile says: without bubblewrap a
    presentation, also one dressed as a Word file, must not reach it."""
    content = linked_odp([f"{recorder.url}/spool/FJOTHER/0.png"])
    if to is not None:
        source = tmp_path / "slides.odp"
        source.write_bytes(content)
        content = _saved_as(source, to)
    recorder.requests.clear()  # making the copy may have fetched; only the render counts

    with pytest.raises(RenderFailure) as caught:
        _page_black(render, gs_settings.with_overrides(sandbox="off"), name, content)

    assert recorder.requests == []
    assert caught.value.status is FaxStatus.RENDERING_ERROR
    if name != "letter.doc":  # that one fails as a Word file LibreOffice cannot read
        assert "bubblewrap" in caught.value.reason, caught.value.reason


@needs_soffice
@needs_gs
@pytest.mark.parametrize("extension", ["odt", "docx", "doc", "rtf", "xlsx", "xls", "ods"])
def test_other_office_documents_still_render_without_the_sandbox(
    render: Render, gs_settings: Settings, tmp_path: Path, extension: str
) -> None:
    if extension in {"xlsx", "xls", "ods"}:
        source = tmp_path / "sheet.csv"
        source.write_text("Dear,customer\n1,2\n")
    else:
        source = tmp_path / "letter.txt"
        source.write_text("Dear customer,\n")
    content = _saved_as(source, extension)
    settings = gs_settings.with_overrides(sandbox="off")

    black = _page_black(render, settings, f"x.{extension}", content)

    assert black > 100, "the document's own text is rendered"


# --- PostScript against the host's /tmp, data dir and environment -----------------------------

# Each probe paints its own band black when it succeeds; the last band is always painted,
# to show the page did render. Errors are caught so every probe runs.
_PROBES_PS = """%!PS
/band {{ 0 exch 120 mul 40 add 612 100 rectfill }} def
/hit 0 def
{{ (/tmp/*) {{ ({marker}) search {{ pop pop pop /hit 1 def }} {{ pop }} ifelse }}
   1024 string filenameforall }} stopped pop
hit 1 eq {{ 0 band }} if
{{ ({tmp_secret}) (r) file 64 string readstring pop ({secret}) eq {{ 1 band }} if }} stopped pop
{{ ({data_secret}) (r) file 64 string readstring pop ({secret}) eq {{ 2 band }} if }} stopped pop
{{ ({written}) (w) file dup (written) writestring closefile 3 band }} stopped pop
{{ (FAXGATE_TEST_SECRET) getenv {{ ({secret}) eq {{ 4 band }} if }} if }} stopped pop
5 band
showpage
"""


@needs_gs
@pytest.mark.parametrize("mode", MODES)
def test_postscript_cannot_list_read_or_write_the_hosts_files(
    render: Render, gs_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:  # fmt: skip
    gs_settings = gs_settings.with_overrides(sandbox=mode)
    secret = secrets.token_hex(8)
    marker = f"faxgate-test-secret-{secrets.token_hex(4)}"
    tmp_secret = Path("/tmp") / marker
    data_secret = tmp_path / "data" / "faxgate.db"
    written = Path("/tmp") / f"faxgate-test-written-{secrets.token_hex(4)}"
    data_secret.parent.mkdir()
    data_secret.write_text(secret)
    tmp_secret.write_text(secret)
    monkeypatch.setenv("FAXGATE_TEST_SECRET", secret)
    program = _PROBES_PS.format(
        marker=marker, tmp_secret=tmp_secret, data_secret=data_secret, secret=secret,
        written=written,
    )  # fmt: skip
    try:
        _count, pages = render(make_job((doc("probe.ps", program.encode()),)), gs_settings)
    finally:
        tmp_secret.unlink()
        host_written = written.exists()
        written.unlink(missing_ok=True)

    page = pages[0].image
    bands = []
    for index in range(6):  # a band is 100 pt at 196 dpi (fine rows), from the page bottom
        bottom = page.height - int((40 + 120 * index) * 196 / 72)
        top = bottom - int(100 * 196 / 72)
        bands.append(black_pixels(page, (100, top + 20, 1600, bottom - 20)))
    full = 1500 * (int(100 * 196 / 72) - 40)
    assert bands[5] > 0.9 * full, "the control band is painted"
    names = ["/tmp listing", "/tmp secret", "data dir secret", "/tmp write", "environment"]
    succeeded = [name for name, black in zip(names, bands, strict=False) if black > 0.1 * full]
    assert succeeded == []
    assert not host_written


# --- the sandbox itself -------------------------------------------------------------------------


def test_converter_has_no_network(bwrap: sandbox.Sandbox, tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    script = f"echo hello > /dev/tcp/127.0.0.1/{port} && echo connected || echo refused"
    try:
        with sandbox.jail(bwrap) as box:
            output = converters.run(["bash", "-c", script], jail=box, timeout=30, what="bash")
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert b"refused" in output


@needs_soffice
def test_libreoffice_in_the_sandbox_fetches_nothing_even_with_a_default_profile(
    bwrap: sandbox.Sandbox, recorder: Recorder, tmp_path: Path
) -> None:
    """The sandbox alone, without the profile's link settings, keeps LibreOffice offline."""
    source = tmp_path / "letter.odt"
    source.write_bytes(linked_odt([f"{recorder.url}/0.png"]))
    out = tmp_path / "out"
    out.mkdir()
    with sandbox.jail(bwrap, reads=[source], writes=[out]) as box:
        profile = (box.temp / "profile").as_uri()
        args = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
                "--convert-to", "pdf", "--outdir", str(out), str(source)]  # fmt: skip
        converters.run(args, jail=box, timeout=120, what="LibreOffice")
    assert (out / "letter.pdf").is_file()
    assert recorder.requests == []


def test_the_network_probe_connects_without_the_sandbox() -> None:
    """The fallback cannot cut the network (documented); this also shows the probe of the
    test above is real."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    script = f"echo hello > /dev/tcp/127.0.0.1/{port} && echo connected || echo refused"
    try:
        with sandbox.jail(sandbox.sandbox_for("off")) as box:
            output = converters.run(["bash", "-c", script], jail=box, timeout=30, what="bash")
    finally:
        listener.close()
    assert b"connected" in output


_LOOK_AROUND = """
stat -c '%a' "$TMPDIR"; ls -A "$TMPDIR" | wc -l
echo "$HOME"; pwd; echo "$TMPDIR"
ls -A /tmp | tr '\\n' ' '; echo
test -e {data} && echo data-visible || echo data-hidden
env | cut -d= -f1 | tr '\\n' ' '
"""


@pytest.mark.parametrize("mode", ["bwrap", "off"])
def test_each_conversion_gets_a_private_temp_dir_that_is_removed(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    box_sandbox = request.getfixturevalue("bwrap") if mode == "bwrap" else sandbox.sandbox_for(mode)
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("FAXGATE_TEST_SECRET", "x")
    with sandbox.jail(box_sandbox) as box:
        temp = box.temp
        lines = (
            converters.run(
                ["sh", "-c", _LOOK_AROUND.format(data=data)], jail=box, timeout=30, what="sh"
            )
            .decode()
            .splitlines()
        )
    assert lines[0] == "700"
    assert lines[1] == "0"  # empty
    assert lines[2] == lines[3] == lines[4] == str(temp)
    assert not temp.exists()
    assert "FAXGATE_TEST_SECRET" not in lines[7]
    if mode == "bwrap":
        assert lines[6] == "data-hidden"
        # /tmp holds at most the path down to the run's own temp dir
        own = {temp.relative_to("/tmp").parts[0]} if temp.is_relative_to("/tmp") else set()
        assert set(lines[5].split()) <= own, lines[5]


def test_a_timeout_kills_everything_in_the_sandbox(bwrap: sandbox.Sandbox) -> None:
    marker = f"{1000 + secrets.randbelow(1000)}.{secrets.randbelow(1000):03d}"
    script = f"sleep {marker} & sleep {marker} & wait"
    with sandbox.jail(bwrap) as box, pytest.raises(RenderFailure, match="longer than"):
        converters.run(["sh", "-c", script], jail=box, timeout=1, what="sh")
    sleepers = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _cmdline(entry) == f"sleep\0{marker}\0"
    ]
    assert all_gone(sleepers, within=5)
    assert not any(
        _cmdline(entry) == f"sleep\0{marker}\0"
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit()
    )


def _cmdline(entry: Path) -> str:
    try:
        return (entry / "cmdline").read_text()
    except OSError:
        return ""


_PARENT = """
import sys, time
from faxgate.domain.statuses import FaxStatus
from faxgate.render import converters, sandbox
with sandbox.jail(sandbox.sandbox_for(sys.argv[1])) as box:
    process = converters.start(["sleep", "60.5"], jail=box, timeout=60)
    print(process.pid, flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_sandboxed_converter_dies_with_a_killed_render_process(mode: str, tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, mode], stdout=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # its jail outlives it: not in /tmp
    )  # fmt: skip
    try:
        assert parent.stdout is not None
        converter = int(parent.stdout.readline())
        assert running(converter)
        deadline = time.monotonic() + 10
        sleeper: list[int] = []
        while not sleeper and time.monotonic() < deadline:
            sleeper = [
                int(entry.name)
                for entry in Path("/proc").iterdir()
                if entry.name.isdigit() and _cmdline(entry) == "sleep\x0060.5\0"
            ]
        assert sleeper
        parent.kill()
        parent.wait(10)
        assert all_gone([converter, *sleeper], within=5)
    finally:
        parent.kill()
        parent.wait()


# --- the LibreOffice profile --------------------------------------------------------------------


# A render process: renders one office document, then prints "done" and waits for stdin.
_RENDER_PROCESS = """
import sys
from pathlib import Path
from faxgate.config import Settings
from faxgate.render import render_fax
from tests.render.conftest import RECIPIENT, doc, make_job
from tests.render.test_sandbox import linked_odt
work = Path(sys.argv[1])
settings = Settings(rasteriser="ghostscript", converter_timeout_secs=60, sandbox=sys.argv[2])
for number in range(2):
    job = make_job((doc("letter.odt", linked_odt([])),))
    render_fax(job, RECIPIENT, settings, work / f"cache{number}", work / f"out{number}.tiff")
print("done", flush=True)
sys.stdin.read()
"""


@needs_soffice
@needs_gs
@pytest.mark.parametrize("mode", MODES)
def test_libreoffice_profile_is_private_and_removed(tmp_path: Path, mode: str) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    seen: dict[str, int] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for entry in os.scandir(system_tmp):
                with contextlib.suppress(FileNotFoundError):
                    seen.setdefault(entry.name, stat.S_IMODE(entry.stat().st_mode))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    process = subprocess.Popen(
        [sys.executable, "-c", _RENDER_PROCESS, str(tmp_path), mode],
        env={**os.environ, "TMPDIR": str(system_tmp)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline() == b"done\n"
        kept = {entry.name for entry in system_tmp.iterdir()}
        process.stdin.close()
        assert process.wait(60) == 0
    finally:
        process.kill()
        done.set()
        watcher.join()
    assert seen, "the conversions used the system temp dir"
    # private: no group or other bits (dirs are 0700; the only file is the 0600 probe that
    # Python's tempfile writes and deletes when it first picks the temp dir)
    assert all(mode & 0o077 == 0 for mode in seen.values()), seen
    assert all(mode == 0o700 for name, mode in seen.items() if name.startswith("faxgate-")), seen
    assert all(name.startswith("faxgate-lo-profile-") for name in kept), kept  # the template
    assert list(system_tmp.iterdir()) == []


@needs_soffice
def test_render_processes_killed_mid_conversion_leave_no_temp_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio  # noqa: PLC0415

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    settings = Settings(render_processes=1, render_timeout_secs=0.5)

    async def main() -> None:
        renderer = Renderer(settings)
        try:
            with pytest.raises(RenderFailure, match="longer than"):
                await renderer.render(
                    make_job((doc("letter.odt", linked_odt([])),)), RECIPIENT,
                    tmp_path / "cache", tmp_path / "out.tiff",
                )  # fmt: skip
        finally:
            renderer.close()

    asyncio.run(main())
    deadline = time.monotonic() + 10
    while list(system_tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(system_tmp.iterdir()) == []


# --- the setting ---------------------------------------------------------------------------------


def test_bwrap_mode_refuses_to_start_without_bubblewrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on the PATH
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap"):
        Renderer(Settings(sandbox="bwrap", render_processes=1))


def test_auto_mode_without_bubblewrap_warns_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with capture_logs() as events:
        Renderer(Settings(sandbox="auto", render_processes=1)).close()
    warnings = [event for event in events if event["log_level"] == "warning"]
    assert warnings, events
    assert "without a sandbox" in warnings[0]["event"].lower()
    assert "apt install bubblewrap" in warnings[0]["event"]
    assert "not installed" in warnings[0]["reason"]


def test_temp_dirs_of_a_killed_service_are_removed_at_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    finished = subprocess.Popen(["true"])
    finished.wait()
    orphan = tmp_path / f"faxgate-render-{finished.pid}-abc"
    live = tmp_path / f"faxgate-render-{os.getpid()}-def"
    for directory in (orphan, live):
        (directory / "faxgate-convert-x" / "profile").mkdir(parents=True)
    Renderer(Settings(render_processes=1)).close()
    assert not orphan.exists()
    assert live.exists()
    assert [entry.name for entry in tmp_path.iterdir()] == [live.name]


def test_sandbox_setting_is_read_and_checked() -> None:
    assert Settings.from_env({"FAXGATE_SANDBOX": "bwrap"}).sandbox == "bwrap"
    with pytest.raises(ValueError, match="FAXGATE_SANDBOX"):
        sandbox.sandbox_for("sometimes")


# --- in-process decoders --------------------------------------------------------------------------

_HOSTILE_HTML = """<!doctype html><html><head>
<link rel="stylesheet" href="{url}/style.css">
<style>
@import url("{url}/import.css");
@font-face {{ font-family: x; src: url("{url}/font.woff"); }}
body {{ background: url("{url}/background.png"); font-family: x, sans-serif; }}
.file {{ background: url("{black_uri}"); width: 300px; height: 300px; }}
</style></head><body>
<p>A letter with hostile references.</p>
<img src="{url}/img.png" width="300" height="300">
<img src="{black_uri}" width="300" height="300">
<img src="data:image/svg+xml,{svg}" width="300" height="300">
<object data="{url}/object.pdf"></object><iframe src="{url}/frame.html"></iframe>
<div class="file"></div>
</body></html>"""
_SVG = (
    "%3Csvg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
    "width='300' height='300'%3E%3Cimage xlink:href='{url}/svg.png' width='300' height='300'/%3E"
    "%3Cimage href='{black_uri}' width='300' height='300'/%3E%3C/svg%3E"
)
_PLAIN_HTML = "<!doctype html><html><body><p>A letter with hostile references.</p></body></html>"


@pytest.mark.parametrize("rasteriser", ["pdfium", pytest.param("ghostscript", marks=needs_gs)])
def test_in_process_decoders_fetch_nothing(
    render: Render, recorder: Recorder, planted_black: Path, rasteriser: str
) -> None:
    black_uri = (planted_black / "0.png").as_uri()
    svg = _SVG.format(url=recorder.url, black_uri=black_uri)
    html = _HOSTILE_HTML.format(url=recorder.url, black_uri=black_uri, svg=svg)
    settings = Settings(rasteriser=rasteriser, converter_timeout_secs=60)
    pdf = text_pdf(1)
    documents = (doc("letter.html", html.encode()), doc("scan.pdf", pdf))

    _count, pages = render(make_job(documents, cover_html=html), settings)
    _count, control = render(
        make_job((doc("letter.html", _PLAIN_HTML.encode()),), cover_html=_PLAIN_HTML), settings
    )

    assert recorder.requests == []
    for page, plain in zip(pages[:2], control, strict=True):  # the cover, then the HTML
        assert black_pixels(page.image) <= black_pixels(plain.image) + 5_000
