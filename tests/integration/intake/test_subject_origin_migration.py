"""Migration 0003a (issue 15 item 1): existing subjects get ``added_by`` from the audit trail and the filing time."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from meldpunt.audit.service import record, seal_all
from meldpunt.extensions import db
from meldpunt.intake.models import Subject, SubjectIdentifier, SubjectOrigin
from meldpunt.intake.service import ReportInput, SubjectInput, file_signal
from meldpunt.intake.subjects import add_subject
from meldpunt.vault.service import cipher_for, current_keyring

MIGRATIONS = str(Path(__file__).resolve().parents[3] / "migrations")


def test_item_01_migration_backfills_who_added_each_subject(database_url, instance_path):
    from meldpunt import create_app
    from tests.conftest import make_config

    app = create_app(make_config(instance_path, database_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        keyring = current_keyring()
        report = ReportInput(description="Migratie", subjects=[SubjectInput(name="Eigen Persoon", kvk="12345678")])
        signal = file_signal(db.session, keyring=keyring, reporter=None, description=report.description, report=report)
        cipher = cipher_for(db.session, keyring=keyring, data_key_id=signal.data_key_id)
        own = db.session.scalar(select(Subject.id).where(Subject.signal_id == signal.id))
        # The handler's route, right after filing: recognised by its audit entry.
        by_route = add_subject(db.session, keyring=keyring, signal=signal, cipher=cipher, kind="persoon", name="Route")
        record(db.session, action="signal.add_subject", actor_label="regisseur@test.example", object_type="signal",
               object_id=signal.id, details={"subject_id": str(by_route.id), "kind": by_route.kind})
        # Stored long after filing without an audit entry: not the reporter's either.
        late = add_subject(db.session, keyring=keyring, signal=signal, cipher=cipher, kind="persoon", name="Laat")
        late.created_at = signal.created_at + timedelta(hours=3)
        db.session.commit()
        ids = {"own": own, "by_route": by_route.id, "late": late.id}
        signal_id, filed_at = signal.id, signal.created_at
        identifiers = db.session.scalar(select(func.count(SubjectIdentifier.id)))
        seal_all(db.session)  # a trail goes back past migration 0014s only when every entry is sealed
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0002")  # as before this revision: nobody recorded it
        upgrade(directory=MIGRATIONS)

        origin = {name: db.session.get(Subject, subject_id).added_by for name, subject_id in ids.items()}
        assert origin == {"own": SubjectOrigin.REPORTER.value, "by_route": SubjectOrigin.HANDLER.value,
                          "late": SubjectOrigin.HANDLER.value}
        # Adding the column copied no table: the subjects' blind-index rows are all still there.
        assert db.session.scalar(select(func.count(SubjectIdentifier.id))) == identifiers == 4

        # A subject stored without saying who named it is the handler's (fail closed), in the database too.
        unsaid = uuid.uuid4()
        table = sa.table("subjects", sa.column("id", sa.Uuid()), sa.column("signal_id", sa.Uuid()),
                         sa.column("kind", sa.String()), sa.column("created_at", sa.DateTime(timezone=True)))
        db.session.execute(sa.insert(table).values(id=unsaid, signal_id=signal_id, kind="persoon",
                                                   created_at=filed_at))
        db.session.commit()
        assert db.session.get(Subject, unsaid).added_by == SubjectOrigin.HANDLER.value
        with pytest.raises(sa.exc.IntegrityError):  # the named check constraint
            db.session.execute(sa.update(Subject).where(Subject.id == unsaid).values(added_by="iemand"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
