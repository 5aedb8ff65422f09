"""Documents → fax pages (1-bit, 1728 px wide, TIFF Class F G4): the render package.

The contract the rest of the service uses is re-exported here; see docs/rendering.md.
"""

from faxgate.render.compose import render_fax
from faxgate.render.cover import DEFAULT_COVER_HTML, DEFAULT_COVER_NAME, check_template
from faxgate.render.errors import DocumentRejected, RenderFailure
from faxgate.render.model import OverlaySpec, RenderJob, RenderRecipient, SourceDocument
from faxgate.render.overlay_image import check_overlay
from faxgate.render.pool import Renderer
from faxgate.render.precheck import precheck_document
from faxgate.render.preview import page_png

__all__ = [
    "DEFAULT_COVER_HTML",
    "DEFAULT_COVER_NAME",
    "DocumentRejected",
    "OverlaySpec",
    "RenderFailure",
    "RenderJob",
    "RenderRecipient",
    "Renderer",
    "SourceDocument",
    "check_overlay",
    "check_template",
    "page_png",
    "precheck_document",
    "render_fax",
]
