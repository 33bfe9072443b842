"""Queue page render time at fixed sizes: 1,000 and 100,000 signals.

Bulk-inserts signals with core inserts (plaintext metadata, dummy ciphertext bytes),
logs in a regisseur and renders ``/behandelen/?tab=...`` through the Flask test
client ``--repeat`` times per tab; prints p50/p95 per tab and the 100k/1k ratio.
Runs on a SQLite file, and on PostgreSQL when it answers (``--pg-url``).

    .venv/bin/python -m bench.bench_queue [--repeat 30] [--no-pg]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (1_000, 100_000)
TABS = ("nieuw", "mijn", "wacht", "te-laat", "alle")
STATUSES = ["ontvangen", "in_behandeling", "verrijking", "gekoppeld_aan_casus", "geagendeerd", "besproken",
            "afgesloten", "niet_ontvankelijk", "doorgezonden"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _fill(app, size: int, users) -> None:
    from meldpunt.extensions import db
    from meldpunt.intake.models import Signal
    from meldpunt.taxonomy.models import TaxonomyTerm, TermKind

    rng = random.Random(42)
    with app.app_context():
        phenomena = list(db.session.scalars(db.select(TaxonomyTerm.code).where(TaxonomyTerm.kind == TermKind.PHENOMENON.value)))
        processes = list(db.session.scalars(db.select(TaxonomyTerm.code).where(TaxonomyTerm.kind == TermKind.PROCESS.value)))
        regisseur_id = users["regisseur"].id
        now = datetime.now(timezone.utc)
        table = Signal.__table__
        batch = []
        for seq in range(1, size + 1):
            created = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            status = rng.choice(STATUSES) if rng.random() > 0.1 else "ontvangen"
            batch.append({
                "id": uuid.uuid4(), "reference": f"MO-2000-{seq:06d}", "ref_year": 2000, "ref_seq": seq,
                "status": status, "track": "regulier" if rng.random() > 0.05 else "integriteit",
                "channel": "intern_formulier", "phenomenon_code": rng.choice(phenomena),
                "process_code": rng.choice(processes), "department_code": f"afd{rng.randrange(12)}",
                "feels_unsafe": False, "is_anonymous": True, "reporter_id": None, "wants_feedback": True,
                "feedback_by_email": False, "assignee_id": regisseur_id if rng.random() < 0.1 else None,
                "data_key_id": None, "created_at": created, "updated_at": created,
                "first_feedback_at": None if status == "ontvangen" or rng.random() < 0.05 else created + timedelta(days=2),
                "version_id": 1, "description_ct": os.urandom(64),
            })
            if len(batch) == 10_000:
                db.session.execute(table.insert(), batch)
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load: statistics and the visibility map (index-only scans).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(db.text("VACUUM ANALYZE signals"))
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()


def _measure(app, users, repeat: int) -> dict[str, tuple[float, float]]:
    from tests.functional.conftest_auth import login_full

    client = app.test_client()
    login_full(client, users["regisseur"].email)
    results = {}
    for tab in TABS:
        assert client.get(f"/behandelen/?tab={tab}").status_code == 200  # warm up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(f"/behandelen/?tab={tab}")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        results[tab] = (statistics.median(times), percentile(times, 0.95))
    return results


def _run_backend(name: str, make_url, repeat: int) -> None:
    from meldpunt import create_app
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from tests.conftest import make_config, make_users

    measured = {}
    for size in SIZES:
        tmp = Path(tempfile.mkdtemp(prefix="bench-queue-"))
        instance = tmp / "instance"
        instance.mkdir()
        (instance / "uploads").mkdir()
        write_keyring(instance / "keyring.json", generate_keyring())
        url, cleanup = make_url(tmp)
        try:
            app = create_app(make_config(instance, url))
            app.config["TESTING"] = True
            with app.app_context():
                db.create_all()
            users = make_users(app)
            start = time.perf_counter()
            _fill(app, size, users)
            print(f"{name}: {size:>7,} signals inserted in {time.perf_counter() - start:.1f} s", flush=True)
            measured[size] = _measure(app, users, repeat)
            for tab, (p50, p95) in measured[size].items():
                print(f"{name}: {size:>7,} signals  tab={tab:<8} p50={p50:7.1f} ms  p95={p95:7.1f} ms", flush=True)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        finally:
            cleanup()
    small, large = SIZES
    for tab in TABS:
        ratio = measured[large][tab][0] / measured[small][tab][0]
        print(f"{name}: tab={tab:<8} p50 ratio {large:,}/{small:,} = {ratio:.2f}x", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    import sqlalchemy as sa

    _run_backend("sqlite", lambda tmp: (f"sqlite:///{tmp / 'bench.sqlite'}", lambda: None), args.repeat)
    if args.no_pg:
        return 0
    admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        print(f"postgresql: not reachable at {args.pg_url} ({type(exc).__name__}); skipped")
        return 0

    def make_pg(_tmp):
        name = f"mp_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        return sa.engine.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False), drop

    _run_backend("postgresql", make_pg, args.repeat)
    admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
