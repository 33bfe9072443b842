"""`flask --app meldpunt keys …`: keyring creation, KEK rotation, index-key rotation.

Registered as a Flask plugin command (entry point ``flask.commands``) so that
``keys init`` runs before a keyring exists, when the app itself refuses to start.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import click
from flask.cli import with_appcontext

from meldpunt.config import DEFAULT_CONFIG_PATH


@click.group("keys", help="Manage the keyring (KEKs and the blind-index key).")
def keys_cli() -> None:
    pass


def _configured_keyring_path() -> Path:
    """The keyring path from MELDPUNT_KEYRING_FILE or the config file, without validating the rest."""
    if os.environ.get("MELDPUNT_KEYRING_FILE"):
        return Path(os.environ["MELDPUNT_KEYRING_FILE"]).expanduser().resolve()
    config_path = Path(os.environ.get("MELDPUNT_CONFIG", DEFAULT_CONFIG_PATH)).expanduser().resolve()
    try:
        with open(config_path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise click.ClickException(f"configuration file {config_path} not found; pass --path") from None
    value = raw.get("crypto", {}).get("keyring_file")
    if not value:
        raise click.ClickException("setting [crypto] keyring_file is missing; pass --path")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (config_path.parent / path).resolve()


@keys_cli.command("init")
@click.option("--path", "path_opt", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the keyring (default: [crypto] keyring_file).")
def keys_init(path_opt: Path | None) -> None:
    """Write a new keyring (mode 0600). Refuses to overwrite an existing one."""
    from meldpunt.crypto import generate_keyring, write_keyring

    path = path_opt or _configured_keyring_path()
    if path.exists():
        raise click.ClickException(f"{path} already exists; refusing to overwrite a keyring")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_keyring(path, generate_keyring())
    click.echo(f"keyring written to {path} (mode 0600). Back it up separately from the database.")


def _keyring_path_of_app() -> Path:
    from flask import current_app

    settings = current_app.extensions["meldpunt.settings"]
    if settings.keyring_file is None:
        raise click.ClickException("the keyring comes from MELDPUNT_KEYRING; rotate it where it is kept")
    return settings.keyring_file


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def keys_rotate(batch_size: int) -> None:
    """Make a new KEK active and re-wrap every data key under it (resumable with `keys rewrap`)."""
    from flask import current_app

    from meldpunt.crypto import write_keyring

    path = _keyring_path_of_app()
    keyring = current_app.extensions["meldpunt.keyring"].with_new_kek()
    write_keyring(path, keyring)  # persist the new KEK before any DEK depends on it
    current_app.extensions["meldpunt.keyring"] = keyring
    click.echo(f"new active KEK {keyring.active_kek_id}")
    _rewrap(batch_size)


@keys_cli.command("rewrap")
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def keys_rewrap(batch_size: int) -> None:
    """Finish an interrupted rotation: re-wrap data keys not yet under the active KEK."""
    _rewrap(batch_size)


def _rewrap(batch_size: int) -> None:
    from flask import current_app

    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_outdated, rewrap_batch

    keyring = current_app.extensions["meldpunt.keyring"]
    total = count_outdated(db.session, keyring=keyring)
    with click.progressbar(length=total, label="re-wrapping data keys") as bar:
        while True:
            done = rewrap_batch(db.session, keyring=keyring, batch_size=batch_size)
            db.session.commit()
            if not done:
                break
            bar.update(done)
    click.echo(f"all data keys are wrapped by {keyring.active_kek_id}")


@keys_cli.command("drop-kek")
@click.argument("kek_id")
@with_appcontext
def keys_drop_kek(kek_id: str) -> None:
    """Remove an old KEK from the keyring once no data key uses it."""
    from flask import current_app

    from meldpunt.crypto import write_keyring
    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_using_kek

    in_use = count_using_kek(db.session, kek_id=kek_id)
    if in_use:
        raise click.ClickException(f"{in_use} data keys still use {kek_id}; run `keys rewrap` first")
    keyring = current_app.extensions["meldpunt.keyring"]
    try:
        keyring = keyring.without_kek(kek_id)
    except Exception as exc:  # KeyNotFoundError / refusing the active KEK
        raise click.ClickException(str(exc)) from None
    write_keyring(_keyring_path_of_app(), keyring)
    click.echo(f"removed {kek_id}")


@keys_cli.command("rotate-index")
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def keys_rotate_index(batch_size: int) -> None:
    """New blind-index key; recompute every subject digest under it (resumable: run again)."""
    from flask import current_app

    from meldpunt.crypto import write_keyring
    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_outdated_digests, reindex_batch

    keyring = current_app.extensions["meldpunt.keyring"]
    if not count_outdated_digests(db.session, keyring=keyring):
        keyring = keyring.with_new_index_key()
        write_keyring(_keyring_path_of_app(), keyring)
        current_app.extensions["meldpunt.keyring"] = keyring
        click.echo(f"new active index key {keyring.active_index_key_id}")
    total = count_outdated_digests(db.session, keyring=keyring)
    with click.progressbar(length=total, label="recomputing blind indexes") as bar:
        while True:
            done = reindex_batch(db.session, keyring=keyring, batch_size=batch_size)
            db.session.commit()
            if not done:
                break
            bar.update(done)
    click.echo(f"blind indexes use {keyring.active_index_key_id}")
