"""HTML → PDF with WeasyPrint; external resources are never fetched.

Documents and cover templates come from clients, so a `<img src="http://10.0.0.1/…">` or
`file:///etc/passwd` must not make the service reach anything: only `data:` URLs load.
WeasyPrint is imported on first use (0.5 s), so processes that never see HTML skip it.

WeasyPrint parses, styles and boxes the whole document before it lays out the first page,
so the number of tags is limited first. Layout then stops at the first page over the page
limit (a document of page breaks makes hundreds of thousands): WeasyPrint reports each page
it lays out on its progress logger, and a filter there counts them.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from faxgate.render.errors import rendering_error

_PAGE_CSS = {
    "A4": "@page { size: A4; margin: 15mm }",
    "LETTER": "@page { size: letter; margin: 15mm }",
}
MAX_HTML_TAGS = 50_000  # the default of FAXGATE_MAX_HTML_TAGS (cover templates use it)
_LAYOUT_PAGE = "Step 5 - Creating layout - Page"  # WeasyPrint's progress message per page


class HtmlPageLimit(Exception):
    """The layout went past the page limit and was stopped."""


class _PageCounter(logging.Filter):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(_LAYOUT_PAGE) and record.args:
            page = record.args[0] if isinstance(record.args, tuple) else 0
            if isinstance(page, int) and page > self.limit:
                raise HtmlPageLimit
        return False  # the progress messages themselves are not wanted


@contextmanager
def _page_limit(limit: int) -> Iterator[None]:
    logger = logging.getLogger("weasyprint.progress")
    counter = _PageCounter(limit)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addFilter(counter)
    try:
        yield
    finally:
        logger.removeFilter(counter)
        logger.setLevel(level)


def html_document(html: str, paper: str, *, max_pages: int, max_tags: int = MAX_HTML_TAGS) -> Any:
    """The laid-out WeasyPrint document (its `.pages` tells how many pages it takes);
    HtmlPageLimit when it takes more than `max_pages`."""
    tags = html.count("<")  # tags, comments and stray "<": an upper bound on elements
    if tags > max_tags:
        raise rendering_error(
            f"the HTML has {tags:,} tags, more than the limit of {max_tags:,}"
            " (FAXGATE_MAX_HTML_TAGS)"
        )
    from weasyprint import CSS, HTML, URLFetcher  # noqa: PLC0415 (heavy, lazily loaded)

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    try:
        with _page_limit(max_pages), warnings.catch_warnings():
            # an embedded image over Pillow's bomb limit is refused, not decoded
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return HTML(string=html, url_fetcher=fetcher, base_url="about:blank").render(
                stylesheets=[CSS(string=_PAGE_CSS[paper])]
            )
    except HtmlPageLimit:
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; all mean the same to the client
        raise rendering_error(f"the HTML cannot be laid out: {exc}") from exc


def html_to_pdf(html: str, paper: str, output: Path, *, max_pages: int, max_tags: int) -> Path:
    html_document(html, paper, max_pages=max_pages, max_tags=max_tags).write_pdf(str(output))
    return output
