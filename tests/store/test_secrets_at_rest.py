"""Push credentials, OAuth client secrets and the account's push secret are not stored in
plain text: neither the raw SQLite files nor a raw SELECT on PostgreSQL show them, and the
pushes still reach a real loopback receiver with the right credentials and signature."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from faxgate.cli.admin import configure_command
from faxgate.cli.secrets import secrets_group
from faxgate.config import Settings
from faxgate.domain.job import AccountChanges, StatusPush
from faxgate.domain.report_options import PushAuth
from faxgate.notify.signing import verify
from faxgate.sealing.box import SecretBox
from faxgate.sealing.keys import load_keys, new_key, secret_box
from faxgate.store.accounts import update_account_settings
from faxgate.store.db import Database
from faxgate.store.job_json import options_from_json
from faxgate.store.tables import accounts, jobs
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR, Service, make_settings, start_service
from tests.documents import job
from tests.legacy_rows import legacy_options
from tests.notify.receiver import CLIENT_ID, CLIENT_SECRET, PASSWORD, USER, running_receiver

pytestmark = pytest.mark.anyio
LOOPBACK = ("127.0.0.0/8",)
ACCOUNT_SECRET = "acct-signing-sëcret-7f3a"
SECRETS = (PASSWORD, CLIENT_SECRET, ACCOUNT_SECRET)


def spellings(secret: str) -> set[bytes]:
    """The ways a secret can sit in a file: UTF-8, and JSON-escaped (\\u00eb) inside JSON."""
    return {
        secret.encode(),
        json.dumps(secret)[1:-1].encode(),
        json.dumps(secret, ensure_ascii=False)[1:-1].encode(),
    }


def assert_no_secret(data: bytes, where: str) -> None:
    for secret in SECRETS:
        for spelling in spellings(secret):
            assert spelling not in data, f"{secret!r} stored in plain text in {where}"


async def run_cli(command: Any, settings: Settings, *args: str) -> str:
    """A CLI command against the service's data dir and database, as an operator runs it."""
    argv = [*args, "--data-dir", str(settings.data_dir), "--db", str(settings.db_url)]
    result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(command, argv, env={}))
    assert result.exit_code == 0, result.output
    return str(result.output)


async def configure_account(settings: Settings, receiver_url: str, token_url: str) -> str:
    return await run_cli(
        configure_command,
        settings,
        *("--cust-nr", CUST_NR, "--push-secret", ACCOUNT_SECRET, "--push-token-url", token_url),
        *("--push-url", receiver_url, "--push-auth", "HTTP_BASIC"),
        *("--push-principal", USER, "--push-credentials", PASSWORD),
    )


def push(url: str, method: str, principal: str, credentials: str) -> dict[str, Any]:
    target = {
        "targetUrl": url,
        "authMethod": method,
        "principal": principal,
        "credentials": credentials,
    }
    return {"statusReportOptions": {"httpStatusPush": target}}


async def delivered(client: httpx.AsyncClient, job_id: str, tried: bool = False) -> dict[str, Any]:
    """The job detail once its notification has ended (or, with `tried`, was tried once)."""
    deadline = time.monotonic() + 60
    while True:
        detail: dict[str, Any] = (await client.get(f"/faxgate/v1/jobs/{job_id}")).json()
        ended = [
            n
            for n in detail["notifications"]
            if n["state"] != "pending" or (tried and n["attempts"])
        ]
        if ended:
            return detail
        assert time.monotonic() < deadline, detail
        await anyio.sleep(0.05)


async def raw_storage(db: Database, settings: Settings) -> list[tuple[str, bytes]]:
    """What an attacker with the database reads: the SQLite files byte for byte, or every
    text column of PostgreSQL as a raw SELECT returns it."""
    if db.is_sqlite:
        base = Path(str(settings.db_url).split("///", 1)[1])
        files = [base, base.with_name(base.name + "-wal")]
        return [(str(f), f.read_bytes()) for f in files if f.exists()]
    found = []
    async with db.reader.connect() as conn:
        for table, column in (
            ("jobs", "options"),
            ("accounts", "settings"),
            ("deliveries", "target"),
            ("deliveries", "snapshot"),
            ("deliveries", "last_error"),
            ("delivery_attempts", "error"),
        ):
            rows = await conn.execute(sa.text(f"SELECT {column} FROM {table}"))  # noqa: S608
            text = "\n".join(str(value) for (value,) in rows)
            found.append((f"{table}.{column}", text.encode()))
    return found


