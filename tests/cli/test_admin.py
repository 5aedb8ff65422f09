"""Operator commands on a real SQLite store: templates, block lists, account settings and
replaying failed notifications."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from faxgate.cli import main
from faxgate.domain.job import JobOptions
from faxgate.domain.notification import JobSnapshot, PushTarget
from faxgate.domain.report import JobReport, Reference
from faxgate.store.db import open_database
from faxgate.store.outbox import enqueue
from faxgate.store.tables import deliveries
from tests.documents import pdf


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout  # what a script parses; notices go to stderr


def _fails(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code != 0
    return result.output


def test_admin_commands(tmp_path: Path) -> None:
    store = ("--data-dir", str(tmp_path))
    _run("accounts", "add", "--cust-nr", "99999TE", "--login", "alice", "--password", "s", *store)

    cover = tmp_path / "cover.html"
    cover.write_text("<p>To {{ ToName }}</p>", encoding="utf-8")
    letterhead = tmp_path / "letterhead.pdf"
    letterhead.write_bytes(pdf())
    _run(
        "templates",
        "add",
        "--cust-nr",
        "99999TE",
        "--kind",
        "cover",
        "--default",
        str(cover),
        *store,
    )
    _run(
        "templates",
        "add",
        "--cust-nr",
        "99999TE",
        "--kind",
        "overlay",
        "--name",
        "lh",
        str(letterhead),
        *store,
    )
    listed = _run("templates", "list", *store)
    assert "cover\tcover.html" in listed and "default" in listed and "overlay\tlh" in listed
    broken = tmp_path / "broken.html"
    broken.write_text("{% if %}", encoding="utf-8")
    assert "cover template line 1" in _fails(
        "templates", "add", "--cust-nr", "99999TE", "--kind", "cover", str(broken), *store
    )
    assert "no account" in _fails(
        "templates", "add", "--cust-nr", "NOPE", "--kind", "cover", str(cover), *store
    )

    assert "0049301, 0049891" in _run(
        "accounts", "block", "--cust-nr", "99999TE", "+49 89 1", "+49301", *store
    )
    assert "0049891" not in _run("accounts", "unblock", "--cust-nr", "99999TE", "+49891", *store)

    shown = json.loads(
        _run(
            "accounts",
            "configure",
            "--cust-nr",
            "99999TE",
            "--push-format",
            "json",
            "--push-secret",
            "s3cr3t",
            "--push-url",
            "https://example.com/push",
            "--push-auth",
            "HTTP_BASIC",
            "--push-principal",
            "u",
            "--push-credentials",
            "pw",
            "--retention-days",
            "7",
            *store,
        )
    )
    assert shown["pushFormat"] == "JSON" and shown["retentionDays"] == 7
    assert shown["pushSecret"] == "***" and shown["defaultPush"]["credentials"] == "***"
    assert shown["blockList"] == ["0049301"]


def test_push_replay(tmp_path: Path) -> None:
    store = ("--data-dir", str(tmp_path))
    _run("accounts", "add", "--cust-nr", "99999TE", "--login", "alice", "--password", "s", *store)
    assert "no failed notification" in _fails("push", "replay", "FJ0000000000DC1000000000", *store)

    async def fail_one() -> None:
        db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'faxgate.db'}")
        async with db.writer.begin() as conn:
            job_id = "FJ0000000000DC1000000000"
            report = JobReport(job_id, (), 0, Reference(), datetime.now(UTC), None)
            snapshot = JobSnapshot(report, JobOptions(), ())
            target = PushTarget("https://push.example/")
            await enqueue(conn, job_id, "alice", snapshot, [target], 0.0)
            await conn.execute(deliveries.update().values(state="failed", attempts=5))
        await db.dispose()

    asyncio.run(fail_one())
    assert "1 notification(s)" in _run("push", "replay", "FJ0000000000DC1000000000", *store)

    async def state() -> tuple[str, int, float]:
        db = open_database(f"sqlite+aiosqlite:///{tmp_path / 'faxgate.db'}")
        async with db.reader.connect() as conn:
            row = (await conn.execute(deliveries.select())).one()
        await db.dispose()
        return row.state, row.attempts, row.next_attempt_at

    replayed, attempts, due = asyncio.run(state())
    assert (replayed, attempts) == ("pending", 0)
    assert due > time.time() - 60


def test_an_admin_command_says_which_database_and_warns_when_it_made_a_new_one(
    tmp_path: Path,
) -> None:
    """Run from another directory, an admin command would otherwise quietly fill a new, empty
    database that the running service never reads."""
    store = ("--data-dir", str(tmp_path / "elsewhere"))
    first = CliRunner().invoke(main, ["accounts", "list", *store])
    assert first.exit_code == 0, first.output
    database = tmp_path / "elsewhere" / "faxgate.db"
    assert first.stdout == ""  # what scripts parse stays clean
    assert f"warning: no database was at SQLite {database}: created a new, empty one" in (
        first.stderr
    )
    again = CliRunner().invoke(main, ["accounts", "list", *store])
    assert again.stderr.strip() == f"database: SQLite {database}"
