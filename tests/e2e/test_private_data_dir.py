"""A real `faxgate serve` keeps its data to its own user: the data directory 0700, the
database, the key file and every fax image 0600, including a data directory made by an
older version with the usual 0755/0644."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.documents import job
from tests.e2e.conftest import FaxgateServer, ServerFactory
from tests.e2e.final import final_report


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def wait_final(server: FaxgateServer, job_id: str) -> None:
    report = final_report(server, job_id)
    assert [r["status"] for r in report["recipientStatus"]] == ["OK"], report


@pytest.mark.parametrize("db_url", [None], ids=["sqlite"])  # the database file is in the dir
def test_data_dir_and_files_are_private_after_a_fax(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(start=False)
    data = server.data_dir
    # as an older version (or a default umask) left them
    data.chmod(0o755)
    (data / "faxgate.db").chmod(0o644)
    (data / "spool").mkdir(mode=0o755)
    (data / "spool").chmod(0o755)
    server.start()

    with server.client() as client:
        sent = client.post(server.fax_url(), json=job("+99900"))
    assert sent.status_code == 201, sent.text
    job_id = sent.json()["jobId"]
    wait_final(server, job_id)

    assert mode(data) == 0o700
    assert mode(data / "spool") == 0o700
    received = data / "received" / job_id / "0.tiff"
    files = [
        data / "faxgate.db",
        data / "faxgate.db-wal",
        data / "secret.key",
        data / "spool" / job_id / "0.tiff",
        received,
    ]
    for path in files:
        assert mode(path) == 0o600, f"{path} is {oct(mode(path))}"
    for directory in (data / "received", received.parent, data / "spool" / job_id):
        assert mode(directory) == 0o700, f"{directory} is {oct(mode(directory))}"
