"""Block lists: the account's own list (PBLACKLIST) always, the do-not-fax file (BLACKLIST)
when the job asks for the check. A blocked number is never dialled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faxgate.service.account_admin import set_block_list
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio


async def test_block_lists(make_service: ServiceFactory, tmp_path: Path) -> None:
    deny = tmp_path / "do-not-fax.txt"
    deny.write_text("# Robinson list\n+49 30 111\n0044\n", encoding="utf-8")
    async with make_service(blocklist_file=deny) as service:
        await set_block_list(service.db, CUST_NR, ["+49 89 5"], [])
        checked: dict[str, Any] = {"transportOptions": {"isBlacklistEnabled": True}}
        cases = {
            "own list": (job("+49 89 555"), "PBLACKLIST"),
            "deny list, checked": (job("+49 30 111", **checked), "BLACKLIST"),
            "deny prefix, checked": (job("+44 20 7946", **checked), "BLACKLIST"),
            "deny list, not checked": (job("+49 30 111"), "OK"),
            "not listed, checked": (job("+49 30 222", **checked), "OK"),
        }
        results = {}
        for name, (body, _) in cases.items():
            job_id = await send(service.client, body)
            report = await wait_final(service.client, job_id)
            detail = (await service.client.get(f"/faxgate/v1/jobs/{job_id}")).json()
            results[name] = (report["recipientStatus"][0], detail["attempts"])
    for name, (_, expected) in cases.items():
        recipient, attempts = results[name]
        assert recipient["status"] == expected, name
        if expected != "OK":
            assert attempts == [], f"{name}: a blocked number was dialled"
            assert "not dialled" in recipient["reason"]
