"""Kill -9 while faxes are received and polled: after the restart no received fax is lost,
and none is acknowledged that the poller did not acknowledge.

A real `faxgate serve` sends JOBS faxes to an inbound number of its own (each with its own
CSID, which the received fax carries as its remote CSID); two pollers fetch, download and
acknowledge meanwhile. The server is killed with SIGKILL midway and started again on the same
data directory and database; the pollers keep going through the outage.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from faxgate.store.db import open_database
from faxgate.store.tables import faxin_faxes, recipients
from tests.documents import job
from tests.e2e.conftest import FaxgateServer

JOBS = 60
POLLERS = 2
KILL_AFTER_ACKS = 10
WITHIN = 240.0
INBOUND = "+49305550100"
TOPIC = "crash"
TOPIC_PASSWORD = "inbox-pw"
CRASH_ENV = {
    "FAXGATE_SIM_DELAY_SECS": "0.05",
    "FAXGATE_CHANNELS": "4",
    "FAXGATE_CALLS_PER_DESTINATION": "4",
    "FAXGATE_LEASE_SECS": "3",
}


def csid(n: int) -> str:
    return f"SENDER {n:03d}"


@dataclass
class Inbox:
    """What the pollers saw and did, shared between their threads."""

    downloaded: dict[str, str] = field(default_factory=dict)  # fax ID → remote CSID
    ack_sent: set[str] = field(default_factory=set)  # IDs in an acknowledge that was sent
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)


def poll(server: FaxgateServer, inbox: Inbox) -> None:
    try:
        poll_until_stopped(server, inbox)
    except BaseException as exc:  # seen by the test, not lost with the thread
        inbox.errors.append(exc)
        raise


def poll_until_stopped(server: FaxgateServer, inbox: Inbox) -> None:
    """Fetch, download, acknowledge, over and over; a server that is down is waited for."""
    auth = (server.cust_nr, TOPIC_PASSWORD)
    with httpx.Client(auth=auth, timeout=10) as client:
        while not inbox.stop.is_set():
            base = f"{server.url}/faxin/rest/v1"
            try:
                answer = client.post(f"{base}/topics/{TOPIC}", params={"fetch": 5, "timeout": 5})
                assert answer.status_code == 200, answer.text
                results = answer.json()["results"]
                for fax in results:
                    url = fax["documents"][0]["url"]
                    document = client.get(f"{base}/files/{url.rsplit('/', 1)[-1]}")
                    assert document.status_code == 200, document.text
                    assert document.headers["content-type"] == "application/pdf"
                    assert document.content.startswith(b"%PDF")
                    with inbox.lock:
                        inbox.downloaded[fax["id"]] = fax["remoteCsid"]
                ids = [fax["id"] for fax in results]
                if ids:
                    with inbox.lock:
                        inbox.ack_sent.update(ids)  # before sending: it may land unanswered
                    done = client.post(
                        f"{base}/topics/{TOPIC}", params={"fetch": 0, "ids": ",".join(ids)}
                    )
                    assert done.status_code == 200, done.text
                else:
                    time.sleep(0.1)
            except httpx.TransportError:
                time.sleep(0.2)  # killed, or starting again


def read_store(db_url: str) -> tuple[dict[str, tuple[str, bool, bool]], int]:
    """Every fax row (ID → remote CSID, ready, acknowledged) and the pending recipients."""

    async def read() -> tuple[dict[str, tuple[str, bool, bool]], int]:
        db = open_database(db_url)
        try:
            async with db.reader.connect() as conn:
                faxes = (await conn.execute(select(faxin_faxes))).all()
                pending = (
                    await conn.execute(
                        select(recipients.c.job_id).where(recipients.c.status == "PENDING")
                    )
                ).all()
        finally:
            await db.dispose()
        rows = {
            f.fax_id: (f.remote_csid, bool(f.ready), f.acknowledged_at is not None) for f in faxes
        }
        return rows, len(pending)

    return asyncio.run(read())


def test_sigkill_while_receiving_and_polling_loses_no_fax_and_acknowledges_none_unasked(
    faxgate_factory: Callable[..., FaxgateServer],
) -> None:
    server = faxgate_factory(**CRASH_ENV)
    db_url = server.db_url or f"sqlite+aiosqlite:///{(server.data_dir / 'faxgate.db').resolve()}"
    added = server.cli(
        "inbound", "add", "--cust-nr", server.cust_nr, "--number", INBOUND,
        "--topic", TOPIC, "--password", TOPIC_PASSWORD, *server.store_args(),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr

    inbox = Inbox()
    pollers = [threading.Thread(target=poll, args=(server, inbox)) for _ in range(POLLERS)]
    for thread in pollers:
        thread.start()
    try:
        with server.client() as client:
            for n in range(JOBS):
                body = job(INBOUND, transportOptions={"csid": csid(n)})
                response = client.post(server.fax_url(), json=body)
                assert response.status_code == 201, response.text
        deadline = time.monotonic() + WITHIN
        while len(inbox.ack_sent) < KILL_AFTER_ACKS:
            assert time.monotonic() < deadline, f"only {len(inbox.ack_sent)} acknowledged"
            time.sleep(0.05)
        server.kill()
        _, pending_at_kill = read_store(db_url)
        # Not vacuous: faxes were still to be sent, and received ones still to be fetched.
        assert pending_at_kill, "every fax had been sent when the server was killed"
        server.start()

        while True:  # every job final and every received fax acknowledged
            assert not inbox.errors, inbox.errors
            rows, pending = read_store(db_url)
            if not pending and rows and all(acked for _, ready, acked in rows.values() if ready):
                break
            assert time.monotonic() < deadline, f"{pending} pending, {len(rows)} faxes"
            time.sleep(0.2)
    finally:
        inbox.stop.set()
        for thread in pollers:
            thread.join(30)

    assert not inbox.errors, inbox.errors
    rows, _ = read_store(db_url)
    ready = {fax_id: row for fax_id, row in rows.items() if row[1]}
    acknowledged = {fax_id for fax_id, (_, _, acked) in rows.items() if acked}
    assert acknowledged <= inbox.ack_sent, "acknowledged without an acknowledge"
    assert set(ready) <= set(inbox.downloaded), "a received fax never reached the poller"
    received_csids = {remote for remote, _, _ in ready.values()}
    missing = {csid(n) for n in range(JOBS)} - received_csids
    assert not missing, f"faxes lost: {sorted(missing)}"