@pytest.fixture
async def push_service(db: Database, tmp_path: Path, database_url: str) -> AsyncIterator[Service]:
    settings = make_settings(tmp_path, database_url, allow_networks=LOOPBACK)
    async with start_service(settings, db, workers=True) as service:
        yield service


async def test_secrets_are_not_stored_in_plain_text_and_pushes_still_work(
    push_service: Service,
) -> None:
    service = push_service
    with running_receiver() as receiver:
        shown = await configure_account(
            service.settings, receiver.url("/basic"), receiver.url("/token")
        )
        basic = await send(
            service.client,
            job("+99900", **push(receiver.url("/basic"), "HTTP_BASIC", USER, PASSWORD)),
        )
        oauth = await send(
            service.client,
            job("+99900", **push(receiver.url("/bearer"), "OAUTH2", CLIENT_ID, CLIENT_SECRET)),
        )
        default = await send(service.client, job("+99900"))  # the account's default push
        details = {}
        for job_id in (basic, oauth, default):
            await wait_final(service.client, job_id)
            details[job_id] = await delivered(service.client, job_id)
        stored = await raw_storage(service.db, service.settings)

    for job_id, detail in details.items():
        (notification,) = detail["notifications"]
        assert notification["state"] == "delivered", (job_id, notification)
        assert_no_secret(json.dumps(detail).encode(), f"GET /faxgate/v1/jobs/{job_id}")
    paths = sorted(push.path for push in receiver.received)
    assert paths == ["/basic", "/basic", "/bearer"]
    for received in receiver.received:
        signature = received.headers["X-Faxgate-Signature"]
        assert verify(ACCOUNT_SECRET, signature, received.body, now=time.time())
    assert_no_secret(shown.encode(), "the output of faxgate configure")
    assert stored, "nothing read from the database"
    for where, data in stored:
        assert_no_secret(data, where)


async def write_as_before_encryption(
    db: Database, job_id: str, request: dict[str, Any], token_url: str, url: str
) -> None:
    """The rows as the versions before encryption wrote them: secrets in plain text, the job
    options in the camelCase form of their time."""
    async with db.writer.begin() as conn:
        await conn.execute(
            accounts.update()
            .where(accounts.c.cust_nr == CUST_NR)
            .values(
                settings=json.dumps(
                    {
                        "pushSecret": ACCOUNT_SECRET,
                        "pushTokenUrl": token_url,
                        "defaultPush": {
                            "targetUrl": url,
                            "authMethod": "HTTP_BASIC",
                            "principal": USER,
                            "credentials": PASSWORD,
                        },
                    },
                    sort_keys=True,
                )
            )
        )
        await conn.execute(
            jobs.update().where(jobs.c.job_id == job_id).values(options=legacy_options(request))
        )


async def test_rows_stored_in_plain_text_still_work_and_reseal_encrypts_them(
    db: Database, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, allow_networks=LOOPBACK)
    with running_receiver() as receiver:
        async with start_service(settings, db, workers=False) as service:
            oauth = await send(
                service.client,
                job("+99900", **push(receiver.url("/bearer"), "OAUTH2", CLIENT_ID, "changed")),
            )
            default = await send(service.client, job("+99900"))
            as_before = job(
                "+99900", **push(receiver.url("/bearer"), "OAUTH2", CLIENT_ID, CLIENT_SECRET)
            )
            await write_as_before_encryption(
                db, oauth, as_before, receiver.url("/token"), receiver.url("/basic")
            )
            stored = b"".join(data for _, data in await raw_storage(db, settings))
            assert all(any(s in stored for s in spellings(secret)) for secret in SECRETS)

            await service.runtime.start_workers()
            for job_id in (oauth, default):
                await wait_final(service.client, job_id)
                (notification,) = (await delivered(service.client, job_id))["notifications"]
                assert notification["state"] == "delivered", notification
            assert sorted(p.path for p in receiver.received) == ["/basic", "/bearer"]

            output = await run_cli(secrets_group, settings, "reseal")
            assert "accounts.settings: 1 row(s) re-sealed" in output, output
            assert "jobs.options: 1 row(s) re-sealed" in output, output
            for where, data in await raw_storage(db, settings):
                assert_no_secret(data, where)

            again = await send(service.client, job("+99900"))  # the re-sealed account default
            await wait_final(service.client, again)
            (notification,) = (await delivered(service.client, again))["notifications"]
            assert notification["state"] == "delivered", notification
    assert sorted(p.path for p in receiver.received) == ["/basic", "/basic", "/bearer"]
    for received in receiver.received:
        signature = received.headers["X-Faxgate-Signature"]
        assert verify(ACCOUNT_SECRET, signature, received.body, now=time.time())


