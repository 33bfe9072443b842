"""Crypto-shredding a signal: its data key, attachment files and blind-index digests go; its
content is unreadable everywhere; the pages say "verwijderd"; backups are covered once the KEK
is rotated away. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.audit.service import verify_chain
from meldpunt.crypto import KeyNotFoundError, load_keyring
from meldpunt.extensions import db
from meldpunt.intake.models import Attachment, Message, Subject, SubjectIdentifier
from meldpunt.signals.models import Signal
from meldpunt.intake.service import read_signal_content
from meldpunt.vault.models import DataKey
from meldpunt.vault.service import ShreddedError, cipher_for, data_key_bytes
from meldpunt.retention.shredding import ShredError, ShredReason, shred_signal
from tests.conftest import login, make_users
from tests.support.keys import make_signal, read_everything, run_keys, write_config_toml

NO_TOTP = {"security": {"totp_required_roles": []}}


@pytest.fixture
def shred_app(app_factory, database_url):
    return app_factory(database_url, **NO_TOTP)


def test_shredding_makes_everything_of_the_signal_unreadable(shred_app):
    app = shred_app
    users = make_users(app)
    uploads = app.extensions["meldpunt.settings"].uploads.folder
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        doomed = make_signal(db.session, keyring=keyring, reporter=users["melder"], handler=users["regisseur"], n=1,
                             attachments=2)
        kept = make_signal(db.session, keyring=keyring, reporter=users["melder"], handler=users["regisseur"], n=2)
        assert len(doomed.notes) == 1
        db.session.commit()
        digests = db.session.scalar(select(func.count()).select_from(SubjectIdentifier)
                                    .where(SubjectIdentifier.signal_id == doomed.signal_id))
        storage_names = list(db.session.scalars(select(Attachment.storage_name).where(Attachment.signal_id == doomed.signal_id)))
        data_key_id = db.session.get(Signal, doomed.signal_id).data_key_id
    assert len(storage_names) == 2 and all((uploads / name).exists() for name in storage_names)
    assert digests == 3  # company name + KvK number + person name

    with app.app_context():
        signal = db.session.get(Signal, doomed.signal_id)
        result = shred_signal(db.session, signal=signal, actor_id=users["regisseur"].id,
                              actor_label=users["regisseur"].email, reason=ShredReason.RETENTION)
        db.session.commit()
    assert result.key_deleted and not result.already_shredded
    assert result.files_deleted == 2 and result.identifiers_deleted == 3

    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        signal = db.session.get(Signal, doomed.signal_id)
        assert signal.data_key_id is None and signal.shredded_at is not None and signal.is_shredded
        assert db.session.get(DataKey, data_key_id) is None
        # Rows and their ciphertext are still there; nothing can open them.
        assert signal.description_ct is not None
        assert db.session.scalar(select(func.count()).select_from(Subject).where(Subject.signal_id == signal.id)) == 2
        assert db.session.scalar(select(func.count()).select_from(Message).where(Message.signal_id == signal.id)) == 1
        with pytest.raises(ShreddedError):
            cipher_for(db.session, keyring=keyring, data_key_id=signal.data_key_id)
        with pytest.raises(ShreddedError):
            data_key_bytes(db.session, keyring=keyring, data_key_id=data_key_id)  # the old id does not help either
        with pytest.raises(ShreddedError):
            read_everything(db.session, keyring=keyring, signal_id=signal.id, uploads=uploads)
        assert read_signal_content(db.session, keyring=keyring, signal=signal).shredded
        # No digest links it to other signals any more; the other signal keeps its digests.
        assert db.session.scalar(select(func.count()).select_from(SubjectIdentifier)
                                 .where(SubjectIdentifier.signal_id == signal.id)) == 0
        assert db.session.scalar(select(func.count()).select_from(SubjectIdentifier)
                                 .where(SubjectIdentifier.signal_id == kept.signal_id)) == 3
        # The other signal of the same reporter is untouched.
        assert read_everything(db.session, keyring=keyring, signal_id=kept.signal_id, uploads=uploads) == kept

        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "signal.shred"))
        assert entry.object_id == str(signal.id) and entry.actor_label == users["regisseur"].email
        details = json.loads(entry.details)
        assert details == {"reason": "bewaartermijn", "key_deleted": True, "attachments": 2, "files_deleted": 2,
                           "identifiers_deleted": 3}
        assert verify_chain(db.session) == []
    assert not any((uploads / name).exists() for name in storage_names)

    # The reporter's and the regisseur's pages answer with "verwijderd" instead of failing.
    melder = app.test_client()
    login(melder, users["melder"].email)
    mine = melder.get(f"/mijn-meldingen/{doomed.signal_id}")
    assert mine.status_code == 200 and "verwijderd" in mine.get_data(as_text=True).lower()
    assert doomed.description not in mine.get_data(as_text=True)
    assert melder.get("/mijn-meldingen").status_code == 200
    regisseur = app.test_client()
    login(regisseur, users["regisseur"].email)
    detail = regisseur.get(f"/behandelen/meldingen/{doomed.signal_id}")
    assert detail.status_code == 200 and "verwijderd" in detail.get_data(as_text=True).lower()
    page = detail.get_data(as_text=True)
    assert users["melder"].email not in page  # the reporter's identity goes with the content
    assert regisseur.get("/behandelen/").status_code == 200
    # No status moves on shredded content.
    from meldpunt.auth.models import User
    from meldpunt.signals.service import TriageError, transition_signal

    with app.app_context():
        signal = db.session.get(Signal, doomed.signal_id)
        actor = db.session.get(User, users["regisseur"].id)
        before = (signal.status, signal.version_id)
        with pytest.raises(TriageError, match="verwijderd"):
            transition_signal(db.session, keyring=app.extensions["meldpunt.keyring"], signal=signal, actor=actor,
                              target="in_behandeling", path="status", four_eyes=False)
        assert (signal.status, signal.version_id) == before
        db.session.rollback()


def test_shredding_is_idempotent(shred_app):
    app = shred_app
    with app.app_context():
        content = make_signal(db.session, keyring=app.extensions["meldpunt.keyring"], n=3)
        db.session.commit()
        signal = db.session.get(Signal, content.signal_id)
        first = shred_signal(db.session, signal=signal, actor_label="cli", reason="vergissing")
        db.session.commit()
        shredded_at = signal.shredded_at
        second = shred_signal(db.session, signal=signal, actor_label="cli", reason="vergissing")
        db.session.commit()
        assert first.key_deleted and first.files_deleted == 1
        assert second.already_shredded and not second.key_deleted and second.files_deleted == 0
        assert db.session.get(Signal, content.signal_id).shredded_at == shredded_at
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "signal.shred")) == 1


def test_unknown_reason_is_refused_and_nothing_changes(shred_app):
    app = shred_app
    with app.app_context():
        content = make_signal(db.session, keyring=app.extensions["meldpunt.keyring"], n=4)
        db.session.commit()
        signal = db.session.get(Signal, content.signal_id)
        with pytest.raises(ShredError, match="geldige reden"):
            shred_signal(db.session, signal=signal, actor_label="cli", reason="zomaar")
        db.session.rollback()
        assert db.session.get(Signal, content.signal_id).data_key_id is not None
        read_everything(db.session, keyring=app.extensions["meldpunt.keyring"], signal_id=content.signal_id,
                        uploads=app.extensions["meldpunt.settings"].uploads.folder)


def test_backup_made_before_shredding_is_unreadable_once_the_kek_is_rotated_away(app_factory, tmp_path):
    """The "in any backup" promise, and its precondition: rotate + drop the KEK that wrapped the DEK."""
    app = app_factory()
    settings = app.extensions["meldpunt.settings"]
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        doomed = make_signal(db.session, keyring=keyring, n=5)
        kept = make_signal(db.session, keyring=keyring, n=6)
        db.session.commit()
    old_kek = app.extensions["meldpunt.keyring"].active_kek_id

    # Backups: the database with SQLite's online backup API, and the upload folder.
    live = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
    backup_file = tmp_path / "backup.sqlite"
    with sqlite3.connect(backup_file) as target:
        live.backup(target)
    live.close()
    backup_uploads = tmp_path / "backup-uploads"
    shutil.copytree(settings.uploads.folder, backup_uploads)

    with app.app_context():
        shred_signal(db.session, signal=db.session.get(Signal, doomed.signal_id), actor_label="cli",
                     reason=ShredReason.RETENTION)
        db.session.commit()

    # Caveat, documented: while the old KEK exists, the backup still opens the shredded signal.
    backup_url = f"sqlite:///{backup_file}"
    restored = app_factory(backup_url)
    with restored.app_context():
        assert read_everything(db.session, keyring=restored.extensions["meldpunt.keyring"],
                               signal_id=doomed.signal_id, uploads=backup_uploads) == doomed

    # Retention procedure: rotate the KEK and drop the old one (and destroy it in keyring backups).
    config = write_config_toml(app)
    run_keys(config, "rotate")
    run_keys(config, "drop-kek", old_kek)

    restored = app_factory(backup_url)
    keyring = restored.extensions["meldpunt.keyring"]
    assert old_kek not in keyring.keks and keyring.keks == load_keyring(settings.keyring_file).keks
    with restored.app_context():
        backup_key = db.session.scalar(select(DataKey).join(Signal, Signal.data_key_id == DataKey.id)
                                       .where(Signal.id == doomed.signal_id))
        assert backup_key.kek_id == old_kek  # the wrapped DEK is in the backup ...
        with pytest.raises(KeyNotFoundError):  # ... but no KEK that exists can unwrap it
            read_everything(db.session, keyring=keyring, signal_id=doomed.signal_id, uploads=backup_uploads)
    # The live database still reads the signal that was not shredded, under the new KEK.
    fresh = app_factory()
    with fresh.app_context():
        assert read_everything(db.session, keyring=fresh.extensions["meldpunt.keyring"], signal_id=kept.signal_id,
                               uploads=settings.uploads.folder) == kept
