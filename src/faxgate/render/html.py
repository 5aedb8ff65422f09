"""HTML → PDF with WeasyPrint; external resources are never fetched.

Documents and cover templates come from clients, so a `<img src="http://10.0.0.1/…">` or
`file:///etc/passwd` must not make the service reach anything: only `data:` URLs load.
WeasyPrint is imported on first use (0.5 s), so processes that never see HTML skip it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faxgate.render.errors import rendering_error

_PAGE_CSS = {
    "A4": "@page { size: A4; margin: 15mm }",
    "LETTER": "@page { size: letter; margin: 15mm }",
}


def html_document(html: str, paper: str) -> Any:
    """The laid-out WeasyPrint document (its `.pages` tells how many pages it takes)."""
    from weasyprint import CSS, HTML, URLFetcher  # noqa: PLC0415 (heavy, lazily loaded)

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    try:
        return HTML(string=html, url_fetcher=fetcher, base_url="about:blank").render(
            stylesheets=[CSS(string=_PAGE_CSS[paper])]
        )
    except Exception as exc:  # WeasyPrint raises many kinds; all mean the same to the client
        raise rendering_error(f"the HTML cannot be laid out: {exc}") from exc


def html_to_pdf(html: str, paper: str, output: Path) -> Path:
    html_document(html, paper).write_pdf(str(output))
    return output
