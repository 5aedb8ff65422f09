"""`faxgate inbound`: the numbers of this installation that receive faxes, by account and
Fax-In topic. The service brings in SQLAlchemy and argon2, so the commands import it when
they run (see faxgate.cli.common)."""

from __future__ import annotations

from pathlib import Path

import click

from faxgate.cli.common import settings_from, store_options, with_database
from faxgate.service.errors import InvalidRequest, NotFound


@click.group("inbound")
def inbound_group() -> None:
    """Inbound numbers and their Fax-In topics."""


@inbound_group.command("add")
@click.option("--cust-nr", required=True, help="The account the number belongs to.")
@click.option("--number", required=True, help="The fax number, e.g. +49 30 1234567.")
@click.option("--topic", required=True, help="The Fax-In topic its faxes are polled from.")
@click.option(
    "--password",
    help="The topic's polling password (argon2 hash stored); needed for a new topic, "
    "replaces the password of an existing one.",
)
@store_options
def inbound_add(
    cust_nr: str,
    number: str,
    topic: str,
    password: str | None,
    data_dir: Path | None,
    db_url: str | None,
) -> None:
    """Give a number to an account's topic (a number of the same account moves to it)."""
    from faxgate.service import inbound  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    try:
        entry = with_database(
            settings, lambda db: inbound.add_number(db, cust_nr, number, topic, password)
        )
    except (InvalidRequest, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{entry.number} receives into topic {entry.topic} of customer {entry.cust_nr}")


@inbound_group.command("list")
@click.option("--cust-nr", help="Only this account's numbers.")
@store_options
def inbound_list(cust_nr: str | None, data_dir: Path | None, db_url: str | None) -> None:
    """Every inbound number with its customer number and topic."""
    from faxgate.service import inbound  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    for entry in with_database(settings, lambda db: inbound.list_numbers(db, cust_nr)):
        click.echo(f"{entry.number}\t{entry.cust_nr}\t{entry.topic}")


@inbound_group.command("remove")
@click.option("--number", required=True)
@store_options
def inbound_remove(number: str, data_dir: Path | None, db_url: str | None) -> None:
    """Stop receiving on a number (its topic and the faxes already received stay)."""
    from faxgate.service import inbound  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    try:
        removed = with_database(settings, lambda db: inbound.remove_number(db, number))
    except (InvalidRequest, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{removed} removed")
