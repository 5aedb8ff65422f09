"""A fault in the render step that is not a RenderFailure (a bug, a broken data directory)
ends the recipient with RENDERING_ERROR instead of leaving it pending for ever."""

from __future__ import annotations

import pytest

from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spool_dir import image_file
from tests.api.helpers import send, wait_final
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio


async def test_unexpected_render_fault_ends_with_rendering_error(
    make_service: ServiceFactory,
) -> None:
    async with make_service(workers=False) as service:
        job_id = await send(service.client, job("+4930123456"))
        # A directory where the spooled TIFF belongs: reading it raises IsADirectoryError.
        sent = image_file(service.settings.data_dir, ImageKey(job_id, ImageKind.SENT, 0))
        sent.mkdir(parents=True)
        await service.runtime.start_workers()
        report = await wait_final(service.client, job_id)
    [recipient] = report["recipientStatus"]
    assert recipient["status"] == "RENDERING_ERROR"
    assert "internal error while rendering (IsADirectoryError)" in recipient["reason"]
