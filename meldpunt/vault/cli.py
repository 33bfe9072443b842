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


def _audit(action: str, details: dict) -> None:
    from meldpunt.audit.service import record
    from meldpunt.extensions import db

    record(db.session, action=action, actor_label="cli", object_type="keyring", object_id="", details=details)
    db.session.commit()


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def keys_rotate(batch_size: int) -> None:
    """Make a new KEK active and re-wrap every data key under it (resumable with `keys rewrap`)."""
    from flask import current_app

    from meldpunt.crypto import write_keyring

    path = _keyring_path_of_app()
    old = current_app.extensions["meldpunt.keyring"].active_kek_id
    keyring = current_app.extensions["meldpunt.keyring"].with_new_kek()
    write_keyring(path, keyring)  # persist the new KEK before any DEK depends on it
    current_app.extensions["meldpunt.keyring"] = keyring
    click.echo(f"new active KEK {keyring.active_kek_id} (was {old})")
    _audit("keys.rotate", {"kek_id": keyring.active_kek_id, "previous_kek_id": old})
    _rewrap(batch_size)
    click.echo(f"restart every web and worker process, then remove the old KEK: keys drop-kek {old}")


@keys_cli.command("rewrap")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def keys_rewrap(batch_size: int) -> None:
    """Finish an interrupted rotation: re-wrap data keys not yet under the active KEK."""
    _rewrap(batch_size)


def _rewrap(batch_size: int) -> None:
    from flask import current_app

    from meldpunt.crypto import CryptoError
    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_outdated, rewrap_batch

    keyring = current_app.extensions["meldpunt.keyring"]
    total = count_outdated(db.session, keyring=keyring)
    done_total = 0
    with click.progressbar(length=total, label="re-wrapping data keys") as bar:
        while True:
            try:
                done = rewrap_batch(db.session, keyring=keyring, batch_size=batch_size)
            except CryptoError as exc:  # a data key under a KEK that is not in the keyring
                db.session.rollback()
                raise click.ClickException(f"{exc}; {done_total} data keys were re-wrapped before this") from None
            db.session.commit()  # one transaction per batch: an interruption loses at most one batch
            if not done:
                break
            done_total += done
            bar.update(done)
    if done_total:
        _audit("keys.rewrap", {"kek_id": keyring.active_kek_id, "rewrapped": done_total})
    click.echo(f"all data keys are wrapped by {keyring.active_kek_id} ({done_total} re-wrapped now)")


@keys_cli.command("drop-kek")
@click.argument("kek_id")
@with_appcontext
def keys_drop_kek(kek_id: str) -> None:
    """Remove an old KEK from the keyring once no data key uses it."""
    from flask import current_app

    from meldpunt.crypto import CryptoError, write_keyring
    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_using_kek

    in_use = count_using_kek(db.session, kek_id=kek_id)
    if in_use:
        raise click.ClickException(f"{in_use} data keys still use {kek_id}; run `keys rewrap` first")
    keyring = current_app.extensions["meldpunt.keyring"]
    try:
        keyring = keyring.without_kek(kek_id)
    except CryptoError as exc:  # KeyNotFoundError / refusing the active KEK
        raise click.ClickException(str(exc)) from None
    write_keyring(_keyring_path_of_app(), keyring)
    current_app.extensions["meldpunt.keyring"] = keyring
    _audit("keys.drop_kek", {"kek_id": kek_id})
    click.echo(f"removed {kek_id}. Destroy it in every keyring backup too (see docs/security/encryption.md).")


