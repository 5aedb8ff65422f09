"""The inbound push (spec §10) against a real receiver on loopback: a fax that arrives in a
topic with a push target is queued with it, posted as JSON_POST with its PDF, retried on 5xx
with the status push's back-off, not retried on 4xx, signed with the account's secret,
refused by the SSRF allow-list, replayable; its password is sealed and re-sealed."""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from pathlib import Path

import anyio
import anyio.to_thread
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from PIL import Image, ImageDraw

from faxgate.cli import main
from faxgate.config import Settings
from faxgate.domain.faxin import InboundFax
from faxgate.domain.job import AccountChanges
from faxgate.domain.notification import PushTarget
from faxgate.domain.report_options import PushAuth
from faxgate.notify.signing import verify
from faxgate.pipeline.faxin_intake import accept_received
from faxgate.pipeline.notifier import OutboxDrainer
from faxgate.sealing.box import PREFIX, SecretBox, SecretKeyError
from faxgate.sealing.keys import load_keys, new_key, secret_box
from faxgate.service import inbound
from faxgate.service.account_admin import configure
from faxgate.store import faxin, outbox
from faxgate.store.db import Database
from faxgate.store.outbox import DeliveryRow
from faxgate.store.sealed_rows import check_keys
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool
from faxgate.store.tables import deliveries, faxin_topics
from tests.conftest import CUST_NR, make_settings
from tests.faxin_faxes import received_fax
from tests.notify.receiver import PASSWORD, USER, ReceiverState

pytestmark = pytest.mark.anyio
LOOPBACK = ("127.0.0.0/8",)
NUMBER, TOPIC = "+49 30 555 0100", "sales"
SECRET = "acct-push-secret"


def fax_tiff(path: Path, pages: int = 2) -> Path:
    """A fax as a terminal receives it: 1728 dots wide, fine rows, G4, one mark per page."""
    images = []
    for page in range(pages):
        image = Image.new("1", (1728, 2200), 1)
        ImageDraw.Draw(image).rectangle((200 + 100 * page, 300, 700, 900), fill=0)
        images.append(image)
    images[0].save(
        path,
        format="TIFF",
        compression="group4",
        dpi=(204, 196),
        save_all=True,
        append_images=images[1:],
    )
    return path


def _settings(tmp_path: Path, database_url: str, **more: object) -> Settings:
    return make_settings(tmp_path, database_url, push_backoff_secs=(0.05,), **more)


async def _topic_with_push(
    settings: Settings, db: Database, url: str, **target: object
) -> PushTarget | None:
    await inbound.add_number(db, CUST_NR, NUMBER, TOPIC, "topic-pw")
    await configure(db, secret_box(settings), CUST_NR, AccountChanges(push_secret=SECRET))
    push = PushTarget(url, **target)  # type: ignore[arg-type]
    return await inbound.set_push(db, secret_box(settings), CUST_NR, TOPIC, push)


async def _receive(settings: Settings, db: Database, tmp_path: Path) -> InboundFax:
    tiff = fax_tiff(tmp_path / "received.tif")
    fax = await accept_received(
        settings,
        db,
        open_spool(settings, db),
        tiff,
        received_fax(pages=2, received_at=1794152288.0, local_csid="faxgate in", reason="OK"),
    )
    assert fax is not None
    return fax


async def _deliveries(db: Database, fax_id: str) -> list[DeliveryRow]:
    async with db.reader.connect() as conn:
        return await outbox.for_job(conn, fax_id)


async def _drain(settings: Settings, db: Database, fax_id: str, attempts: int = 1) -> DeliveryRow:
    """Run the outbox until the fax's one push has ended after at least `attempts` tries."""
    drainer = OutboxDrainer(settings, db, "test-drainer")
    deadline = time.monotonic() + 60
    try:
        while True:
            if not await drainer.run_once():
                (row,) = await _deliveries(db, fax_id)
                if row.state != "pending" and len(row.attempts) >= attempts:
                    return row
                assert time.monotonic() < deadline, row
                await anyio.sleep(0.02)
    finally:
        await drainer.stop()


