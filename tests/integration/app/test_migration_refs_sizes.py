"""Migration 0003d_refs_sizes (issue 15 item 8) on SQLite and PostgreSQL: series kept across down/up, sizes rounded."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from meldpunt.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[3] / "migrations")


def test_item_08_migration_keeps_reference_series_and_rounds_sizes(database_url, instance_path):
    from meldpunt import create_app
    from meldpunt.intake.attachments import Upload
    from meldpunt.intake.models import Attachment
    from meldpunt.signals.models import Signal
    from meldpunt.intake.service import file_signal
    from meldpunt.vault.service import current_keyring
    from tests.conftest import make_config

    app = create_app(make_config(instance_path, database_url))
    settings = app.extensions["meldpunt.settings"].uploads
    with app.app_context():
        upgrade(directory=MIGRATIONS)

        def file(text: str, colleague: bool, files=()) -> str:
            signal = file_signal(db.session, keyring=current_keyring(), reporter=None, description=text,
                                 about_colleague=colleague, uploads=files, upload_settings=settings)
            db.session.commit()
            return signal.reference

        regular = file("gewoon", False, [Upload(filename="a.txt", stream=io.BytesIO(b"tekst\n"))])
        integrity = file("collega", True)
        assert regular.startswith("MO-") and regular.endswith("-0001")
        assert integrity.startswith("MI-") and integrity.endswith("-0001")
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0002")
        with db.engine.begin() as conn:
            rows = dict(conn.execute(sa.text("SELECT reference, ref_seq FROM signals")).all())
            assert rows == {regular: 1, integrity: -1}  # parked below zero: unique in the old (year, seq) space
            conn.execute(sa.text("UPDATE attachments SET size = 1234"))  # an exact size, as the old code stored

        upgrade(directory=MIGRATIONS)
        restored = {s.reference: (s.ref_series, s.ref_seq) for s in db.session.scalars(sa.select(Signal))}
        assert restored == {regular: ("MO", 1), integrity: ("MI", 1)}
        assert db.session.scalar(sa.select(Attachment.size)) == 64 * 1024
        year = regular.split("-")[1]
        assert file("nog een collega", True) == f"MI-{year}-0002"
        assert file("nog een gewone", False) == f"MO-{year}-0002"
        db.session.remove()
        db.engine.dispose()
