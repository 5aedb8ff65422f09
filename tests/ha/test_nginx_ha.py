"""Two DCs behind real nginx (deploy/nginx/faxgate-ha.conf), as Fax4A spec §1.2 describes.

Jobs sent to the HA URL are spread over both DCs; each report exists only on the DC that
took the job; report calls to the HA URL are refused with 421 naming the DC URLs; with one
DC down every send still succeeds on the other and finishes there; with both down the HA
URL answers 502 in JSON.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from faxgate.domain.ids import dc_of
from tests.documents import job
from tests.e2e.conftest import CUST_NR
from tests.ha.conftest import Deployment

FINAL_WITHIN = 90.0
MAX_SENDS = 40  # round robin alternates; this many sends hitting one DC only is a failure


def fax_path(path: str = "") -> str:
    return f"/rest/v1/{CUST_NR}/fax{path}"


def send(client: httpx.Client, url: str, number: str = "+4930123456") -> str:
    response = client.post(url, json=job(number))
    assert response.status_code == 201, (url, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    job_id: str = response.json()["jobId"]
    return job_id


def spread_sends(deploy: Deployment, client: httpx.Client) -> dict[str, list[str]]:
    """Send through the HA URL until both DCs took at least two jobs; job IDs by DC code."""
    by_dc: dict[str, list[str]] = {code: [] for code in deploy.dcs}
    # the spellings the SDKs use: plain (Python, Java), `//` (Go), trailing slash
    urls = [
        deploy.ha_url + fax_path(),
        f"{deploy.ha_url}/rest/v1//{CUST_NR}/fax",
        deploy.ha_url + fax_path("/"),
    ]
    for n in range(MAX_SENDS):
        job_id = send(client, urls[n % len(urls)])
        by_dc[dc_of(job_id)].append(job_id)
        if n >= 5 and all(len(ids) >= 2 for ids in by_dc.values()):
            return by_dc
    raise AssertionError(f"{MAX_SENDS} sends did not reach both DCs: {by_dc}")


def final_report(client: httpx.Client, dc_url: str, job_id: str) -> dict[str, Any]:
    """Poll the owning DC until every recipient is final."""
    deadline = time.monotonic() + FINAL_WITHIN
    while True:
        response = client.get(dc_url + fax_path(f"/reports/{job_id}"))
        assert response.status_code == 200, (dc_url, job_id, response.status_code)
        report: dict[str, Any] = response.json()
        if all(r["status"] != "PENDING" for r in report["recipientStatus"]):
            return report
        assert time.monotonic() < deadline, f"{job_id} not final in {FINAL_WITHIN}s: {report}"
        time.sleep(0.1)


def test_sends_spread_over_both_dcs_and_reports_live_on_the_owner(
    deployment: Deployment,
) -> None:
    with deployment.client() as client:
        by_dc = spread_sends(deployment, client)
        for code, job_ids in by_dc.items():
            (other,) = set(deployment.dcs) - {code}
            for job_id in job_ids:
                report = final_report(client, deployment.dc_url(code), job_id)
                assert report["jobId"] == job_id
                assert [r["status"] for r in report["recipientStatus"]] == ["OK"], report
                # the other DC has never heard of it
                missing = client.get(deployment.dc_url(other) + fax_path(f"/reports/{job_id}"))
                assert missing.status_code == 404, (other, job_id, missing.text)
            # each DC's list holds exactly its own jobs
            listed = client.get(deployment.dc_url(code) + fax_path("/reports"))
            assert listed.status_code == 200
            assert sorted(r["jobId"] for r in listed.json()["reports"]) == sorted(job_ids)
            # the DC URL takes sends too, and keeps them
            direct = send(client, deployment.dc_url(code) + fax_path())
            assert dc_of(direct) == code


REFUSED = [  # (method, path under /rest/v1/{custNr}/fax, JSON body); JOB: a real job ID
    ("GET", "/reports", None),
    ("GET", "/reports/JOB", None),
    ("GET", "/reports/JOB/", None),
    ("DELETE", "/reports/JOB", None),
    ("DELETE", "/reports", None),
    ("POST", "/reports", {"action": "GET", "jobIds": ["JOB"]}),
    ("POST", "/reports", {"action": "DELETE", "jobIds": ["JOB"]}),
    ("GET", "", None),
    ("PUT", "", {}),
]


def test_report_calls_to_the_ha_url_are_refused(deployment: Deployment) -> None:
    expected_urls = [deployment.dc_url(code) + "/rest/v1" for code in ("DE1", "DE2")]
    with deployment.client() as client:
        job_ids = [send(client, deployment.ha_url + fax_path()) for _ in range(2)]
        for job_id in job_ids:
            for method, path, body in REFUSED:
                content = json.dumps(body).replace("JOB", job_id) if body is not None else None
                for url in (
                    deployment.ha_url + fax_path(path.replace("JOB", job_id)),
                    f"{deployment.ha_url}/rest/v1//{CUST_NR}/fax{path.replace('JOB', job_id)}",
                ):
                    response = client.request(method, url, content=content)
                    where = (method, url, response.status_code, response.text)
                    assert response.status_code == 421, where
                    assert response.headers["content-type"] == "application/json", where
                    answer = response.json()
                    assert answer["status"] == 421, where
                    assert "data-center URL" in answer["error"], where
                    assert answer["dcUrls"] == expected_urls, where
        # the refused deletes deleted nothing: each owning DC still has its report
        for job_id in job_ids:
            owner = deployment.dc_url(dc_of(job_id))
            assert client.get(owner + fax_path(f"/reports/{job_id}")).status_code == 200


@pytest.mark.parametrize("down", ["DE1", "DE2"])
def test_sends_fail_over_when_one_dc_is_down(deployment: Deployment, down: str) -> None:
    (alive,) = set(deployment.dcs) - {down}
    with deployment.client() as client:
        before = spread_sends(deployment, client)
        deployment.dcs[down].stop()

        # every send through the HA URL still gets its job ID, from the surviving DC
        after = [send(client, deployment.ha_url + fax_path()) for _ in range(8)]
        assert {dc_of(job_id) for job_id in after} == {alive}, after
        for job_id in [*before[alive], *after]:
            report = final_report(client, deployment.dc_url(alive), job_id)
            assert [r["status"] for r in report["recipientStatus"]] == ["OK"], report

        # monitoring through the HA URL sees the DC that is up
        health = client.get(deployment.ha_url + "/faxgate/v1/health")
        assert health.status_code == 200 and health.json()["dc"] == alive.lower()

        # the stopped DC's URL fails plainly, without failing over to the other DC
        gone = client.get(deployment.dc_url(down) + fax_path("/reports"))
        assert gone.status_code == 502, gone.text

        # both down: the HA URL says so in JSON
        deployment.dcs[alive].stop()
        response = client.post(deployment.ha_url + fax_path(), json=job("+4930123456"))
        assert response.status_code == 502, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["dcUrls"] == [
            deployment.dc_url("DE1") + "/rest/v1",
            deployment.dc_url("DE2") + "/rest/v1",
        ]
