"""The `faxgate` console script against a real server and its real data directory/database."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx

from tests.documents import job, pdf
from tests.e2e.conftest import CUST_NR, FaxgateServer, run_cli
from tests.e2e.final import final_report

JOB_ID = re.compile(r"\bFJ[A-Z0-9]{20}\b")


def out(done: subprocess.CompletedProcess[str]) -> str:
    """What a finished command printed, for assertion messages."""
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"


def test_numbers_lists_the_test_plan() -> None:
    text = run_cli("numbers")
    assert text.returncode == 0, out(text)
    rows = [line.split() for line in text.stdout.splitlines() if line.startswith("+999")]
    lines = {row[0]: row[1] for row in rows}
    assert lines["+99900"] == "OK"
    assert lines["+99901"] == "BUSY"
    assert lines["+99922"] == "WRONG_NO"

    as_json = run_cli("numbers", "--json")
    assert as_json.returncode == 0, out(as_json)
    plan = json.loads(as_json.stdout)
    by_number = {entry["number"]: entry for entry in plan}
    assert by_number["+99900"]["status"] == "OK"
    assert by_number["+99901"]["status"] == "BUSY"
    assert all(entry["description"] for entry in plan)
    assert set(by_number) == set(lines), "text and JSON list the same numbers"


def test_accounts_add_and_list_serve_the_running_server(server: FaxgateServer) -> None:
    # `accounts add` ran before the start (fixture); now add a second login while it runs.
    added = run_cli(
        "accounts",
        "add",
        *("--cust-nr", CUST_NR, "--login", "bob", "--password", "bob-secret"),
        *server.store_args(),
        env=server.env,
    )
    assert added.returncode == 0, out(added)
    assert "bob" in added.stdout

    listed = run_cli("accounts", "list", *server.store_args(), env=server.env)
    assert listed.returncode == 0, out(listed)
    rows = [line.split("\t") for line in listed.stdout.splitlines() if line.strip()]
    assert sorted(rows) == [[CUST_NR, "alice"], [CUST_NR, "bob"]], listed.stdout

    # Both logins work against the server that was already running.
    for login, password in [(server.login, server.password), ("bob", "bob-secret")]:
        response = httpx.get(server.fax_url("/reports"), auth=(login, password), timeout=30)
        assert response.status_code == 200, (login, response.status_code, response.text)
    wrong = httpx.get(server.fax_url("/reports"), auth=("bob", "not-it"), timeout=30)
    assert wrong.status_code == 401


def test_send_and_reports(server: FaxgateServer, tmp_path: Path) -> None:
    document = tmp_path / "letter.pdf"
    document.write_bytes(pdf(1))

    ok = server.cli("send", str(document), "--to", "+99900")
    assert ok.returncode == 0, out(ok)
    ok_ids = JOB_ID.findall(ok.stdout)
    assert ok_ids, out(ok)
    ok_id = ok_ids[0]
    assert f"job {ok_id}: OK" in ok.stdout, out(ok)

    # Options on the command line instead of FAXGATE_* variables.
    busy = run_cli(
        "send",
        str(document),
        *("--to", "+99901", "--url", server.url, "--cust-nr", server.cust_nr),
        *("--login", server.login, "--password", server.password),
    )
    assert busy.returncode == 1, out(busy)
    assert "BUSY" in busy.stdout, out(busy)
    busy_id = JOB_ID.findall(busy.stdout)[0]
    assert f"job {busy_id}: failed" in busy.stdout, out(busy)

    listed = server.cli("reports", "list")
    assert listed.returncode == 0, out(listed)
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.stdout.splitlines()}
    assert rows[ok_id][1:] == ["1", "OK"], listed.stdout
    assert rows[busy_id][2] == "BUSY", listed.stdout

    got = server.cli("reports", "get", ok_id)
    assert got.returncode == 0, out(got)
    report = json.loads(got.stdout)
    assert report["jobId"] == ok_id
    assert [(r["number"], r["status"]) for r in report["recipientStatus"]] == [("+99900", "OK")]

    deleted = server.cli("reports", "delete", ok_id)
    assert deleted.returncode == 0, out(deleted)
    assert deleted.stdout.split() == [ok_id, "deleted"], out(deleted)

    with server.client() as client:  # the API agrees; a third job, sent without the CLI
        assert client.get(server.fax_url(f"/reports/{ok_id}")).status_code == 404
        sent = client.post(server.fax_url(), json=job("+99900"))
        assert sent.status_code == 201, sent.text
        third_id = sent.json()["jobId"]
    final_report(server, third_id)

    oldest = server.cli("reports", "delete", "--oldest")
    assert oldest.returncode == 0, out(oldest)
    assert sorted(line for line in oldest.stdout.split("\n") if line) == sorted(
        [f"{busy_id}\tdeleted", f"{third_id}\tdeleted"]
    ), out(oldest)
    with server.client() as client:
        assert client.get(server.fax_url("/reports")).json() == {"reports": []}
