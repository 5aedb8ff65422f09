"""Cover pages: a Jinja2 HTML template filled per recipient, laid out on exactly one page.

Templates come from accounts, so they run sandboxed with autoescape: a recipient property
such as `<script>` stays literal text. Undefined keys render empty. A template that would
take more than one page fails the recipient instead of silently sending two cover pages.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image

from faxgate.render import pdfium
from faxgate.render.errors import rendering_error
from faxgate.render.html import HtmlPageLimit, html_document
from faxgate.render.model import RenderJob, RenderRecipient

DEFAULT_COVER_NAME = "coverpage-default.ftl.html"
DEFAULT_COVER_HTML: str = (
    resources.files("faxgate.render")
    .joinpath("templates", "coverpage-default.html")
    .read_text("utf-8")
)


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=jinja2.ChainableUndefined)


def check_template(template_html: str) -> None:
    """Upload-time check: ValueError naming the syntax fault of a cover template."""
    try:
        _environment().from_string(template_html)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"cover template line {exc.lineno}: {exc.message}") from exc


def cover_html(
    template_html: str, job: RenderJob, recipient: RenderRecipient, total_pages: int, now: datetime
) -> str:
    values = dict(recipient.properties)
    values.setdefault("ToFaxNum", recipient.number)
    context = {
        **values,
        "properties": values,
        "recipient_number": recipient.number,
        "csid": job.csid,
        "job_id": job.job_id,
        "total_pages": total_pages,
        "date": now.strftime("%Y-%m-%d"),
        "time": now.strftime("%H:%M"),
    }
    try:
        return _environment().from_string(template_html).render(context)
    except jinja2.TemplateError as exc:
        raise rendering_error(f"the cover page template cannot be filled: {exc}") from exc


def cover_grey(html: str, paper: str, rows: int, work_dir: Path) -> Image.Image:
    """The cover page as a mode-L body image at fine resolution."""
    try:
        document = html_document(html, paper, max_pages=1)
    except HtmlPageLimit:
        raise rendering_error(
            "the cover page does not fit on one page (it would take more than one)"
        ) from None
    pdf = work_dir / "cover.pdf"
    document.write_pdf(str(pdf))
    return next(iter(pdfium.grey_pages(pdf, "cover page", rows)))
