"""The retention job on PostgreSQL: shred ``--signals`` expired signals, in batches, and time it.

Seeds a fresh database (``flask db upgrade``) with ``--signals`` signals closed three years ago
(afgesloten, term two years), each with its own data key (a real wrapped DEK), one subject with two
blind-index digests and one enrichment note, by COPY. Then runs ``run_retention`` (one transaction
per batch, ``FOR UPDATE SKIP LOCKED``, one audit entry per signal) and prints signals per second.
No attachment files: deleting files is the file system's cost, not the job's.

    .venv/bin/python -m bench retention [--signals 100000] [--batch-size 1000] [--keep] [--db NAME]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import record  # noqa: E402

MIGRATIONS = ROOT / "migrations"


def seed_expired(app, count: int) -> float:
    """COPY ``count`` expired signals with data keys, subjects, digests and notes. Returns seconds."""
    from meldpunt.crypto import generate_dek, wrap_dek
    from meldpunt.extensions import db

    keyring = app.extensions["meldpunt.keyring"]
    closed = datetime.now(timezone.utc) - timedelta(days=3 * 366)
    started = time.perf_counter()
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            dek = generate_dek()
            ids = [(uuid.uuid4(), uuid.uuid4(), uuid.uuid4()) for _ in range(count)]  # signal, key, subject
            with cur.copy("COPY data_keys (id, kek_id, wrapped, created_at) FROM STDIN") as keys:
                for _signal_id, key_id, _subject_id in ids:
                    kek_id, blob = wrap_dek(keyring, dek, key_ref=str(key_id))
                    keys.write_row((key_id, kek_id, blob, closed))
            with cur.copy("COPY signals (id, reference, ref_series, ref_year, ref_seq, status, track, channel, "
                          "feels_unsafe, is_anonymous, wants_feedback, feedback_by_email, data_key_id, "
                          "created_at, updated_at, closed_at, version_id, description_ct) FROM STDIN") as signals:
                for n, (signal_id, key_id, _subject_id) in enumerate(ids, 1):
                    signals.write_row((signal_id, f"MO-2020-{n:07d}", "MO", 2020, n, "afgesloten", "regulier",
                                       "intern_formulier", False, False, True, False, key_id, closed, closed, closed, 1,
                                       os.urandom(600)))
            with cur.copy("COPY subjects (id, signal_id, kind, added_by, data_ct, created_at) FROM STDIN") as subjects:
                for signal_id, _key_id, subject_id in ids:
                    subjects.write_row((subject_id, signal_id, "persoon", "melder", os.urandom(120), closed))
            with cur.copy("COPY subject_identifiers (subject_id, signal_id, kind, key_id, digest) FROM STDIN") as idx:
                for signal_id, _key_id, subject_id in ids:
                    idx.write_row((subject_id, signal_id, "naam", "idx-bench", os.urandom(32).hex()))
                    idx.write_row((subject_id, signal_id, "bsn", "idx-bench", os.urandom(32).hex()))
            with cur.copy("COPY enrichment_notes (id, signal_id, register, consulted_on, created_at, content_ct) "
                          "FROM STDIN") as notes:
                for signal_id, _key_id, _subject_id in ids:
                    notes.write_row((uuid.uuid4(), signal_id, "vergunningen", closed.date(), closed, os.urandom(200)))
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        db.session.remove()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench retention", description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--db", default=None, help="database name")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from meldpunt import create_app
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from meldpunt.retention.service import run_retention
    from tests.conftest import make_config

    admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        print(f"postgresql: not reachable at {args.pg_url} ({type(exc).__name__}); skipped")
        return 0
    name = args.db or f"mp_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    instance = Path(tempfile.mkdtemp(prefix="bench-retention-")) / "instance"
    (instance / "uploads").mkdir(parents=True)
    write_keyring(instance / "keyring.json", generate_keyring())
    try:
        app = create_app(make_config(instance, url))
        with app.app_context():
            upgrade(directory=str(MIGRATIONS))
            db.session.remove()
        took = seed_expired(app, args.signals)
        print(f"postgresql: {args.signals:,} expired signals seeded in {took:.0f} s", flush=True)
        settings = app.extensions["meldpunt.settings"]
        done = [0]
        started = time.perf_counter()

        def progress(count: int) -> None:
            done[0] += count
            if done[0] % (args.batch_size * 10) == 0:
                print(f"  {done[0]:,} shredded ({time.perf_counter() - started:.0f} s)", flush=True)

        statements = [0]

        def count(*_args) -> None:
            statements[0] += 1

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                outcome = run_retention(db.session, terms=settings.retention, actor_label="bench",
                                        batch_size=args.batch_size, uploads_folder=settings.uploads.folder,
                                        on_batch=progress)
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
            left = db.session.scalar(sa.text("SELECT count(*) FROM data_keys"))
            db.session.remove()
        seconds = time.perf_counter() - started
        batches = -(-len(outcome.shredded) // args.batch_size) if outcome.shredded else 0
        per_batch = statements[0] / batches if batches else 0.0
        print(f"retention: {statements[0]:,} SQL statements for {batches} batches = {per_batch:.1f} per batch",
              flush=True)
        record("retention", f"{args.signals // 1000:,}k expired signals: statements per batch", per_batch, "statements")
        rate = len(outcome.shredded) / seconds if seconds else 0.0
        print(f"retention: {len(outcome.shredded):,} signals shredded in {seconds:.1f} s = {rate:,.0f} signals/s "
              f"(batch {args.batch_size}; data keys left: {left})", flush=True)
        size = f"{args.signals // 1000:,}k"
        record("retention", f"{size} expired signals: job", seconds, "s")
        record("retention", f"{size} expired signals: rate", rate, "signals/s")
        with app.app_context():
            db.engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
