"""`flask db upgrade` from empty yields exactly the models, on SQLite and PostgreSQL; one Alembic head."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from meldpunt.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def test_single_head():
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"expected one Alembic head, found {heads}"


def test_upgrade_from_empty_matches_models(app_factory, database_url, instance_path):
    from meldpunt import create_app
    from tests.conftest import make_config

    app = create_app(make_config(instance_path, database_url))  # no create_all: only migrations
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        db.engine.dispose()


def test_encrypted_data_survives_downgrade_and_upgrade(app_factory, database_url, instance_path):
    """Migrations carry encrypted rows across: write through the services, migrate down and up, read back."""
    from flask_migrate import downgrade

    from meldpunt import create_app
    from meldpunt.signals.models import Signal
    from meldpunt.intake.service import file_signal, read_signal_content
    from meldpunt.vault.service import current_keyring
    from tests.conftest import make_config

    app = create_app(make_config(instance_path, database_url))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        signal = file_signal(db.session, keyring=current_keyring(), reporter=None, description="migratie-inhoud")
        db.session.commit()
        signal_id = signal.id
        db.session.remove()
        downgrade(directory=str(MIGRATIONS), revision="0001")
        upgrade(directory=str(MIGRATIONS))
        loaded = db.session.get(Signal, signal_id)
        assert read_signal_content(db.session, keyring=current_keyring(), signal=loaded).description == "migratie-inhoud"
        db.session.remove()
        db.engine.dispose()
