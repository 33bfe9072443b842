"""Issue 20, taxonomy: migration 0007t upgrades a first-wave database with signals; every old code still resolves."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.signals.models import Signal, SignalPhenomenon
from meldpunt.intake.service import ReportInput, file_signal
from meldpunt.taxonomy.models import TaxonomyTerm, TermKind
from meldpunt.taxonomy.seed import TAXONOMY
from meldpunt.taxonomy.service import active_terms, term_labels
from meldpunt.vault.service import current_keyring

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


def _migration():
    spec = importlib.util.spec_from_file_location("taxonomy_migration", MIGRATIONS / "versions" / "0007t_taxonomy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _first_wave_terms(migration) -> list[dict]:
    """The taxonomy as the first wave seeded it: today's seed without the new terms, with the old texts, and Bibob."""
    new = {(kind, code) for kind, code, *_ in migration._NEW_TERMS}
    old_text = {(kind, code): (label, help_text) for kind, code, label, help_text, *_ in migration._CHANGED}
    rows = []
    for kind, terms in TAXONOMY.items():
        for position, (code, label, help_text) in enumerate(terms):
            if (kind.value, code) in new:
                continue
            label, help_text = old_text.get((kind.value, code), (label, help_text))
            rows.append(dict(kind=kind.value, code=code, label=label, help_text=help_text, position=position,
                             is_active=True))
    kind, code, label, help_text, *_ = migration._BIBOB
    rows.append(dict(kind=kind, code=code, label=label, help_text=help_text, position=1, is_active=True))
    return rows


def test_taxonomy_migration_upgrades_a_first_wave_database_and_every_old_code_still_resolves(database_url, instance_path):
    from meldpunt import create_app
    from tests.conftest import make_config

    migration = _migration()
    app = create_app(make_config(instance_path, database_url))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        first_wave = _first_wave_terms(migration)
        old_phenomena = [r["code"] for r in first_wave if r["kind"] == "phenomenon"]
        old_processes = [r["code"] for r in first_wave if r["kind"] == "process"]
        old_channels = [r["code"] for r in first_wave if r["kind"] == "channel"]
        # One signal per old code (the longest list decides how many).
        keyring = current_keyring()
        count = max(len(old_phenomena), len(old_processes), len(old_channels))
        for i in range(count):
            report = ReportInput(description=f"Melding {i}", phenomenon_code=old_phenomena[i % len(old_phenomena)],
                                 process_code=old_processes[i % len(old_processes)],
                                 channel=old_channels[i % len(old_channels)])
            file_signal(db.session, keyring=keyring, reporter=None, description=report.description, report=report)
        db.session.commit()
        db.session.remove()

        # Back to the first wave: its schema, and its taxonomy exactly as it was seeded then.
        downgrade(directory=str(MIGRATIONS), revision="0005m_meetings")
        terms = sa.table("taxonomy_terms", *[sa.column(c) for c in
                                             ("kind", "code", "label", "help_text", "position", "is_active")])
        with db.engine.begin() as conn:
            conn.execute(sa.delete(terms))
            conn.execute(sa.insert(terms), first_wave)
            # The beheerder rewrote one help text: the migration keeps it.
            conn.execute(sa.update(terms).where(terms.c.kind == "process", terms.c.code == "handhaving")
                         .values(help_text="Eigen tekst van de beheerder."))
            stored = conn.execute(sa.text("SELECT phenomenon_code, process_code, channel FROM signals")).all()
        assert len(stored) == count

        upgrade(directory=str(MIGRATIONS))

        phenomena = term_labels(db.session, kind=TermKind.PHENOMENON)
        processes = term_labels(db.session, kind=TermKind.PROCESS)
        channels = term_labels(db.session, kind=TermKind.CHANNEL)
        for phenomenon, process, channel in stored:
            assert phenomenon in phenomena and process in processes and channel in channels
        # Bibob is no longer offered as a process, but its code keeps a label.
        assert "bibob" in processes and "bibob" not in {t.code for t in active_terms(db.session, kind=TermKind.PROCESS)}
        # The new terms of the source reports are there and offered.
        offered = {t.code for t in active_terms(db.session, kind=TermKind.PHENOMENON)}
        assert {"verduistering", "lekken_informatie", "ronselen_jongeren", "vrijplaatsen", "cybercrime"} <= offered
        offered = {t.code for t in active_terms(db.session, kind=TermKind.PROCESS)}
        assert {"belastingen", "evenementen", "deelnemingen", "vooroverleg", "inhuur_nevenwerkzaamheden"} <= offered
        help_texts = {(t.kind, t.code): t.help_text for t in db.session.scalars(select(TaxonomyTerm))}
        assert help_texts[("process", "handhaving")] == "Eigen tekst van de beheerder."
        assert "kas of kluis" in help_texts[("process", "financieel")]
        assert "coffeeshops" in help_texts[("process", "vergunningen")]
        # "Overig" stays last; every signal's phenomenon is in the association table too.
        order = [t.code for t in active_terms(db.session, kind=TermKind.PHENOMENON)]
        assert order[-1] == "overig"
        rows = db.session.execute(select(SignalPhenomenon.signal_id, SignalPhenomenon.code)).all()
        primary = db.session.execute(select(Signal.id, Signal.phenomenon_code)).all()
        assert sorted(map(tuple, rows)) == sorted(map(tuple, primary))
        # And the seed on top of the migrated taxonomy adds nothing twice.
        from meldpunt.taxonomy.service import seed_taxonomy

        assert seed_taxonomy(db.session) == 0
        db.session.remove()
        db.engine.dispose()