@keys_cli.command("rotate-index")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def keys_rotate_index(batch_size: int) -> None:
    """New blind-index key; recompute every subject digest under it (resumable: run again).

    Old index keys stay in the keyring: receipt-code digests cannot be recomputed (only the
    reporter knows the code) and are checked under the key they name.
    """
    from flask import current_app

    from meldpunt.crypto import write_keyring
    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_outdated_digests, reindex_batch

    keyring = current_app.extensions["meldpunt.keyring"]
    if count_outdated_digests(db.session, keyring=keyring):
        click.echo(f"resuming: digests not yet under the active index key {keyring.active_index_key_id}")
    else:
        old = keyring.active_index_key_id
        keyring = keyring.with_new_index_key()
        write_keyring(_keyring_path_of_app(), keyring)
        current_app.extensions["meldpunt.keyring"] = keyring
        click.echo(f"new active index key {keyring.active_index_key_id} (was {old}, kept)")
        _audit("keys.rotate_index", {"index_key_id": keyring.active_index_key_id, "previous_index_key_id": old})
    total = remaining = count_outdated_digests(db.session, keyring=keyring)
    with click.progressbar(length=total, label="recomputing blind indexes") as bar:
        while remaining:
            reindex_batch(db.session, keyring=keyring, batch_size=batch_size)
            db.session.commit()
            now_remaining = count_outdated_digests(db.session, keyring=keyring)
            if now_remaining >= remaining:
                raise click.ClickException(f"no progress: {now_remaining} subjects still have old digests")
            bar.update(remaining - now_remaining)
            remaining = now_remaining
    click.echo(f"blind indexes use {keyring.active_index_key_id}")


@keys_cli.command("drop-index-key")
@click.argument("key_id")
@with_appcontext
def keys_drop_index_key(key_id: str) -> None:
    """Remove an old index key once no subject digest and no receipt code uses it.

    Receipt codes under that key stop working: only do this after their signals were shredded
    or closed long enough ago that reporters no longer need the code.
    """
    from flask import current_app

    from meldpunt.crypto import CryptoError, write_keyring
    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_using_index_key

    in_use = count_using_index_key(db.session, key_id=key_id)
    if in_use:
        raise click.ClickException(
            f"{in_use} digests or receipt codes still use {key_id}; keep it (run `keys rotate-index` for subjects)"
        )
    keyring = current_app.extensions["meldpunt.keyring"]
    try:
        keyring = keyring.without_index_key(key_id)
    except CryptoError as exc:
        raise click.ClickException(str(exc)) from None
    write_keyring(_keyring_path_of_app(), keyring)
    current_app.extensions["meldpunt.keyring"] = keyring
    _audit("keys.drop_index_key", {"index_key_id": key_id})
    click.echo(f"removed {key_id}")


@keys_cli.command("status")
@with_appcontext
def keys_status() -> None:
    """Key ids in the keyring and how many rows use each (never key material)."""
    from flask import current_app

    from meldpunt.extensions import db
    from meldpunt.vault.rotation import count_using_index_key, count_using_kek

    from sqlalchemy import func, select

    from meldpunt.vault.models import DataKey

    keyring = current_app.extensions["meldpunt.keyring"]
    for kek_id in sorted(keyring.keks):
        active = " (active)" if kek_id == keyring.active_kek_id else ""
        click.echo(f"KEK {kek_id}{active}: {count_using_kek(db.session, kek_id=kek_id)} data keys")
    missing = db.session.execute(
        select(DataKey.kek_id, func.count()).where(DataKey.kek_id.not_in(list(keyring.keks))).group_by(DataKey.kek_id)
    ).all()
    for kek_id, count in missing:
        click.echo(f"KEK {kek_id} NOT IN KEYRING: {count} data keys cannot be read", err=True)
    for key_id in sorted(keyring.index_keys):
        active = " (active)" if key_id == keyring.active_index_key_id else ""
        click.echo(f"index key {key_id}{active}: {count_using_index_key(db.session, key_id=key_id)} digests")
    from meldpunt.vault.rotation import oldest_kek

    oldest = oldest_kek(db.session, keyring=keyring)
    if oldest is not None:
        kek_id, created = oldest
        click.echo(f"oldest KEK still in use: {kek_id}, created {created.isoformat() if created else 'unknown'}; "
                   "backups made since then can open signals shredded later until it is rotated away "
                   "(keys rotate, keys drop-kek; see docs/privacy.md)")