@pytest.mark.parametrize("form", ["camelCase", "v2"])
async def test_rotate_key_and_reseal_move_job_credentials_of_either_stored_form(
    db: Database, tmp_path: Path, database_url: str, form: str
) -> None:
    settings = make_settings(tmp_path, database_url)
    request = job("+99900", **push("https://example.test/p", "HTTP_BASIC", USER, CLIENT_SECRET))
    async with start_service(settings, db, workers=False) as service:
        job_id = await send(service.client, request)
    if form == "camelCase":
        async with db.writer.begin() as conn:
            sealed = legacy_options(request, secret_box(settings).seal)
            await conn.execute(jobs.update().where(jobs.c.job_id == job_id).values(options=sealed))
    before = await stored_options(db, job_id)

    await faxgate_process(settings, "secrets", "rotate-key")
    output = await faxgate_process(settings, "secrets", "reseal")  # started after the rotation

    after = await stored_options(db, job_id)
    assert "jobs.options: 1 row(s) re-sealed" in output, output
    assert ('"v":2' in after) is (form == "v2")  # re-sealed in the form it was stored in
    old, new = (options_from_json(text).reporting.push for text in (before, after))
    assert old is not None and new is not None and new.credentials
    assert new.credentials != old.credentials and new.credentials.startswith("enc:v1:")
    new_key_only = SecretBox(load_keys(settings)[:1])
    assert new_key_only.unseal(new.credentials) == CLIENT_SECRET
    for where, data in await raw_storage(db, settings):
        assert_no_secret(data, where)


async def faxgate_process(settings: Settings, *args: str) -> str:
    """The CLI in a process of its own, as an operator runs it (this process keeps the keys
    it read, as every running process does until it is restarted)."""
    argv = [*args, "--data-dir", str(settings.data_dir), "--db", str(settings.db_url)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAXGATE_")}
    code = "from faxgate.cli import main; main()"
    done = await anyio.run_process([sys.executable, "-c", code, *argv], env=env, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


async def stored_options(db: Database, job_id: str) -> str:
    async with db.reader.connect() as conn:
        return str(await conn.scalar(sa.select(jobs.c.options).where(jobs.c.job_id == job_id)))


async def test_the_job_detail_and_push_errors_never_show_a_password(
    push_service: Service,
) -> None:
    """A password in the push URL itself is a credential too: hidden in the job detail and
    in the recorded (and logged) error of a failed push."""
    service = push_service
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens once the socket is closed
    url = f"http://pushuser:url-pässword-91@127.0.0.1:{port}/push"
    job_id = await send(service.client, job("+99900", **push(url, "NONE", "", "")))
    await wait_final(service.client, job_id)
    detail = await delivered(service.client, job_id, tried=True)
    (notification,) = detail["notifications"]
    assert notification["state"] != "delivered"
    assert notification["attempts"][0]["error"], notification
    shown = json.dumps(detail, ensure_ascii=False)
    assert "url-pässword-91" not in shown and "url-p%C3%A4ssword-91" not in shown, shown
    assert f"pushuser:***@127.0.0.1:{port}/push" in shown


async def test_a_secret_sealed_with_another_key_fails_the_push_clearly(
    push_service: Service,
) -> None:
    """A push whose stored credentials no configured key opens is not sent with garbage: it
    fails, not retried, with an error that says why."""
    service = push_service
    foreign = SecretBox([new_key()])
    with running_receiver() as receiver:
        async with service.db.writer.begin() as conn:
            await update_account_settings(
                conn,
                CUST_NR,
                AccountChanges(
                    default_push=StatusPush(
                        receiver.url("/basic"),
                        PushAuth.HTTP_BASIC,
                        USER,
                        foreign.seal(PASSWORD),
                    )
                ),
            )
        job_id = await send(service.client, job("+99900"))
        await wait_final(service.client, job_id)
        (notification,) = (await delivered(service.client, job_id))["notifications"]
    assert notification["state"] == "failed", notification
    (attempt,) = notification["attempts"]
    assert "cannot be decrypted with the configured secret key" in attempt["error"]
    assert receiver.requests == []
