"""A long fax becomes a PDF one page at a time: 300 decoded fax pages (about 1.1 GB) would
not fit in the child's 1 GiB address space, and the peak stays far below it."""

from __future__ import annotations

import pytest

from tests.bombs import CEILING, MiB, run_limited

PAGES = 300

CONVERT_IN_CHILD = """
    import io, sys
    from PIL import Image
    from pypdf import PdfReader
    from faxgate.notify.images import tiff_to_pdf

    page = Image.new("1", (1728, 2200), 1)
    page.paste(0, (100, 100, 1600, 180))
    tiff = io.BytesIO()
    page.save(tiff, format="TIFF", compression="group4", save_all=True,
              append_images=[page] * (int(sys.argv[1]) - 1), dpi=(204, 196))
    pdf = tiff_to_pdf(tiff.getvalue())
    print("pages", len(PdfReader(io.BytesIO(pdf)).pages))
"""


@pytest.mark.timeout(300)
def test_a_300_page_fax_becomes_a_pdf_within_bounded_memory() -> None:
    run = run_limited(CONVERT_IN_CHILD, str(PAGES))
    assert run.returncode == 0, run.describe()
    assert run.stdout.split() == ["pages", str(PAGES)], run.describe()
    assert run.peak_rss < CEILING, f"peak {run.peak_rss / MiB:.0f} MiB\n{run.describe()}"
