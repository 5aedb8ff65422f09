"""Push credentials, OAuth client secrets and the account's push secret are not stored in
plain text: neither the raw SQLite files nor a raw SELECT on PostgreSQL show them, and the
pushes still reach a real loopback receiver with the right credentials and signature."""

from __future__ import annotations

import json
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
from faxgate.config import Settings
from faxgate.notify.signing import verify
from faxgate.store.db import Database
from tests.api.helpers import send, wait_final
from tests.conftest import CUST_NR, Service, make_settings, start_service
from tests.documents import job
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


async def delivered(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        detail: dict[str, Any] = (await client.get(f"/faxgate/v1/jobs/{job_id}")).json()
        ended = [n for n in detail["notifications"] if n["state"] != "pending"]
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
    async for service in start_service(settings, db, workers=True):
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
