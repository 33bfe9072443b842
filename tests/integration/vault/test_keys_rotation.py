"""KEK rotation through the real CLI: rotate, interrupt, resume, drop the old KEK; a fresh app
still decrypts every signal, subject, message, attachment file and TOTP secret. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import stat

import pytest
from sqlalchemy import func, select

from meldpunt.crypto import KeyNotFoundError, load_keyring, write_keyring
from meldpunt.extensions import db
from meldpunt.vault.models import DataKey
from meldpunt.vault.rotation import count_outdated, rewrap_batch
from tests.conftest import make_users
from tests.support.keys import (
    make_signal,
    make_user_with_totp,
    read_everything,
    read_totp_secret,
    run_keys,
    write_config_toml,
)


def _populate(app, n: int):
    users = make_users(app)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        contents = [
            make_signal(db.session, keyring=keyring, reporter=users["melder"] if i % 2 else None,
                        handler=users["regisseur"], n=i, attachments=2 if i == 0 else 1)
            for i in range(n)
        ]
        totp_user, secret = make_user_with_totp(db.session, keyring=keyring, email="totp@test.example")
        db.session.commit()
    return contents, (totp_user, secret)


def _assert_all_decrypt(app, contents, totp):
    uploads = app.extensions["meldpunt.settings"].uploads.folder
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        for content in contents:
            assert read_everything(db.session, keyring=keyring, signal_id=content.signal_id, uploads=uploads) == content
        assert read_totp_secret(db.session, keyring=keyring, user_id=totp[0]) == totp[1]


def _kek_ids_in_db(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(DataKey.kek_id).distinct()))


def test_rotate_then_drop_old_kek_everything_still_decrypts(app_factory, database_url):
    app = app_factory(database_url)
    contents, totp = _populate(app, 7)
    old_kek = app.extensions["meldpunt.keyring"].active_kek_id
    config = write_config_toml(app)

    result = run_keys(config, "rotate", "--batch-size", "3")
    keyring_path = app.extensions["meldpunt.settings"].keyring_file
    keyring = load_keyring(keyring_path)
    new_kek = keyring.active_kek_id
    assert new_kek != old_kek and set(keyring.keks) == {old_kek, new_kek}
    assert f"new active KEK {new_kek}" in result.stdout and "8 re-wrapped" in result.stdout  # 7 signals + 1 user
    assert _kek_ids_in_db(app) == {new_kek}

    dropped = run_keys(config, "drop-kek", old_kek)
    assert f"removed {old_kek}" in dropped.stdout
    assert set(load_keyring(keyring_path).keks) == {new_kek}
    assert old_kek not in keyring_path.read_text()
    assert stat.S_IMODE(keyring_path.stat().st_mode) == 0o600

    fresh = app_factory(database_url)  # a new app reads the keyring file again
    assert set(fresh.extensions["meldpunt.keyring"].keks) == {new_kek}
    _assert_all_decrypt(fresh, contents, totp)


def test_interrupted_rotation_resumes_with_rewrap(app_factory, database_url):
    app = app_factory(database_url)
    contents, totp = _populate(app, 5)
    keyring_path = app.extensions["meldpunt.settings"].keyring_file
    old_kek = app.extensions["meldpunt.keyring"].active_kek_id
    config = write_config_toml(app)

    # What `keys rotate` does, stopped after its first batch of 2: new KEK persisted, 2 of 6 re-wrapped.
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"].with_new_kek()
        write_keyring(keyring_path, keyring)
        assert rewrap_batch(db.session, keyring=keyring, batch_size=2) == 2
        db.session.commit()
        assert count_outdated(db.session, keyring=keyring) == 4
    new_kek = keyring.active_kek_id
    assert _kek_ids_in_db(app) == {old_kek, new_kek}

    # Half-way, both KEKs are needed and a fresh app decrypts everything.
    _assert_all_decrypt(app_factory(database_url), contents, totp)
    refused = run_keys(config, "drop-kek", old_kek, check=False)
    assert refused.returncode != 0 and "4 data keys still use" in refused.stderr
    assert old_kek in load_keyring(keyring_path).keks

    resumed = run_keys(config, "rewrap", "--batch-size", "3")
    assert "4 re-wrapped" in resumed.stdout
    assert _kek_ids_in_db(app) == {new_kek}
    again = run_keys(config, "rewrap")
    assert "0 re-wrapped" in again.stdout

    run_keys(config, "drop-kek", old_kek)
    _assert_all_decrypt(app_factory(database_url), contents, totp)

    with app.app_context():
        rewrapped = db.session.scalar(select(func.count()).select_from(DataKey).where(DataKey.rewrapped_at.is_not(None)))
    assert rewrapped == 6


def test_drop_kek_refuses_the_active_kek_and_unknown_ids(app_factory):
    app = app_factory()
    config = write_config_toml(app)
    active = app.extensions["meldpunt.keyring"].active_kek_id
    refused = run_keys(config, "drop-kek", active, check=False)
    assert refused.returncode != 0 and "active KEK" in refused.stderr
    unknown = run_keys(config, "drop-kek", "kek-1999-01-01-000000", check=False)
    assert unknown.returncode != 0 and "not in the keyring" in unknown.stderr
    assert active in load_keyring(app.extensions["meldpunt.settings"].keyring_file).keks


def test_a_data_key_under_a_lost_kek_stops_rewrap_with_a_clear_message(app_factory):
    """E.g. a database restored from a backup older than the keyring: rewrap says which KEK is missing."""
    app = app_factory()
    contents, _totp = _populate(app, 2)
    old_kek = app.extensions["meldpunt.keyring"].active_kek_id
    keyring_path = app.extensions["meldpunt.settings"].keyring_file
    lost = app.extensions["meldpunt.keyring"].with_new_kek()
    write_keyring(keyring_path, lost.without_kek(old_kek))  # the old KEK is gone without a rewrap
    result = run_keys(write_config_toml(app), "rewrap", check=False)
    assert result.returncode != 0
    assert f"KEK {old_kek!r} is not in the keyring" in result.stderr and "Traceback" not in result.stderr
    status = run_keys(write_config_toml(app), "status")
    assert f"KEK {old_kek} NOT IN KEYRING: 3 data keys cannot be read" in status.stderr
    fresh = app_factory()
    with fresh.app_context(), pytest.raises(KeyNotFoundError):
        read_everything(db.session, keyring=fresh.extensions["meldpunt.keyring"], signal_id=contents[0].signal_id,
                        uploads=fresh.extensions["meldpunt.settings"].uploads.folder)


def test_status_lists_key_ids_and_usage_but_no_key_material(app_factory):
    app = app_factory()
    _populate(app, 2)
    config = write_config_toml(app)
    result = run_keys(config, "status")
    keyring = app.extensions["meldpunt.keyring"]
    assert f"KEK {keyring.active_kek_id} (active): 3 data keys" in result.stdout
    doc = json.loads(app.extensions["meldpunt.settings"].keyring_file.read_text())
    for key in [*doc["keks"].values(), *doc["index_keys"].values()]:
        assert key not in result.stdout
