"""`faxgate inbound`: the numbers of this installation that receive faxes, by account and
Fax-In topic, and each topic's inbound push. The service brings in SQLAlchemy and argon2, so
the commands import it when they run (see faxgate.cli.common)."""

from __future__ import annotations

from pathlib import Path

import click

from faxgate.cli.common import secret_box_for, settings_from, store_options, with_database
from faxgate.domain.job import PushFormat
from faxgate.domain.notification import PushTarget
from faxgate.domain.redact import without_password
from faxgate.domain.report_options import PushAuth
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
    """Every inbound number with its customer number and topic, and the topic's push URL
    when it has one."""
    from faxgate.service import inbound  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    for entry in with_database(settings, lambda db: inbound.list_with_push(db, cust_nr)):
        push = f"\t{entry.push_url}" if entry.push_url else ""
        click.echo(f"{entry.number}\t{entry.cust_nr}\t{entry.topic}{push}")


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


_AUTH_METHODS = {"NONE": PushAuth.NONE, "BASIC": PushAuth.HTTP_BASIC}


@inbound_group.command("push")
@click.option("--cust-nr", required=True, help="The account of the topic.")
@click.option("--topic", required=True, help="The Fax-In topic.")
@click.option("--url", help="http(s) URL each fax of the topic is POSTed to, as JSON.")
@click.option(
    "--auth-method",
    type=click.Choice(sorted(_AUTH_METHODS), case_sensitive=False),
    help="How the push authenticates (default BASIC with --user, else NONE).",
)
@click.option("--user", help="HTTP Basic user of the push.")
@click.option("--password", help="HTTP Basic password of the push (stored encrypted).")
@click.option("--off", is_flag=True, help="Stop pushing the topic's faxes.")
@store_options
def inbound_push(
    cust_nr: str,
    topic: str,
    url: str | None,
    auth_method: str | None,
    user: str | None,
    password: str | None,
    off: bool,
    data_dir: Path | None,
    db_url: str | None,
) -> None:
    """Push each fax received in a topic to a URL (JSON_POST, retried, signed with the
    account's push secret), or stop pushing (--off). The faxes stay pollable either way."""
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - cryptography, see top
    from faxgate.service import inbound  # noqa: PLC0415 - heavy, see top

    target = _push_target(url, auth_method, user, password, off)
    settings = settings_from(data_dir, db_url)
    try:
        box = secret_box_for(settings)
        with_database(settings, lambda db: inbound.set_push(db, box, cust_nr, topic, target))
    except InvalidRequest as exc:
        raise click.BadParameter(exc.fault, param_hint=f"'--{exc.field}'") from None
    except (NotFound, SecretKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    if target is None:
        click.echo(f"topic {topic} of customer {cust_nr}: no push")
    else:
        shown = without_password(target.url)
        method = "BASIC" if target.auth_method is PushAuth.HTTP_BASIC else "NONE"
        click.echo(f"topic {topic} of customer {cust_nr}: push to {shown} ({method})")


def _push_target(
    url: str | None, auth_method: str | None, user: str | None, password: str | None, off: bool
) -> PushTarget | None:
    """The target the options describe (None: --off); UsageError for a wrong combination."""
    if off:
        if url is not None or auth_method or user is not None or password is not None:
            raise click.UsageError("--off takes no --url, --auth-method, --user or --password")
        return None
    if url is None:
        raise click.UsageError("give --url, or --off to stop pushing")
    method = _AUTH_METHODS[(auth_method or ("BASIC" if user else "NONE")).upper()]
    return PushTarget(url, method, user, password, format=PushFormat.JSON)
