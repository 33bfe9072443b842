"""The same model tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meldpunt.auth.models import User
from meldpunt.auth.service import AccountError, authenticate, create_user
from meldpunt.extensions import db
from meldpunt.signals.models import Signal, SignalStatus
from meldpunt.intake.service import file_signal, read_signal_content
from meldpunt.vault.service import current_keyring, shred_data_key
from tests.conftest import PASSWORD


def test_backend_is_what_was_asked(app_any_db, database_url):
    with app_any_db.app_context():
        assert db.engine.dialect.name == database_url.split(":")[0].split("+")[0]


def test_user_roundtrip_and_unique_email(app_any_db):
    with app_any_db.app_context():
        user = create_user(db.session, email="A@x.nl", name="A", role="melder", password=PASSWORD)
        db.session.commit()
        assert user.email == "a@x.nl"
        assert authenticate(db.session, email="a@X.nl", password=PASSWORD).id == user.id
        assert authenticate(db.session, email="a@x.nl", password="wrong password!!") is None
        with pytest.raises(AccountError):
            create_user(db.session, email="a@x.nl", name="B", role="melder", password=PASSWORD)


def test_role_check_constraint(app_any_db):
    with app_any_db.app_context():
        db.session.add(User(email="r@x.nl", name="R", role="superuser"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_file_signal_roundtrip_and_reference_numbers(app_any_db):
    with app_any_db.app_context():
        reporter = create_user(db.session, email="m@x.nl", name="M", role="melder", password=PASSWORD)
        first = file_signal(db.session, keyring=current_keyring(), reporter=reporter, description="eerste")
        second = file_signal(db.session, keyring=current_keyring(), reporter=None, description="tweede")
        db.session.commit()
        assert first.reference.endswith("-0001") and second.reference.endswith("-0002")
        assert first.status == SignalStatus.RECEIVED
        db.session.expire_all()
        loaded = db.session.scalar(select(Signal).where(Signal.id == first.id))
        assert read_signal_content(db.session, keyring=current_keyring(), signal=loaded).description == "eerste"
        assert b"eerste" not in loaded.description_ct
        anonymous = db.session.get(Signal, second.id)
        assert anonymous.reporter_id is None and anonymous.is_anonymous


def test_anonymous_signal_cannot_have_reporter(app_any_db):
    with app_any_db.app_context():
        reporter = create_user(db.session, email="m@x.nl", name="M", role="melder", password=PASSWORD)
        signal = file_signal(db.session, keyring=current_keyring(), reporter=reporter, description="x")
        db.session.commit()
        signal.is_anonymous = True
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_shredded_signal_reads_as_removed(app_any_db):
    with app_any_db.app_context():
        signal = file_signal(db.session, keyring=current_keyring(), reporter=None, description="geheim")
        db.session.commit()
        assert shred_data_key(db.session, data_key_id=signal.data_key_id)
        db.session.commit()
        db.session.expire_all()
        signal = db.session.get(Signal, signal.id)
        assert signal.data_key_id is None
        assert read_signal_content(db.session, keyring=current_keyring(), signal=signal).shredded
