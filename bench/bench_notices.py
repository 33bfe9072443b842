"""Notice latency: from the commit that writes a notice to the e-mail arriving at the SMTP server.

Real pieces only: a fresh PostgreSQL database (``--pg-url``; a SQLite file with ``--sqlite``), Redis
(``--redis-url``, default DB 6), ``--workers`` Celery worker subprocesses (solo pool each), aiosmtpd.
Each filing is its own commit, as a web request's is, for a reporter who asked for e-mail.

- paced: the next signal is filed after the previous e-mail arrived (pure latency, ``--count``);
- burst: ``--burst`` signals filed back to back by ``--threads`` threads (latency includes queueing);
- drain: ``--burst`` notices filed while the workers are paused (SIGSTOP), then the workers resume:
  e-mails per second that ``--workers`` workers deliver (the rate the deployment docs size with).

Measures commit-end -> SMTP DATA received per notice (told apart by its Message-ID) and prints
p50/p95/max, how many were lost (never arrived) and how many arrived twice.

    .venv/bin/python -m bench notices --burst 1000 --workers 2
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess  # nosec B404 # starts our own workers
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import percentile, record  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench notices", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="paced filings")
    parser.add_argument("--burst", type=int, default=1000, help="filings in the burst")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (solo pool each)")
    parser.add_argument("--threads", type=int, default=4, help="filing threads in the burst")
    parser.add_argument("--mode", choices=("paced", "burst", "drain", "both", "all"), default="all",
                        help="both: paced and burst; all: paced, burst and drain")
    parser.add_argument("--redis-url", default=os.environ.get("MELDPUNT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL (one worker only)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)

    import redis
    import sqlalchemy as sa
    from aiosmtpd.controller import Controller

    from meldpunt import create_app
    from meldpunt.auth.models import Role
    from meldpunt.auth.service import create_user
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from tests.conftest import make_config
    from tests.support.worker_stack import SmtpServer, free_port, write_toml

    try:
        redis.Redis.from_url(args.redis_url).ping()
    except Exception as exc:  # noqa: BLE001
        print(f"notices: Redis ({args.redis_url}) not reachable ({type(exc).__name__}); skipped")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-notices-"))
    instance = tmp / "instance"
    (instance / "uploads").mkdir(parents=True)
    write_keyring(instance / "keyring.json", generate_keyring())
    admin, pg_name = None, None
    if args.sqlite:
        database_url = f"sqlite:///{tmp / 'bench.sqlite'}"
        args.workers = 1
    else:
        admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        pg_name = f"mp_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{pg_name}"'))
        database_url = sa.engine.make_url(args.pg_url).set(database=pg_name).render_as_string(hide_password=False)
    queue = f"bench-{uuid.uuid4().hex[:8]}"

    smtp = SmtpServer("127.0.0.1", free_port())
    controller = Controller(smtp, hostname=smtp.host, port=smtp.port)
    controller.start()

    config = make_config(
        instance, database_url,
        app={"secret_key": "b" * 48, "base_url": "https://meldpunt.bench.example", "log_level": "WARNING"},
        broker={"url": args.redis_url, "publish_timeout": 1.0, "queue": queue},
        mail={"host": smtp.host, "port": smtp.port, "timeout": 10.0},
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        reporter = create_user(db.session, email="bench@bench.example", name="Bench", role=Role.MELDER,
                               password=secrets.token_urlsafe(24))
        db.session.commit()
        reporter_id = reporter.id

    config_path = write_toml(instance / "worker.toml", config)
    env = dict(os.environ, MELDPUNT_CONFIG=str(config_path))
    workers = [
        subprocess.Popen(  # nosec B603 # our own worker, fixed arguments
            [str(Path(sys.executable).parent / "celery"), "-A", "workers.main", "worker", "--pool=solo", "-Q", queue,
             "-l", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip",
             "-n", f"{queue}-{n}@%h"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        for n in range(args.workers)
    ]
    try:
        client = redis.Redis.from_url(args.redis_url)
        deadline = time.monotonic() + 60
        while b"celery" not in b" ".join(client.keys("_kombu.binding.*") or [b""]) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.0)  # let the workers reach their BRPOP

        ok = True
        modes = {"both": ("paced", "burst"), "all": ("paced", "burst", "drain")}.get(args.mode, (args.mode,))
        for mode in modes:
            ok &= _run(mode, args, app, reporter_id, smtp, database_url, workers=workers)
        return 0 if ok else 1
    finally:
        for worker in workers:
            os.killpg(worker.pid, 15)
        for worker in workers:
            worker.wait(timeout=30)
        controller.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        try:
            redis.Redis.from_url(args.redis_url).delete(queue)
        except Exception as exc:  # noqa: BLE001 - best-effort cleanup
            print(f"note: could not delete the bench queue ({type(exc).__name__})")
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            admin.dispose()


def _file_one(app, reporter_id: int, committed: dict[str, float], lock: threading.Lock) -> None:
    from sqlalchemy import select

    from meldpunt.auth.models import User
    from meldpunt.extensions import db
    from meldpunt.feedback.mail import message_id_for
    from meldpunt.feedback.models import Notice
    from meldpunt.intake.service import file_signal

    user = db.session.get(User, reporter_id)
    signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=user,
                         description="bench melding")
    signal.feedback_by_email = True
    db.session.flush()
    notice_id = db.session.scalar(select(Notice.id).where(Notice.signal_id == signal.id))
    db.session.commit()  # the after-commit hook publishes; the clock starts when commit returns
    with lock:
        committed[message_id_for(notice_id, base_url="https://meldpunt.bench.example")] = time.time()


def _run(mode: str, args, app, reporter_id: int, smtp, database_url: str, *, workers=()) -> bool:
    import sqlalchemy as sa

    from meldpunt.extensions import db

    with smtp.lock:
        smtp.messages.clear()
    committed: dict[str, float] = {}
    lock = threading.Lock()
    total = args.count if mode == "paced" else args.burst
    started = time.monotonic()
    if mode == "paced":
        with app.app_context():
            for i in range(total):
                _file_one(app, reporter_id, committed, lock)
                deadline = time.monotonic() + 30
                while len(smtp.received()) < i + 1 and time.monotonic() < deadline:
                    time.sleep(0.001)
            db.session.remove()
    elif mode == "drain":
        for worker in workers:
            os.killpg(worker.pid, signal.SIGSTOP)
        try:
            with app.app_context():
                for _ in range(total):
                    _file_one(app, reporter_id, committed, lock)
                db.session.remove()
        finally:
            resumed = time.time()
            for worker in workers:
                os.killpg(worker.pid, signal.SIGCONT)
    else:
        from meldpunt.intake.service import IntakeError

        counter = iter(range(total))
        counter_lock = threading.Lock()
        busy = [0]

        def filer() -> None:
            with app.app_context():
                while True:
                    with counter_lock:
                        if next(counter, None) is None:
                            break
                    for _attempt in range(5):  # as a reporter would: "Probeer het nog een keer"
                        try:
                            _file_one(app, reporter_id, committed, lock)
                            break
                        except IntakeError:
                            db.session.rollback()
                            busy[0] += 1
                db.session.remove()

        threads = [threading.Thread(target=filer) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if busy[0]:
            print(f"[{mode}] {busy[0]} filing(s) refused as busy (reference number taken 5 times) and tried again")
    filed_seconds = time.monotonic() - started
    deadline = time.monotonic() + args.timeout
    while len({m.message["Message-ID"] for m in smtp.received()}) < total and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # a late duplicate would arrive now
    received = smtp.received()
    per_id = Counter(m.message["Message-ID"] for m in received)
    first: dict[str, float] = {}
    for m in received:
        first.setdefault(m.message["Message-ID"], m.received_at)
    latencies = [(first[mid] - committed[mid]) * 1000 for mid in first if mid in committed]
    lost = len(set(committed) - set(first))
    twice = sum(n - 1 for n in per_id.values())
    backend = sa.engine.make_url(database_url).get_backend_name()
    workers = args.workers
    print(f"[{mode}] {len(first)}/{total} e-mails; {backend}, Redis, {workers} worker(s) (solo pool); "
          f"filed in {filed_seconds:.1f} s ({total / filed_seconds:.0f}/s)")
    label = f"{mode} {total}, {workers} workers"
    if latencies:
        p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
        print(f"[{mode}] commit -> SMTP receipt: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(latencies):.1f} ms, "
              f"mean {statistics.fmean(latencies):.1f} ms; lost {lost}, twice {twice}")
        record("notices", f"{label}: p50", p50, "ms")
        record("notices", f"{label}: p95", p95, "ms")
    if mode == "burst":
        record("notices", f"{label}: filings/s offered", total / filed_seconds, "/s")
    if mode == "drain" and first:
        rate = len(first) / max(0.001, max(first.values()) - resumed)
        print(f"[drain] {workers} worker(s) delivered {len(first)} e-mails in {max(first.values()) - resumed:.1f} s: "
              f"{rate:.1f} e-mails/s")
        record("notices", f"{label}: e-mails/s delivered", rate, "/s")
    record("notices", f"{label}: lost", lost, "count")
    record("notices", f"{label}: twice", twice, "count")
    return lost == 0 and twice == 0


if __name__ == "__main__":
    raise SystemExit(main())
