"""Region emulation in one process: an HA URL that places jobs on two DCs, DC URLs that
see their own jobs (strict, as Retarus) or every job of the login (shared)."""

from __future__ import annotations

import pytest

from faxgate.api import datacenters
from faxgate.domain.ids import dc_of
from tests.api.helpers import wait_final
from tests.conftest import CUST_NR
from tests.documents import job
from tests.pipeline.conftest import ServiceFactory

pytestmark = pytest.mark.anyio
HA, DE1, DE2 = "/rest/v1", "/de1/rest/v1", "/de2/rest/v1"


def _fax(base: str, path: str = "") -> str:
    return f"{base}/{CUST_NR}/fax{path}"


async def test_strict_region(make_service: ServiceFactory) -> None:
    async with make_service(mounts=datacenters.region("de", shared_reports=False)) as service:
        client = service.client
        placed = [
            (await client.post(_fax(HA), json=job("+99900"))).json()["jobId"] for _ in range(4)
        ]
        assert sorted(dc_of(job_id) for job_id in placed) == ["DE1", "DE1", "DE2", "DE2"]
        direct = (await client.post(_fax(DE2), json=job("+99900"))).json()["jobId"]
        assert dc_of(direct) == "DE2"
        for job_id in placed:
            owner, other = (DE1, DE2) if dc_of(job_id) == "DE1" else (DE2, DE1)
            assert (await client.get(_fax(owner, f"/reports/{job_id}"))).status_code == 200
            assert (await client.get(_fax(other, f"/reports/{job_id}"))).status_code == 404
            assert (await client.delete(_fax(other, f"/reports/{job_id}"))).status_code == 404
        for method, path in [
            ("GET", "/reports"),
            ("DELETE", "/reports"),
            ("GET", f"/reports/{placed[0]}"),
        ]:
            refused = await client.request(method, _fax(HA, path))
            assert refused.status_code == 421
            assert DE1 in refused.json()["error"] and DE2 in refused.json()["error"]
        bulk = await client.post(_fax(HA, "/reports"), json={"action": "GET", "jobIds": placed})
        assert bulk.status_code == 421
        for job_id in [*placed, direct]:
            owner = DE1 if dc_of(job_id) == "DE1" else DE2
            await wait_final(client, job_id, base=owner)
        listed = {
            base: {r["jobId"] for r in (await client.get(_fax(base, "/reports"))).json()["reports"]}
            for base in (DE1, DE2)
        }
    assert listed[DE1] == {j for j in placed if dc_of(j) == "DE1"}
    assert listed[DE2] == {j for j in [*placed, direct] if dc_of(j) == "DE2"}


async def test_shared_reports_region(make_service: ServiceFactory) -> None:
    async with make_service(mounts=datacenters.region("us", shared_reports=True)) as service:
        client = service.client
        placed = [
            (await client.post(_fax(HA), json=job("+99900"))).json()["jobId"] for _ in range(2)
        ]
        assert {dc_of(job_id) for job_id in placed} == {"US1", "US2"}
        for base in (HA, "/us1/rest/v1", "/us2/rest/v1"):
            for job_id in placed:
                assert (await client.get(_fax(base, f"/reports/{job_id}"))).status_code == 200
