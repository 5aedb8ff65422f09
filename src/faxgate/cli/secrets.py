"""`faxgate secrets`: make a key, rotate the key file, re-seal the stored secrets.

Rotation (docs/security.md): `rotate-key` puts a new key first in the key file (the old ones
stay, to decrypt); restart every process; `reseal` re-encrypts every stored secret with the
new key; then the old keys can be removed from the file.
"""

from __future__ import annotations

from pathlib import Path

import click

from faxgate.cli.common import secret_box_for, settings_from, store_options, with_database


@click.group("secrets")
def secrets_group() -> None:
    """The key that encrypts push credentials and push secrets at rest."""


@secrets_group.command("generate-key")
def generate_key() -> None:
    """Print a new key, for FAXGATE_SECRET_KEY or a key file."""
    from faxgate.sealing.keys import new_key  # noqa: PLC0415 - cryptography, see faxgate.cli

    click.echo(new_key().decode())


@secrets_group.command("rotate-key")
@store_options
def rotate_key(data_dir: Path | None, db_url: str | None) -> None:
    """Put a new key first in the key file; the old keys stay, for decrypting."""
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - cryptography, see above
    from faxgate.sealing.keys import (  # noqa: PLC0415
        key_file_path,
        load_keys,
        new_key,
        write_key_file,
    )

    settings = settings_from(data_dir, db_url)
    if settings.secret_key:
        raise click.ClickException(
            "FAXGATE_SECRET_KEY is set: rotate it there (a new key first, the old after it)"
        )
    try:
        keys = load_keys(settings)
    except SecretKeyError as exc:
        raise click.ClickException(str(exc)) from None
    path = key_file_path(settings)
    write_key_file(path, [new_key(), *keys], replace=True)
    click.echo(
        f"{path}: a new key first, {len(keys)} older key(s) after it. Restart every process "
        "that uses this key, then run `faxgate secrets reseal`."
    )


@secrets_group.command("reseal")
@store_options
def reseal(data_dir: Path | None, db_url: str | None) -> None:
    """Encrypt every stored secret with the first key: after a rotation, and once after an
    upgrade to seal what was stored in plain text. Safe while the service runs."""
    from faxgate.sealing.box import SecretKeyError  # noqa: PLC0415 - cryptography, see above
    from faxgate.service.secrets import reseal as reseal_secrets  # noqa: PLC0415 - SQLAlchemy

    settings = settings_from(data_dir, db_url)
    try:
        box = secret_box_for(settings)
        counts = with_database(settings, lambda db: reseal_secrets(db, box))
    except SecretKeyError as exc:
        raise click.ClickException(str(exc)) from None
    for column, count in counts.items():
        click.echo(f"{column}: {count} row(s) re-sealed")