async def test_pushed_after_5xx_with_the_pdf_signed(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState
) -> None:
    settings = _settings(tmp_path, database_url, allow_networks=LOOPBACK)
    receiver.fail_first = 2
    await _topic_with_push(settings, db, receiver.url("/flaky"))
    fax = await _receive(settings, db, tmp_path)
    (queued,) = await _deliveries(db, fax.fax_id)
    assert (queued.channel, queued.state, queued.target) == (
        "faxin",
        "pending",
        receiver.url("/flaky"),
    )

    row = await _drain(settings, db, fax.fax_id)

    assert row.state == "delivered"
    assert [a.status_code for a in row.attempts] == [503, 503, 200]
    assert receiver.requests == ["/flaky"] * 3
    (push,) = receiver.received
    assert push.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert push.headers["X-Faxgate-Delivery"] == row.delivery_id
    assert verify(SECRET, push.headers["X-Faxgate-Signature"], push.body, now=time.time())
    assert not verify("another secret", push.headers["X-Faxgate-Signature"], push.body, time.time())

    body = json.loads(push.body)
    assert set(body) == {"Fax"} and "Authentication" not in body["Fax"]  # NONE: no block
    details = body["Fax"]["FaxDetails"]
    assert details == {
        "JobID": fax.fax_id,
        "DateReceived": "2026-11-08T15:38:08+0000",
        "CalledNumber": "+49305550100",
        "CallingNumber": "+49891234567",
        "RemoteCSID": "+49 89 1234567",
        "CSID": "faxgate in",
        "BillingCode": "",
        "FileType": "pdf",
        "Resolution": "HIGH",
        "TotalDuration": "21",
        "BaudRate": "14400",
        "PageCount": "2",
        "Status": "OK",
        "ArchivingStatus": "not configured",
        "ArchivedUntil": None,
        "Service": "Fax2WS",
    }
    (file,) = body["Fax"]["FaxFile"]
    assert (file["FileType"], file["FileName"]) == ("pdf", f"{fax.fax_id}.pdf")
    stored = await open_spool(settings, db).get(ImageKey(fax.fax_id, ImageKind.FAXIN_PDF, 0))
    assert stored is not None and stored.startswith(b"%PDF")
    assert base64.b64decode(file["FileContent"], validate=True) == stored


async def test_basic_auth_with_the_sealed_password(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState
) -> None:
    settings = _settings(tmp_path, database_url, allow_networks=LOOPBACK)
    stored = await _topic_with_push(
        settings, db, receiver.url("/basic"), auth_method=PushAuth.HTTP_BASIC,
        principal=USER, credentials=PASSWORD,
    )  # fmt: skip
    assert stored is not None and (stored.credentials or "").startswith(PREFIX)
    async with db.reader.connect() as conn:
        (column,) = (await conn.execute(sa.select(faxin_topics.c.push_target))).scalars()
    assert PASSWORD not in column and json.loads(column)["principal"] == USER

    fax = await _receive(settings, db, tmp_path)
    async with db.reader.connect() as conn:
        (queued,) = (await conn.execute(sa.select(deliveries.c.target))).scalars()
    assert PASSWORD not in queued  # the outbox row holds it sealed too

    row = await _drain(settings, db, fax.fax_id)
    assert row.state == "delivered", row
    (push,) = receiver.received
    authentication = json.loads(push.body)["Fax"]["Authentication"]
    assert authentication == {
        "AuthenticationMethod": "UserPassword",
        "Username": USER,
        "Password": PASSWORD,
    }


async def test_4xx_fails_for_good_and_replay_sends_again(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState
) -> None:
    settings = _settings(tmp_path, database_url, allow_networks=LOOPBACK)
    await _topic_with_push(settings, db, receiver.url("/reject"))
    fax = await _receive(settings, db, tmp_path)

    failed = await _drain(settings, db, fax.fax_id)
    assert failed.state == "failed"
    assert [(a.status_code, a.error) for a in failed.attempts] == [(400, "HTTP 400: bad report")]
    assert receiver.requests == ["/reject"]

    def replay() -> str:
        result = CliRunner().invoke(main, ["push", "replay", fax.fax_id, "--db", database_url])
        assert result.exit_code == 0, result.output
        return result.output

    assert f"1 notification(s) of {fax.fax_id} queued again" in await anyio.to_thread.run_sync(
        replay
    )
    again = await _drain(settings, db, fax.fax_id, attempts=2)
    assert again.state == "failed" and len(again.attempts) == 2
    assert again.delivery_id == failed.delivery_id
    assert receiver.requests == ["/reject", "/reject"]


async def test_a_private_target_is_refused_unless_allowed(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState
) -> None:
    settings = _settings(tmp_path, database_url)  # FAXGATE_ALLOW_NETWORKS empty
    await _topic_with_push(settings, db, receiver.url("/none"))
    fax = await _receive(settings, db, tmp_path)

    row = await _drain(settings, db, fax.fax_id)
    assert row.state == "failed" and len(row.attempts) == 1
    assert "FAXGATE_ALLOW_NETWORKS" in (row.attempts[0].error or ""), row
    assert receiver.requests == []


