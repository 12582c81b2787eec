"""``slipstream rotate-fernet-key``: every encrypted secret written again with the newest key."""

from __future__ import annotations

import click

from slipstream.cli.environment import load_settings, open_store


@click.command("rotate-fernet-key")
def rotate_fernet_key() -> None:
    """Re-encrypt every variable and connection secret with the first key of [core] fernet_key.

    Put the new key first and the old one after it (fernet_key = "new,old"), run this, then
    keep only the new key."""
    from slipstream.store import key_rotation
    from slipstream.store.encryption import FernetKeyError, cipher_from_config

    settings = load_settings()
    db = open_store(settings)
    try:
        cipher = cipher_from_config(settings.home)
        with db.write() as session:
            rotated = key_rotation.rotate(session, cipher)
    except FernetKeyError as err:
        raise click.ClickException(str(err)) from None
    finally:
        db.dispose()
    click.echo(
        f"Re-encrypted {rotated.variables} variable(s) and {rotated.connections} connection(s) with the first key "
        f"of {cipher.source}."
    )
