"""Reports on PostgreSQL: the dashboard's figures for one year and the council report for one quarter.

Seeds a fresh database (``flask db upgrade``) with ``--signals`` signals by COPY (``bench/seed.py``:
three years in filing order, realistic mix), then measures, ``--repeat`` times each:

- ``figures.dashboard`` for the last whole year, all tracks, read live (``use_summary=False``: the
  figures before the summary existed);
- ``summary.refresh`` (the hourly beat job), timed once;
- ``figures.dashboard`` for the same year from the summary (what ``/rapportages/`` computes), and
  for the last year up to today (the current month read live);
- the same through HTTP as management (page render included);
- ``service.council_figures`` for the last whole quarter (every table, suppression included);
- the EXPLAIN plan of the dashboard's per-month query (printed: index or sequential scan).

Prints p50/p95 and the ratio to the issue's targets (500 ms p95 dashboard, 2 s council report).

    .venv/bin/python -m bench reports [--signals 200000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.environment import add_pg_url_argument  # noqa: E402
from bench.report import record, summary  # noqa: E402

DASHBOARD_TARGET_MS = 500.0
COUNCIL_TARGET_MS = 2000.0


def _timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return summary(times)


def measure(app, users, *, repeat: int, signals: int) -> None:
    from sqlalchemy import func, select, text

    from meldpunt.extensions import db
    from meldpunt.reports import figures, service, summary
    from meldpunt.reports.figures import Filters, Period
    from tests.support.logins import login_full

    today = date.today()
    year = Period(date(today.year - 1, today.month, 1), date(today.year, today.month, 1))
    q = (today.month - 1) // 3 + 1
    quarter = service.quarter_period(today.year - (q == 1), 4 if q == 1 else q - 1)
    with app.app_context():
        in_year = db.session.scalar(select(func.count()).select_from(figures.S).where(
            *figures.period_where(year, Filters())))
        print(f"signals in the dashboard's year: {in_year:,} of {signals:,}", flush=True)
        month = figures.month_key(db.session, figures.S.c.created_at)
        stmt = select(month, func.count()).where(*figures.period_where(year, Filters())).group_by(month)
        compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN {compiled}")).scalars().all()
        print("EXPLAIN per-month query:\n  " + "\n  ".join(plan[:8]), flush=True)

        p50, p95 = _timed(lambda: figures.dashboard(db.session, period=year, filters=Filters(), today=today,
                                                    working_days=5, use_summary=False), repeat)
        print(f"dashboard figures, one year, live: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"({p95 / DASHBOARD_TARGET_MS:.2f} of the {DASHBOARD_TARGET_MS:.0f} ms target)", flush=True)
        record("reports", "dashboard figures live (1 year) p50", p50, "ms")
        record("reports", "dashboard figures live (1 year) p95", p95, "ms")
        db.session.rollback()

        start = time.perf_counter()
        summary.refresh(db.session, today=today, working_days=5)
        db.session.commit()
        took = (time.perf_counter() - start) * 1000
        counted = db.session.scalar(select(func.count()).select_from(summary.C))
        hours = db.session.scalar(select(func.count()).select_from(summary.H))
        print(f"summary refresh (all closed months): {took:.0f} ms; {counted:,} count rows, "
              f"{hours:,} lead-time rows", flush=True)
        record("reports", "summary refresh (all closed months)", took, "ms")

        for label, period in (("one year", year), ("one year up to today", Period(
                date(today.year - 1, today.month, 1), today + timedelta(days=1)))):
            p50, p95 = _timed(lambda period=period: figures.dashboard(
                db.session, period=period, filters=Filters(), today=today, working_days=5), repeat)
            print(f"dashboard figures, {label}, summary: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
                  f"({p95 / DASHBOARD_TARGET_MS:.2f} of the {DASHBOARD_TARGET_MS:.0f} ms target)", flush=True)
            record("reports", f"dashboard figures summary ({label}) p50", p50, "ms")
            record("reports", f"dashboard figures summary ({label}) p95", p95, "ms")
            db.session.rollback()

        p50, p95 = _timed(lambda: service.council_figures(db.session, period=quarter, k=5), repeat)
        print(f"council report figures, one quarter: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"({p95 / COUNCIL_TARGET_MS:.2f} of the {COUNCIL_TARGET_MS:.0f} ms target)", flush=True)
        record("reports", "council report figures (1 quarter) p50", p50, "ms")
        record("reports", "council report figures (1 quarter) p95", p95, "ms")
        db.session.remove()

    client = app.test_client()
    login_full(client, users["management"].email)
    url = f"/rapportages/?van={year.start.isoformat()}&tot={(year.end.replace(day=1)).isoformat()}"

    def page():
        assert client.get(url).status_code == 200

    p50, p95 = _timed(page, repeat)
    print(f"dashboard page over HTTP: p50 {p50:.0f} ms, p95 {p95:.0f} ms", flush=True)
    record("reports", "dashboard page (1 year) p95", p95, "ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench reports", description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    add_pg_url_argument(parser)
    args = parser.parse_args(argv)
    from bench.environment import migrated_app, new_instance, release, throwaway_postgres
    from bench.seed import seed
    from tests.conftest import make_users

    with throwaway_postgres(args.pg_url) as url:
        if url is None:
            return 0
        app = migrated_app(new_instance("reports"), url)
        users = make_users(app)
        took = seed(app, users, args.signals)
        print(f"postgresql: {args.signals:,} signals seeded in {took:.0f} s", flush=True)
        measure(app, users, repeat=args.repeat, signals=args.signals)
        release(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