@pytest.mark.parametrize("spool", ["data-dir", "database"])
async def test_a_fax_purged_before_its_push_fails_it_for_good(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState, spool: str
) -> None:
    settings = _settings(tmp_path, database_url, allow_networks=LOOPBACK, spool=spool)
    await _topic_with_push(settings, db, receiver.url("/none"))
    fax = await _receive(settings, db, tmp_path)
    async with db.writer.begin() as conn:  # the retention purge, before the outbox ran
        purged = await faxin.purge_received_before(conn, time.time(), 0.0, 10)
    assert purged == [fax.fax_id]
    await open_spool(settings, db).delete_jobs(purged)

    row = await _drain(settings, db, fax.fax_id)
    assert row.state == "failed" and len(row.attempts) == 1
    error = row.attempts[0].error or ""
    assert f"fax {fax.fax_id} was deleted (retention)" in error, error
    assert receiver.requests == []


async def test_no_push_without_a_target_or_after_it_is_turned_off(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState
) -> None:
    settings = _settings(tmp_path, database_url, allow_networks=LOOPBACK)
    await _topic_with_push(settings, db, receiver.url("/none"))
    await inbound.set_push(db, secret_box(settings), CUST_NR, TOPIC, None)
    fax = await _receive(settings, db, tmp_path)
    assert await _deliveries(db, fax.fax_id) == []
    async with db.reader.connect() as conn:
        assert list((await conn.execute(sa.select(faxin_topics.c.push_target))).scalars()) == [None]


async def test_rotate_key_and_reseal_reach_the_topic_push_password(
    db: Database, database_url: str, tmp_path: Path, receiver: ReceiverState
) -> None:
    settings = _settings(tmp_path, database_url, allow_networks=LOOPBACK)
    await _topic_with_push(
        settings, db, receiver.url("/basic"), auth_method=PushAuth.HTTP_BASIC,
        principal=USER, credentials=PASSWORD,
    )  # fmt: skip
    fax = await _receive(settings, db, tmp_path)  # its push queued, sealed with the old key
    before = await _sealed_passwords(db)

    await _faxgate_process(settings, "secrets", "rotate-key")
    output = await _faxgate_process(settings, "secrets", "reseal")
    assert "faxin_topics.push_target: 1 row(s) re-sealed" in output, output
    assert "deliveries.target: 1 row(s) re-sealed" in output, output

    after = await _sealed_passwords(db)
    new_key_only = SecretBox(load_keys(settings)[:1])
    for old, new in zip(before, after, strict=True):
        assert new != old and new_key_only.unseal(new) == PASSWORD
    only_new = settings.with_overrides(secret_key=load_keys(settings)[0].decode())
    await check_keys(db, secret_box(only_new))
    row = await _drain(only_new, db, fax.fax_id)  # a process restarted with the new key only
    assert row.state == "delivered", row
    assert [r.path for r in receiver.received] == ["/basic"]

    # the start-up key check finds a topic's sealed password, with nothing else sealed
    await configure(db, secret_box(settings), CUST_NR, AccountChanges(push_secret=None))
    async with db.writer.begin() as conn:
        await conn.execute(sa.delete(deliveries))
    with pytest.raises(SecretKeyError):
        await check_keys(db, secret_box(settings.with_overrides(secret_key=new_key().decode())))


async def _sealed_passwords(db: Database) -> list[str]:
    """The sealed push password of the topic, then of its queued push."""
    async with db.reader.connect() as conn:
        topics = list((await conn.execute(sa.select(faxin_topics.c.push_target))).scalars())
        rows = list((await conn.execute(sa.select(deliveries.c.target))).scalars())
    passwords = [str(json.loads(text)["credentials"]) for text in [*topics, *rows]]
    assert len(passwords) == 2 and all(p.startswith(PREFIX) for p in passwords), passwords
    return passwords


async def _faxgate_process(settings: Settings, *args: str) -> str:
    """The CLI in a process of its own, as an operator runs it."""
    argv = [*args, "--data-dir", str(settings.data_dir), "--db", str(settings.db_url)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAXGATE_")}
    code = "from faxgate.cli import main; main()"
    done = await anyio.run_process([sys.executable, "-c", code, *argv], env=env, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()
