"""`faxgate receive`: hand in a fax that a site's own gateway received, as the operator (the
database is opened directly, no login). The service brings in SQLAlchemy and the renderer, so
the command imports it when it runs (see faxgate.cli.common)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from faxgate.cli.common import secret_box_for, settings_from, store_options, with_database

if TYPE_CHECKING:
    from faxgate.domain.faxin import InboundFax
    from faxgate.store.db import Database


@click.command("receive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to", required=True, help="The inbound number the fax was sent to.")
@click.option("--from", "calling", help="The sender's number, as the gateway got it.")
@click.option("--csid", help="The sender's CSID (its TSI), at most 20 characters.")
@store_options
def receive_command(
    file: Path,
    to: str,
    calling: str | None,
    csid: str | None,
    data_dir: Path | None,
    db_url: str | None,
) -> None:
    """Hand in a fax a gateway received (TIFF, PDF).

    FILE becomes a received fax of the topic that the inbound number --to belongs to, as if
    it had come in on the line; the fax ID is printed."""
    from faxgate import logs  # noqa: PLC0415 - heavy, see top
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - heavy, see top
    from faxgate.service import faxin_handin  # noqa: PLC0415 - heavy, see top
    from faxgate.service.errors import InvalidRequest, NotFound  # noqa: PLC0415
    from faxgate.store.spools import open_spool  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    logs.configure(settings.log_level, settings.log_format)  # stderr: stdout has the fax ID
    limit = settings.max_document_bytes
    if file.stat().st_size > limit:
        raise click.ClickException(f"{file}: larger than the limit of {limit} bytes")
    body = file.read_bytes()

    async def receive(db: Database) -> InboundFax:
        target = await faxin_handin.target_of(db, faxin_handin.HandIn(to, calling, csid), None)
        kind = faxin_handin.body_kind(body, limit, None)
        spool = open_spool(settings, db)
        return await faxin_handin.hand_in(settings, db, spool, target, body, kind)

    try:
        if settings.encrypt_files:
            secret_box_for(settings)  # before anything is stored, not half-way
        fax = with_database(settings, receive)
    except InvalidRequest as exc:
        where = file if exc.field == "body" else exc.field  # the body is FILE here
        raise click.ClickException(f"{where}: {exc.fault}") from None
    except (NotFound, SecretKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(fax.fax_id)
