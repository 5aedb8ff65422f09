"""`faxgate inbound` on a real SQLite store: numbers stored normalised, owned by one account,
grouped in topics whose polling passwords are argon2 hashes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from faxgate.cli import main
from faxgate.service.auth import verify_password
from faxgate.store.db import open_database
from faxgate.store.tables import faxin_topics


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _fails(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code != 0, result.output
    return result.output


def _topic_column(data_dir: Path, column: str) -> dict[tuple[str, str], Any]:
    """One column of every topic row, by (customer number, topic)."""

    async def read() -> dict[tuple[str, str], Any]:
        db = open_database(f"sqlite+aiosqlite:///{data_dir / 'faxgate.db'}")
        try:
            async with db.reader.connect() as conn:
                rows = await conn.execute(select(faxin_topics))
                return {(r.cust_nr, r.name): getattr(r, column) for r in rows}
        finally:
            await db.dispose()

    return asyncio.run(read())


def _topic_hashes(data_dir: Path) -> dict[tuple[str, str], str]:
    return _topic_column(data_dir, "password_hash")


def test_inbound_numbers_and_topics(tmp_path: Path) -> None:
    store = ("--data-dir", str(tmp_path))
    for cust_nr, login in (("11111AA", "alice"), ("22222BB", "bob")):
        _run("accounts", "add", "--cust-nr", cust_nr, "--login", login, "--password", "s", *store)

    added = _run(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 1234567",
        "--topic", "sales", "--password", "topic-pw", *store,
    )  # fmt: skip
    assert "0049301234567" in added and "sales" in added

    # another account cannot take it, and is told whose it is
    taken = _fails(
        "inbound", "add", "--cust-nr", "22222BB", "--number", "0049301234567",
        "--topic", "mine", "--password", "x", *store,
    )  # fmt: skip
    assert "11111AA" in taken

    # a new topic needs a password; an existing one does not
    assert "password" in _fails(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 7654321",
        "--topic", "support", *store,
    )  # fmt: skip
    _run(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 7654321",
        "--topic", "sales", *store,
    )  # fmt: skip
    _run(
        "inbound", "add", "--cust-nr", "22222BB", "--number", "+1 212 555 0100",
        "--topic", "bob-in", "--password", "bob-pw", *store,
    )  # fmt: skip

    assert _run("inbound", "list", *store).splitlines() == [
        "0049301234567\t11111AA\tsales",
        "0049307654321\t11111AA\tsales",
        "0012125550100\t22222BB\tbob-in",
    ]
    assert _run("inbound", "list", "--cust-nr", "22222BB", *store).splitlines() == [
        "0012125550100\t22222BB\tbob-in"
    ]

    hashes = _topic_hashes(tmp_path)
    assert set(hashes) == {("11111AA", "sales"), ("22222BB", "bob-in")}
    assert hashes["11111AA", "sales"].startswith("$argon2")
    assert verify_password(hashes["11111AA", "sales"], "topic-pw")
    assert not verify_password(hashes["11111AA", "sales"], "bob-pw")

    # moving a number to another topic of its account; a new password replaces the old
    _run(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 7654321",
        "--topic", "sales", "--password", "new-pw", *store,
    )  # fmt: skip
    assert verify_password(_topic_hashes(tmp_path)["11111AA", "sales"], "new-pw")

    assert "0049307654321 removed" in _run("inbound", "remove", "--number", "+4930 7654321", *store)
    assert "not an inbound number" in _fails(
        "inbound", "remove", "--number", "+4930 7654321", *store
    )
    assert "0049307654321" not in _run("inbound", "list", *store)


def test_bad_input_names_the_field(tmp_path: Path) -> None:
    store = ("--data-dir", str(tmp_path))
    _run("accounts", "add", "--cust-nr", "11111AA", "--login", "alice", "--password", "s", *store)
    base = ("inbound", "add", "--cust-nr", "11111AA", "--password", "pw")
    assert "number" in _fails(*base, "--number", "not a number", "--topic", "t", *store)
    assert "topic" in _fails(*base, "--number", "+49301", "--topic", "a/b", *store)
    assert "no account" in _fails(
        "inbound", "add", "--cust-nr", "NOPE", "--number", "+49301", "--topic", "t",
        "--password", "pw", *store,
    )  # fmt: skip
    assert _run("inbound", "list", *store) == ""


def _topic_push(data_dir: Path) -> dict[tuple[str, str], str | None]:
    return _topic_column(data_dir, "push_target")


def test_a_topic_push_is_set_listed_and_turned_off(tmp_path: Path) -> None:
    store = ("--data-dir", str(tmp_path))
    _run("accounts", "add", "--cust-nr", "11111AA", "--login", "alice", "--password", "s", *store)
    _run(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 1234567",
        "--topic", "sales", "--password", "topic-pw", *store,
    )  # fmt: skip
    _run(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 7654321",
        "--topic", "support", "--password", "topic-pw", *store,
    )  # fmt: skip
    topic = ("--cust-nr", "11111AA", "--topic", "sales")

    shown = _run(
        "inbound", "push", *topic, "--url", "https://hooks.example.com/fax-in",
        "--user", "hook", "--password", "hook-pässword", *store,
    )  # fmt: skip
    assert (
        shown
        == "topic sales of customer 11111AA: push to https://hooks.example.com/fax-in (BASIC)\n"
    )
    stored = json.loads(_topic_push(tmp_path)["11111AA", "sales"] or "{}")
    assert stored["url"] == "https://hooks.example.com/fax-in"
    assert (stored["auth"], stored["principal"]) == ("HTTP_BASIC", "hook")
    assert stored["credentials"].startswith("enc:v1:")  # sealed, never the password itself
    assert _topic_push(tmp_path)["11111AA", "support"] is None

    listed = _run("inbound", "list", *store)
    assert listed.splitlines() == [
        "0049301234567\t11111AA\tsales\thttps://hooks.example.com/fax-in",
        "0049307654321\t11111AA\tsupport",
    ]
    assert "pässword" not in listed and "enc:v1" not in listed

    # a password in the URL itself is never shown either
    _run("inbound", "push", *topic, "--url", "https://u:url-secret@hooks.example.com/in", *store)
    listed = _run("inbound", "list", *store)
    assert "https://u:***@hooks.example.com/in" in listed and "url-secret" not in listed

    assert _run("inbound", "push", *topic, "--off", *store) == (
        "topic sales of customer 11111AA: no push\n"
    )
    assert _topic_push(tmp_path)["11111AA", "sales"] is None
    assert _run("inbound", "list", *store).splitlines()[0] == "0049301234567\t11111AA\tsales"


def test_a_bad_topic_push_names_the_option(tmp_path: Path) -> None:
    store = ("--data-dir", str(tmp_path))
    _run("accounts", "add", "--cust-nr", "11111AA", "--login", "alice", "--password", "s", *store)
    _run(
        "inbound", "add", "--cust-nr", "11111AA", "--number", "+49 30 1234567",
        "--topic", "sales", "--password", "topic-pw", *store,
    )  # fmt: skip
    push = ("inbound", "push", "--cust-nr", "11111AA", "--topic", "sales")

    for url in ("ftp://hooks.example.com/in", "hooks.example.com/in", "https://", "http://a b"):
        error = _fails(*push, "--url", url, *store)
        assert "'--url'" in error and "http:// or https:// URL" in error, error
    long_url = "https://hooks.example.com/" + "a" * 2048
    assert "at most 2048 characters" in _fails(*push, "--url", long_url, *store)
    assert "'--user'" in _fails(
        *push, "--url", "https://h.example/", "--auth-method", "BASIC", *store
    )
    assert "'--user'" in _fails(
        *push, "--url", "https://h.example/", "--auth-method", "NONE", "--user", "u", *store
    )
    assert "--auth-method" in _fails(
        *push, "--url", "https://h.example/", "--auth-method", "OAUTH2", *store
    )
    assert "--url" in _fails(*push, *store)
    assert "--off" in _fails(*push, "--off", "--url", "https://h.example/", *store)
    assert "no topic 'other'" in _fails(
        "inbound", "push", "--cust-nr", "11111AA", "--topic", "other",
        "--url", "https://h.example/", *store,
    )  # fmt: skip
    assert "no account" in _fails(
        "inbound", "push", "--cust-nr", "NOPE", "--topic", "sales",
        "--url", "https://h.example/", *store,
    )  # fmt: skip
    assert _topic_push(tmp_path)["11111AA", "sales"] is None  # nothing half-stored
