"""The official Python SDK (`retarus-fax` 1.0.1) against the nginx two-DC deployment.

Configured as spec §11.1 says — `ha_uri` the HA URL, `urls` the DC URLs, de2 first — the
SDK's sends go through nginx to either DC and survive a DC going down. Its report calls
reach only what its `retarus-common` asks: 0.1.2 (what pip installs) queries the first DC
URL alone, so the other DC's reports read as "not found" (False); 0.1.3 falls back to the
next DC URL on 404. An SDK pointed at the HA URL for reports gets an error, not "not found".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faxgate.domain.ids import dc_of
from tests.documents import pdf
from tests.e2e.conftest import CUST_NR, LOGIN, PASSWORD
from tests.e2e.sdk import run_driver
from tests.ha.conftest import Deployment
from tests.ha.test_nginx_ha import final_report

DRIVER = Path(__file__).with_name("sdk_ha_driver.py")
ROUNDS = 4


def drive(sdk_python: Path, deploy: Deployment, document: Path, *action: str) -> dict[str, Any]:
    return run_driver(
        sdk_python,
        DRIVER,
        *("--ha-url", deploy.ha_url),
        *("--dc-urls", f"{deploy.dc_url('DE2')},{deploy.dc_url('DE1')}"),
        *("--cust-nr", CUST_NR, "--login", LOGIN, "--password", PASSWORD),
        *("--pdf", str(document), *action),
    )


def test_official_python_sdk_through_nginx(
    sdk_python: Path, deployment: Deployment, tmp_path: Path
) -> None:
    document = tmp_path / "letter.pdf"
    document.write_bytes(pdf(1))

    # send_fax_job → POST {ha_uri}/rest/v1/{cust}/fax → nginx → either DC
    job_ids: list[str] = []
    for _ in range(ROUNDS):
        sent = drive(sdk_python, deployment, document, "send", "--count", "4")["sent"]
        job_ids += [s["jobId"] for s in sent]
        if {dc_of(job_id) for job_id in job_ids} == {"DE1", "DE2"}:
            break
    by_dc = {code: [j for j in job_ids if dc_of(j) == code] for code in ("DE1", "DE2")}
    assert all(by_dc.values()), f"SDK sends did not reach both DCs: {by_dc}"
    with deployment.client() as client:
        for job_id in job_ids:
            final_report(client, deployment.dc_url(dc_of(job_id)), job_id)

    # get_fax_report / get_fax_reports → the DC URLs, de2 first
    out = drive(sdk_python, deployment, document, "query", "--ids", ",".join(job_ids))
    reports = out["reports"]
    for job_id in by_dc["DE2"]:
        assert reports[job_id]["jobId"] == job_id, reports[job_id]
    for job_id in by_dc["DE1"]:
        if out["retarus-common"] == "0.1.2":  # asks urls[0] only: de1's jobs are not found
            assert reports[job_id] is False, reports[job_id]
        else:  # 0.1.3 and later try the next DC URL on 404
            assert reports[job_id]["jobId"] == job_id, reports[job_id]
    # the list comes from the first DC URL only, in either version (never merged)
    assert sorted(r["jobId"] for r in out["listed"]["reports"]) == sorted(by_dc["DE2"])

    # a client that sends report calls to the HA URL gets an error, not "no report"
    misdirected = drive(sdk_python, deployment, document, "misdirected", "--ids", job_ids[0])
    assert misdirected.get("raised") == "SDKError", misdirected

    # de1 down: the SDK's sends still succeed, all on de2, and it finds their reports there
    deployment.dcs["DE1"].stop()
    after = [
        s["jobId"] for s in drive(sdk_python, deployment, document, "send", "--count", "4")["sent"]
    ]
    assert {dc_of(job_id) for job_id in after} == {"DE2"}, after
    with deployment.client() as client:
        for job_id in after:
            final_report(client, deployment.dc_url("DE2"), job_id)
    found = drive(sdk_python, deployment, document, "query", "--ids", ",".join(after))["reports"]
    assert all(found[job_id]["jobId"] == job_id for job_id in after), found
