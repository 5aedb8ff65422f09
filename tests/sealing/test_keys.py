"""The secret key: a key file made 0600 at the first start and reused, one key for processes
starting at once, a clear error for a wrong key, rotation with old keys still decrypting."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from faxgate.cli import main
from faxgate.config import Settings
from faxgate.domain.job import AccountChanges
from faxgate.runtime import open_runtime
from faxgate.sealing.box import SecretBox, SecretKeyError
from faxgate.sealing.keys import load_keys, new_key, open_secret_box
from faxgate.service.account_admin import configure
from faxgate.store.accounts import load_account_settings
from tests.conftest import CUST_NR, make_settings

SECRET = "push-signing-secret"


@pytest.fixture(autouse=True)
def keep_umask() -> Iterator[None]:
    """A start sets umask 077 for its process; give the test process its own back."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def test_the_key_file_is_made_0600_at_first_start_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = open_secret_box(settings)
    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_bytes()
    sealed = first.seal(SECRET)
    assert sealed.startswith("enc:v1:") and SECRET not in sealed

    second = open_secret_box(settings)
    assert key_file.read_bytes() == content
    assert second.unseal(sealed) == SECRET


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_keys(settings), range(16)))
    assert all(k == keys[0] for k in keys)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["secret.key"]


def test_secret_key_setting_and_key_file_setting(tmp_path: Path) -> None:
    key = new_key()
    from_env = Settings.from_env({"FAXGATE_SECRET_KEY": key.decode(), "FAXGATE_DATA_DIR": "x"})
    assert load_keys(from_env) == [key]
    assert key.decode() not in repr(from_env)
    elsewhere = tmp_path / "shared" / "faxgate.key"
    shared = Settings(data_dir=tmp_path / "data", secret_key_file=elsewhere)
    assert load_keys(shared) == elsewhere.read_bytes().split()
    with pytest.raises(SecretKeyError, match="FAXGATE_SECRET_KEY: key 2 is not a Fernet key"):
        load_keys(Settings(secret_key=f"{key.decode()},not-a-key"))


def test_a_wrong_key_is_a_clear_error_not_garbage(tmp_path: Path) -> None:
    sealed = SecretBox([new_key()]).seal(SECRET)
    with pytest.raises(SecretKeyError, match="cannot be decrypted with the configured secret key"):
        SecretBox([new_key()]).unseal(sealed)


def test_a_value_that_looks_sealed_is_sealed_again(tmp_path: Path) -> None:
    """A client that sends a stolen token as its push password gets the token pushed, never
    what it decrypts to."""
    box = SecretBox([new_key()])
    stolen = box.seal(SECRET)
    assert box.unseal(box.seal(stolen)) == stolen


def test_rotation_old_keys_still_decrypt_and_reseal_moves_to_the_new_key() -> None:
    old, new = new_key(), new_key()
    before = SecretBox([old]).seal(SECRET)
    rotated = SecretBox([new, old])
    assert rotated.unseal(before) == SECRET
    moved = rotated.reseal(before)
    assert moved != before and rotated.reseal(moved) == moved
    assert SecretBox([new]).unseal(moved) == SECRET
    assert rotated.reseal("plain") != "plain" and rotated.unseal(rotated.reseal("plain")) == "plain"
    assert rotated.unseal("stored before encryption") == "stored before encryption"


def test_rotate_key_command_and_a_running_box_reads_the_new_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    running = open_secret_box(settings)
    before = running.seal(SECRET)
    result = CliRunner().invoke(main, ["secrets", "rotate-key", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    keys = load_keys(settings)
    assert len(keys) == 2 and stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    after = open_secret_box(settings)
    assert after.unseal(before) == SECRET
    # sealed by a restarted process with the new key, opened by one started before rotation
    assert running.unseal(after.seal("new")) == "new"
    with pytest.raises(SecretKeyError):
        SecretBox(keys[1:]).unseal(after.seal("new"))


@pytest.mark.anyio
async def test_a_start_with_the_wrong_key_fails_clearly(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    runtime = await open_runtime(settings)
    try:
        changes = AccountChanges(push_secret=SECRET)
        await configure(runtime.db, open_secret_box(settings), CUST_NR, changes)
        async with runtime.db.reader.connect() as conn:
            stored = await load_account_settings(conn, CUST_NR)
        assert stored.push_secrets[0].startswith("enc:v1:")
    finally:
        await runtime.stop()
    await (await open_runtime(settings)).stop()  # the same key starts again
    wrong = settings.with_overrides(secret_key=new_key().decode())
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        await open_runtime(wrong)
