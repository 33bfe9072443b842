"""The handler's queue at a fixed size on PostgreSQL: every tab, page 1 and a deep page.

Seeds a fresh database (``flask db upgrade``, so the production indexes) with ``--signals``
signals by COPY, in a realistic mix: three years of signals in filing order, 85 % of those
older than 90 days closed, 5 % on the integrity track, open signals spread over three
regisseurs, 70 % of reporters wanting feedback and some of them still waiting for it,
ciphertext columns of realistic width (random bytes; nothing is decrypted on the queue).
Then logs in a regisseur and requests ``/behandelen/?tab=...`` through the Flask test client
``--repeat`` times per tab: page 1, and page ``--deep`` (about 1,000) through the keyset cursor
of its "Volgende" link. Prints p50/p95 per figure and records them for ``python -m bench``.

    .venv/bin/python -m bench queue --signals 1000000 [--repeat 30] [--deep 1000] [--keep] [--db NAME]

``--db NAME --keep`` keeps the seeded database; a later run with ``--db NAME`` reuses it
(after upgrading it to the current migrations), so code can be compared on the same data.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import record, summary  # noqa: E402
from bench.seed import seed  # noqa: E402

TABS = ("nieuw", "mijn", "wacht", "te-laat", "alle")
MIGRATIONS = ROOT / "migrations"


def _deep_links(app, user_id: int, deep: int, per_page: int, tabs=TABS) -> dict[str, tuple[int, str]]:
    """Per tab: (page number, URL) of page ``deep`` as its "Volgende" link would give it (or the last page)."""
    from meldpunt.auth.models import User
    from meldpunt.extensions import db
    from meldpunt.signals.models import Signal
    from meldpunt.triage import queue

    links = {}
    with app.app_context():
        for tab in tabs:
            first = queue.load_queue(db.session, track="regulier", user_id=user_id, tab=queue.Tab(tab),
                                       per_page=per_page)
            count = first.counts[queue.Tab(tab)]
            page = min(deep, max(1, -(-count // per_page)))  # the deep page, or the last one of a short tab
            if page == 1:
                links[tab] = (1, f"/behandelen/?tab={tab}")
                continue
            if not hasattr(queue, "cursor_for"):  # code before keyset paging: only ?pagina=N exists
                links[tab] = (page, f"/behandelen/?tab={tab}&pagina={page}")
                continue
            columns, descending = queue.SORTS["nieuwste"]
            cutoff = first.overdue_before
            where = [Signal.track == "regulier"]
            condition = queue._tab_condition(queue.Tab(tab), user_id=user_id, cutoff=cutoff)
            if condition is not None:
                where.append(condition)
            query = (db.select(*queue.QUEUE_COLUMNS).outerjoin(User, User.id == Signal.assignee_id)
                     .where(*where).order_by(*[c.desc() for c in columns]).offset((page - 1) * per_page - 1).limit(1))
            row = queue.QueueRow(*db.session.execute(query).one())
            links[tab] = (page, f"/behandelen/?tab={tab}&na={queue.cursor_for(row)}&pagina={page}")
        db.session.remove()
    return links


def _time(client, url: str, repeat: int) -> tuple[float, float]:
    response = client.get(url)  # warm up
    assert response.status_code == 200, (url, response.status_code)  # nosec B101 # a benchmark, not a check
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return summary(times)


def _time_service(app, user_id: int, tab: str, url: str, repeat: int) -> tuple[float, float]:
    """``load_queue`` alone (the database work of the page without Flask, login and template)."""
    from urllib.parse import parse_qs, urlsplit

    from meldpunt.extensions import db
    from meldpunt.triage import queue

    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    kwargs = {"page": int(params.get("pagina", 1))}
    if "na" in params:
        kwargs["after"] = params["na"]
    times = []
    with app.app_context():
        for _ in range(repeat + 1):
            start = time.perf_counter()
            queue.load_queue(db.session, track="regulier", user_id=user_id, tab=queue.Tab(tab), **kwargs)
            times.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
        db.session.remove()
    return summary(times[1:])


def measure(app, users: dict, *, repeat: int, deep: int, signals: int, tabs=TABS) -> None:
    import re

    from tests.support.logins import login_full

    regisseur = users["regisseur"]
    client = app.test_client()
    login_full(client, regisseur.email)
    links = _deep_links(app, regisseur.id, deep, 25, tabs)
    first = client.get("/behandelen/?tab=alle").get_data(as_text=True)
    counts = dict(re.findall(r'\?tab=([a-z-]+)[^"]*"[^>]*>[^<]*<span class="count">\(([^)]*)\)', first))
    print(f"  tab counts shown: {counts}", flush=True)
    size = f"{signals // 1000:,}k" if signals < 1_000_000 else f"{signals / 1_000_000:g}M"
    for tab in tabs:
        p50, p95 = _time(client, f"/behandelen/?tab={tab}", repeat)
        record("queue", f"{size} tab={tab} page 1 p50", p50, "ms")
        record("queue", f"{size} tab={tab} page 1 p95", p95, "ms")
        page, url = links[tab]
        d50, d95 = _time(client, url, repeat)
        record("queue", f"{size} tab={tab} deep p50", d50, "ms")
        record("queue", f"{size} tab={tab} deep p95", d95, "ms")
        print(f"  tab={tab:<8} HTTP    page 1: p50={p50:6.1f} p95={p95:6.1f} ms   page {page:>4}: p50={d50:6.1f} "
              f"p95={d95:6.1f} ms", flush=True)
        s50, s95 = _time_service(app, regisseur.id, tab, f"/behandelen/?tab={tab}", repeat)
        e50, e95 = _time_service(app, regisseur.id, tab, url, repeat)
        record("queue", f"{size} tab={tab} page 1 service p95", s95, "ms")
        record("queue", f"{size} tab={tab} deep service p95", e95, "ms")
        print(f"  tab={tab:<8} service page 1: p50={s50:6.1f} p95={s95:6.1f} ms   page {page:>4}: p50={e50:6.1f} "
              f"p95={e95:6.1f} ms", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench queue", description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--deep", type=int, default=1000, help="the deep page (default 1000)")
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--tabs", default=",".join(TABS), help="comma-separated tabs (default all)")
    parser.add_argument("--db", default=None, help="database name (reused when it exists)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from meldpunt import create_app
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from tests.conftest import make_config, make_users

    admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        print(f"postgresql: not reachable at {args.pg_url} ({type(exc).__name__}); skipped")
        return 0
    name = args.db or f"mp_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    instance = Path(tempfile.mkdtemp(prefix="bench-queue-")) / "instance"
    (instance / "uploads").mkdir(parents=True)
    keyring = Path(tempfile.gettempdir()) / f"{name}-keyring.json"
    if not keyring.exists():
        write_keyring(keyring, generate_keyring())
    (instance / "keyring.json").write_bytes(keyring.read_bytes())
    (instance / "keyring.json").chmod(0o600)
    try:
        app = create_app(make_config(instance, url))
        app.config["TESTING"] = True
        with app.app_context():
            started = time.perf_counter()
            upgrade(directory=str(MIGRATIONS))
            print(f"postgresql: database {name}, migrations {time.perf_counter() - started:.1f} s", flush=True)
            seeded = db.session.execute(sa.text("SELECT count(*) FROM signals")).scalar_one()
            db.session.remove()
        if seeded == 0:
            users = make_users(app)
            make_users(app, suffix="2")
            make_users(app, suffix="3")
            took = seed(app, users, args.signals)
            print(f"postgresql: {args.signals:,} signals seeded in {took:.0f} s", flush=True)
            record("queue", f"seed {args.signals:,} signals (COPY + indexes + VACUUM ANALYZE)", took, "s")
        else:
            from meldpunt.auth.models import User

            with app.app_context():
                users = {"regisseur": db.session.scalar(sa.select(User).where(User.email == "regisseur@test.example"))}
                db.session.expunge_all()
                db.session.remove()
            print(f"postgresql: reusing {seeded:,} signals", flush=True)
        measure(app, users, repeat=args.repeat, deep=args.deep, signals=seeded or args.signals,
                tabs=[t for t in args.tabs.split(",") if t in TABS])
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            keyring.unlink(missing_ok=True)
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
