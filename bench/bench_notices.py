"""Notice latency: from the commit that writes a notice to the e-mail arriving at the SMTP server.

Real pieces only: a SQLite file (or ``--database-url`` PostgreSQL), Redis (``--redis-url``,
default DB 6), one Celery worker subprocess (solo pool), aiosmtpd. Files ``--count`` signals
one after another (each its own commit, as a web request does), each for a reporter who asked
for e-mail; measures commit-end -> SMTP DATA received, and prints p50/p95/max.

    .venv/bin/python -m bench.bench_notices --count 200
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess  # nosec B404 # starts our own worker
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--redis-url", default=os.environ.get("MELDPUNT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--mode", choices=("paced", "burst", "both"), default="both",
                        help="paced: file the next signal after the previous e-mail arrived (pure latency); "
                             "burst: file all at once (latency includes queueing behind the others)")
    args = parser.parse_args(argv)

    from aiosmtpd.controller import Controller

    from meldpunt import create_app
    from meldpunt.auth.models import Role
    from meldpunt.auth.service import create_user
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from tests.conftest import make_config
    from tests.integration.conftest_feedback import SmtpServer, free_port, write_toml

    tmp = Path(tempfile.mkdtemp(prefix="bench-notices-"))
    instance = tmp / "instance"
    instance.mkdir()
    write_keyring(instance / "keyring.json", generate_keyring())
    (instance / "uploads").mkdir()
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
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
    worker = subprocess.Popen(  # nosec B603 # our own worker, fixed arguments
        [str(Path(sys.executable).parent / "celery"), "-A", "workers.main", "worker", "--pool=solo", "-Q", queue,
         "-l", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        import redis

        client = redis.Redis.from_url(args.redis_url)
        deadline = time.monotonic() + 60
        while b"celery" not in b" ".join(client.keys("_kombu.binding.*") or [b""]) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # let the worker reach its BRPOP

        ok = True
        for mode in (("paced", "burst") if args.mode == "both" else (args.mode,)):
            ok &= _run(mode, args, app, reporter_id, smtp, database_url)
        return 0 if ok else 1
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        controller.stop()
        try:
            import redis

            redis.Redis.from_url(args.redis_url).delete(queue)
        except Exception as exc:  # noqa: BLE001 - best-effort cleanup
            print(f"note: could not delete the bench queue ({type(exc).__name__})")


def _run(mode: str, args, app, reporter_id: int, smtp, database_url: str) -> bool:
    import sqlalchemy as sa

    from meldpunt.auth.models import User
    from meldpunt.extensions import db
    from meldpunt.intake.service import file_signal

    with smtp.lock:
        smtp.messages.clear()
    committed: dict[str, float] = {}
    with app.app_context():
        for i in range(args.count):
            user = db.session.get(User, reporter_id)
            signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=user,
                                 description=f"bench {i}")
            signal.feedback_by_email = True
            reference = signal.reference
            db.session.commit()  # the after-commit hook publishes; the clock starts when commit returns
            committed[reference] = time.time()
            if mode == "paced":
                deadline = time.monotonic() + 30
                while len(smtp.received()) < i + 1 and time.monotonic() < deadline:
                    time.sleep(0.001)
        db.session.remove()
    deadline = time.monotonic() + args.timeout
    while len(smtp.received()) < args.count and time.monotonic() < deadline:
        time.sleep(0.05)
    latencies = [(m.received_at - committed[m.message["Subject"].rsplit(" ", 1)[-1]]) * 1000 for m in smtp.received()]
    backend = sa.engine.make_url(database_url).get_backend_name()
    print(f"[{mode}] {len(latencies)}/{args.count} e-mails; {backend}, Redis, 1 worker (solo pool)")
    if latencies:
        print(f"[{mode}] commit -> SMTP receipt: p50 {percentile(latencies, 0.50):.1f} ms, "
              f"p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms, "
              f"mean {statistics.fmean(latencies):.1f} ms")
    return len(latencies) == args.count


if __name__ == "__main__":
    raise SystemExit(main())
