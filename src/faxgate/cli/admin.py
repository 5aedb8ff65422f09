"""`faxgate templates` and `faxgate accounts block|unblock`: operator commands on accounts.

account_admin brings in SQLAlchemy (and, for `templates add`, the renderer), so the commands
import it when they run (see faxgate.cli.common).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from faxgate.cli.common import secret_box_for, settings_from, store_options, with_database
from faxgate.domain.account_options import PUSH_FORMATS, TEMPLATE_KINDS
from faxgate.domain.job import (
    KEEP,
    AccountChanges,
    AccountSettings,
    Keep,
    PushFormat,
    StatusPush,
)
from faxgate.domain.report_options import PushAuth
from faxgate.service.errors import InvalidRequest, NotFound


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("templates")
def templates_group() -> None:
    """Cover-page and overlay templates of an account."""


@templates_group.command("add")
@click.option("--cust-nr", required=True)
@click.option("--kind", type=click.Choice(TEMPLATE_KINDS), required=True)
@click.option("--name", help="Template name the jobs use (default: the file name).")
@click.option("--default", "is_default", is_flag=True, help="The account's default of this kind.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_options
def templates_add(
    cust_nr: str,
    kind: str,
    name: str | None,
    is_default: bool,
    file: Path,
    data_dir: Path | None,
    db_url: str | None,
) -> None:
    """Store FILE as a template (cover: Jinja2 HTML; overlay: one-page PDF or image)."""
    from faxgate.service import account_admin  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    template_name = name or file.name
    try:
        with_database(
            settings,
            lambda db: account_admin.add_template(
                db, cust_nr, kind, template_name, file.read_bytes(), is_default
            ),
        )
    except (InvalidRequest, NotFound) as exc:
        raise _fail(exc) from None
    click.echo(f"{kind} template {template_name!r} stored for {cust_nr}")


@templates_group.command("list")
@click.option("--cust-nr")
@store_options
def templates_list(cust_nr: str | None, data_dir: Path | None, db_url: str | None) -> None:
    """Every template: account, kind, name, size, default."""
    from faxgate.service import account_admin  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    listed = with_database(settings, lambda db: account_admin.list_templates(db, cust_nr))
    for info in listed:
        flag = "default" if info.is_default else ""
        click.echo(f"{info.cust_nr}\t{info.kind}\t{info.name}\t{info.size}\t{flag}")


def _block_command(name: str, adding: bool) -> click.Command:
    @click.command(name)
    @click.option("--cust-nr", required=True)
    @click.argument("numbers", nargs=-1, required=True)
    @store_options
    def command(
        cust_nr: str, numbers: tuple[str, ...], data_dir: Path | None, db_url: str | None
    ) -> None:
        from faxgate.service import account_admin  # noqa: PLC0415 - heavy, see top

        settings = settings_from(data_dir, db_url)
        add, remove = (list(numbers), []) if adding else ([], list(numbers))
        try:
            entries = with_database(
                settings, lambda db: account_admin.set_block_list(db, cust_nr, add, remove)
            )
        except NotFound as exc:
            raise _fail(exc) from None
        click.echo(f"block list of {cust_nr}: {', '.join(entries) or '(empty)'}")

    command.help = (
        "Add numbers or prefixes to the account's own block list (PBLACKLIST)."
        if adding
        else "Remove numbers or prefixes from the account's own block list."
    )
    return command


block_command = _block_command("block", adding=True)
unblock_command = _block_command("unblock", adding=False)


@click.command("configure")
@click.option("--cust-nr", required=True)
@click.option("--push-format", type=click.Choice(PUSH_FORMATS, case_sensitive=False))
@click.option("--push-secret", help="HMAC-SHA256 secret for the X-Faxgate-Signature header.")
@click.option("--push-url", help="Default push target for jobs that name none ('' removes it).")
@click.option("--push-auth", type=click.Choice(["NONE", "HTTP_BASIC", "HTTP_DIGEST", "OAUTH2"]))
@click.option("--push-principal", help="User, or OAuth2 client ID, of the default push.")
@click.option("--push-credentials", help="Password, or OAuth2 client secret, of the default push.")
@click.option("--push-token-url", help="OAuth2 token URL (client-credentials grant).")
@click.option("--retention-days", type=float, help="Keep completed reports this long (0: default).")
@store_options
def configure_command(
    cust_nr: str,
    push_format: str | None,
    push_secret: str | None,
    push_url: str | None,
    push_auth: str | None,
    push_principal: str | None,
    push_credentials: str | None,
    push_token_url: str | None,
    retention_days: float | None,
    data_dir: Path | None,
    db_url: str | None,
) -> None:
    """Account settings: push format, signing, default push target, report retention.
    Secrets are stored encrypted (docs/security.md) and shown as ***."""
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - cryptography, see top
    from faxgate.service import account_admin  # noqa: PLC0415 - heavy, see top

    default_push: StatusPush | Keep | None = KEEP
    if push_url is not None:  # '' removes the default push
        default_push = None
        if push_url:
            auth = PushAuth(push_auth or "NONE")
            default_push = StatusPush(push_url, auth, push_principal, push_credentials)
    changes = AccountChanges(
        push_format=PushFormat(push_format.upper()) if push_format else KEEP,
        push_secret=KEEP if push_secret is None else push_secret or None,
        retention_days=KEEP if retention_days is None else retention_days or None,
        push_token_url=KEEP if push_token_url is None else push_token_url or None,
        default_push=default_push,
    )
    settings = settings_from(data_dir, db_url)
    try:
        box = secret_box_for(settings)
        result = with_database(
            settings, lambda db: account_admin.configure(db, box, cust_nr, changes)
        )
    except (InvalidRequest, NotFound, SecretKeyError) as exc:
        raise _fail(exc) from None
    click.echo(json.dumps(_shown(result), indent=2, sort_keys=True))


MASK = "***"  # every secret, as configure prints it


def _shown(account: AccountSettings) -> dict[str, object]:
    """The account's settings as `configure` prints them, every secret as ***."""
    push = account.default_push
    secrets: list[str] = [MASK] * len(account.push_secrets)
    one_secret = MASK if account.push_secrets else None  # a list only during a rotation
    shown: dict[str, object] = {
        "blockList": list(account.block_list) or None,
        "defaultPush": push
        and {
            "targetUrl": push.url,
            "authMethod": push.auth.value,
            "principal": push.principal,
            "credentials": push.credentials and MASK,
        },
        "pushFormat": account.push_format.value,
        "pushSecret": secrets if len(secrets) > 1 else one_secret,
        "pushTokenUrl": account.push_token_url,
        "retentionDays": account.retention_days,
    }
    return {key: value for key, value in shown.items() if value is not None}


@click.group("push")
def push_group() -> None:
    """Status push and report mail deliveries."""


@push_group.command("replay")
@click.argument("job_id")
@store_options
def push_replay(job_id: str, data_dir: Path | None, db_url: str | None) -> None:
    """Deliver a job's failed notifications again (a running worker sends them)."""
    from faxgate.service import account_admin  # noqa: PLC0415 - heavy, see top

    settings = settings_from(data_dir, db_url)
    count = with_database(settings, lambda db: account_admin.replay_notifications(db, job_id))
    if not count:
        raise click.ClickException(f"no failed notification of {job_id} to replay")
    click.echo(f"{count} notification(s) of {job_id} queued again")
