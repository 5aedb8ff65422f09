"""`faxgate receive FILE --to NUMBER`: the operator hands in a fax a gateway received, run as
the real command against the store; it prints the fax ID alone on stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio.to_thread
import pytest
import sqlalchemy as sa

from faxgate.config import Settings
from faxgate.domain.faxin import FaxSource
from faxgate.domain.ids import FAXIN_ID_PATTERN
from faxgate.service.inbound import add_number
from faxgate.store import faxin
from faxgate.store.db import Database
from faxgate.store.spool import ImageKey, ImageKind
from faxgate.store.spools import open_spool
from faxgate.store.tables import faxin_faxes, faxin_files
from tests.cli.test_startup import heavy_modules_after
from tests.conftest import CUST_NR
from tests.documents import pdf
from tests.handin_documents import colour_tiff, fax_tiff, png, truncated

pytestmark = pytest.mark.anyio
FAXGATE = str(Path(sys.executable).with_name("faxgate"))
NUMBER = "+49 30 1234567"


def receive(
    data_dir: Path, database_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FAXGATE, "receive", *args, "--data-dir", str(data_dir), "--db", database_url],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **env},
    )


async def run(
    data_dir: Path, database_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return await anyio.to_thread.run_sync(lambda: receive(data_dir, database_url, *args, **env))


@pytest.fixture
async def numbered(db: Database) -> Database:
    await add_number(db, CUST_NR, NUMBER, "sales", "topic-pw")
    return db


FILES = {"fax tiff": fax_tiff(2, fine=False), "colour tiff": colour_tiff(), "pdf": pdf(3)}


@pytest.mark.parametrize("kind", list(FILES))
async def test_a_file_becomes_a_ready_fax_of_the_numbers_topic(
    numbered: Database, tmp_path: Path, database_url: str, kind: str
) -> None:
    handed = tmp_path / "in.file"
    handed.write_bytes(FILES[kind])
    done = await run(
        tmp_path, database_url, str(handed), "--to", NUMBER, "--from", "089 123", "--csid", "GW"
    )
    assert done.returncode == 0, done.stderr
    fax_id = done.stdout.strip()
    assert FAXIN_ID_PATTERN.fullmatch(fax_id) and done.stdout == fax_id + "\n"
    async with numbered.reader.connect() as conn:
        fax = await faxin.get(conn, fax_id)
    assert fax is not None and (fax.cust_nr, fax.topic) == (CUST_NR, "sales")
    assert fax.fax.source is FaxSource.GATEWAY
    assert (fax.fax.calling_number, fax.fax.remote_csid) == ("089123", "GW")
    assert fax.fax.pages == {"fax tiff": 2, "colour tiff": 1, "pdf": 3}[kind]
    spool = open_spool(Settings(data_dir=tmp_path), numbered)
    tiff = await spool.get(ImageKey(fax_id, ImageKind.FAXIN_TIFF, 0))
    delivered = await spool.get(ImageKey(fax_id, ImageKind.FAXIN_PDF, 0))
    assert tiff is not None and delivered is not None and delivered.startswith(b"%PDF-")
    assert (tiff == FILES[kind]) is (kind == "fax tiff")  # a fax TIFF is kept as it came


BAD = [
    ("unknown number", fax_tiff(1), ("--to", "+49 30 999"), {}, "to: 004930999 is not an"),
    ("bad to", fax_tiff(1), ("--to", "nobody"), {}, "to: not a fax number"),
    ("bad from", fax_tiff(1), ("--to", NUMBER, "--from", "x"), {}, "from: not a fax number"),
    ("csid", fax_tiff(1), ("--to", NUMBER, "--csid", "é"), {}, "csid: at most 20 printable"),
    ("png", png(), ("--to", NUMBER), {}, "in.file: must be a TIFF or a PDF file"),
    ("empty", b"", ("--to", NUMBER), {}, "in.file: is empty"),
    ("broken", truncated(pdf(2)), ("--to", NUMBER), {}, "in.file: document 'fax.pdf' is not"),
    (
        "too large",
        fax_tiff(1),
        ("--to", NUMBER),
        {"FAXGATE_MAX_DOCUMENT_BYTES": "100"},
        "larger than the limit of 100 bytes",
    ),
]


@pytest.mark.parametrize(("case", "content", "args", "env", "told"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_is_named_and_nothing_is_stored(
    numbered: Database,
    tmp_path: Path,
    database_url: str,
    case: str,
    content: bytes,
    args: tuple[str, ...],
    env: dict[str, str],
    told: str,
) -> None:
    handed = tmp_path / "in.file"
    handed.write_bytes(content)
    done = await run(tmp_path, database_url, str(handed), *args, **env)
    assert done.returncode == 1 and done.stdout == "", done.stdout
    assert told in done.stderr, done.stderr
    async with numbered.reader.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(faxin_faxes)) == 0
        assert await conn.scalar(sa.select(sa.func.count()).select_from(faxin_files)) == 0
    assert not (tmp_path / "faxin").exists()


def test_its_help_imports_nothing_heavy() -> None:
    assert heavy_modules_after(["receive", "--help"]) == []
