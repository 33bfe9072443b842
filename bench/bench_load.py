"""Load test with Locust: 200 users (80 % reporters, 20 % handlers) against gunicorn + 2 Celery workers.

On one fresh PostgreSQL database (``--signals`` seeded by COPY, plus real filed signals for the
handlers' signal pages) and Redis: gunicorn with ``--web-workers`` sync workers, ``--workers`` Celery
workers (solo pool), Locust headless (``bench/locustfile.py``) for ``--minutes``. Prints requests,
errors and p50/p95 per endpoint, and the RSS of every web and Celery worker before and after.
All traffic goes to 127.0.0.1.

    .venv/bin/python -m bench load [--users 200] [--minutes 5] [--signals 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess  # nosec B404 # our own servers and Locust
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_http import _free_port, _wait  # noqa: E402
from bench.report import record  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402


def _rss(pids: dict[str, int]) -> dict[str, float]:
    import psutil

    sizes = {}
    for name, pid in pids.items():
        try:
            sizes[name] = psutil.Process(pid).memory_info().rss / 2**20
        except psutil.Error:
            sizes[name] = float("nan")
    return sizes


def _worker_pids(gunicorn: subprocess.Popen, celery_workers: list[subprocess.Popen]) -> dict[str, int]:
    import psutil

    pids = {f"web {n + 1}": child.pid
            for n, child in enumerate(sorted(psutil.Process(gunicorn.pid).children(), key=lambda p: p.pid))}
    for n, worker in enumerate(celery_workers):
        pids[f"celery {n + 1}"] = worker.pid
    return pids


def _accounts(app, *, reporters: int, handlers: int, real_signals: int) -> dict:
    from sqlalchemy import select

    from meldpunt.auth.models import Role, User
    from meldpunt.auth.service import create_user
    from meldpunt.auth.totp import current_step, new_secret, store_secret
    from meldpunt.extensions import db
    from meldpunt.intake.service import file_signal
    from tests.conftest import password_hash

    keyring = app.extensions["meldpunt.keyring"]
    made: dict = {"reporters": [], "handlers": [], "signals": [], "password": PASSWORD}
    with app.app_context():
        for n in range(reporters):
            user = create_user(db.session, email=f"melder-load-{n}@bench.example", name=f"Melder {n}",
                               role=Role.MELDER, password=None)
            user.password_hash = password_hash()
            made["reporters"].append(user.email)
        for n in range(handlers):
            user = create_user(db.session, email=f"regisseur-load-{n}@bench.example", name=f"Regisseur {n}",
                               role=Role.REGISSEUR, password=None)
            user.password_hash = password_hash()
            db.session.flush()
            secret = new_secret()
            store_secret(db.session, keyring=keyring, user=user, secret=secret, confirmed_step=current_step() - 2)
            made["handlers"].append([user.email, secret])
        db.session.commit()
        owner = db.session.scalar(select(User).where(User.email == made["reporters"][0]))
        for n in range(real_signals):
            filed = file_signal(db.session, keyring=keyring, reporter=owner, description=f"Voorbeeldmelding {n}")
            made["signals"].append(str(filed.id))
        db.session.commit()
        db.session.remove()
    return made


def _warm_up(base: str, warm: dict, *, rounds: int) -> None:
    """Every page kind a few times on every web worker before RSS is read (templates compiled, caches
    filled), with accounts of their own: the load run's accounts each log in once (TOTP steps)."""
    import re

    import pyotp
    import requests

    def token(html: str) -> str:
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    sessions = []
    for email in warm["reporters"]:
        http = requests.Session()
        http.post(f"{base}/inloggen", data={"email": email, "password": PASSWORD,
                                            "csrf_token": token(http.get(f"{base}/inloggen").text)})
        sessions.append(("reporter", http))
    for email, secret in warm["handlers"]:
        http = requests.Session()
        answer = http.post(f"{base}/inloggen", data={"email": email, "password": PASSWORD,
                                                     "csrf_token": token(http.get(f"{base}/inloggen").text)})
        if "/inloggen/code" in answer.url:
            http.post(f"{base}/inloggen/code", data={"code": pyotp.TOTP(secret).now(),
                                                      "csrf_token": token(answer.text)})
        sessions.append(("handler", http))
    for _ in range(rounds):
        for kind, http in sessions:
            if kind == "reporter":
                check = http.post(f"{base}/melden", data={"csrf_token": token(http.get(f"{base}/melden").text),
                                                          "identity": "naam", "description": "opwarmen", "feedback": "app"})
                key = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', check.text)  # the check page
                http.post(f"{base}/melden/controleren", data={"csrf_token": token(check.text),
                                                              "idempotency_key": key.group(1) if key else ""})
                http.get(f"{base}/mijn-meldingen")
            else:
                for tab in ("alle", "nieuw", "mijn", "wacht", "te-laat"):
                    http.get(f"{base}/behandelen/?tab={tab}")


def _read_stats(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    with path.open() as handle:
        return list(csv.DictReader(handle))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--signals", type=int, default=10_000, help="signals seeded by COPY before the run")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (solo pool each)")
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("MELDPUNT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    args = parser.parse_args(argv)
    from bench.environment import release, server_stack
    from bench.seed import seed
    from tests.conftest import make_users

    # 200 users log in from one address within a minute: the per-client login limits are raised for the run.
    extra = """[security]
login_limit_per_client = "100000 per minute"
password_limit_per_account_client = "100 per minute"
"""
    with server_stack("load", pg_url=args.pg_url, redis_url=args.redis_url, extra_config=extra) as stack:
        if stack is None:
            return 0
        app, tmp, config, queue, processes = stack.app, stack.folder, stack.config, stack.queue, stack.processes
        env = {**os.environ, "MELDPUNT_CONFIG": str(config)}
        handlers = max(1, round(args.users * 0.2))
        users = make_users(app)
        if args.signals:
            seed(app, users, args.signals, quiet=True)
        accounts = _accounts(app, reporters=args.users - handlers + 2, handlers=handlers + 2, real_signals=40)
        accounts["warm"] = {"reporters": accounts["reporters"][-2:], "handlers": accounts["handlers"][-2:]}
        accounts["reporters"], accounts["handlers"] = accounts["reporters"][:-2], accounts["handlers"][:-2]
        accounts_file = tmp / "accounts.json"
        accounts_file.write_text(json.dumps(accounts))
        accounts_file.chmod(0o600)
        release(app)

        port = _free_port()
        gunicorn = subprocess.Popen(  # nosec B603 # fixed arguments
            [str(Path(sys.executable).with_name("gunicorn")), "-w", str(args.web_workers), "-k", "sync",
             "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
             "--error-logfile", str(tmp / "gunicorn.log"), "meldpunt:create_app()"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        processes.append(gunicorn)
        celery_workers = [
            subprocess.Popen(  # nosec B603 # fixed arguments
                [str(Path(sys.executable).with_name("celery")), "-A", "workers.main", "worker", "--pool=solo",
                 "-Q", queue, "-l", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip",
                 "-n", f"{queue}-{n}@%h"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
            )
            for n in range(args.workers)
        ]
        processes.extend(celery_workers)
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/inloggen")
        time.sleep(3.0)  # the Celery workers reach their queue
        for _ in range(2 * args.web_workers):  # every web worker has built its app once
            _wait(f"{base}/inloggen")
        _warm_up(base, accounts["warm"], rounds=4 * args.web_workers)
        pids = _worker_pids(gunicorn, celery_workers)
        before = _rss(pids)

        prefix = tmp / "locust"
        seconds = int(args.minutes * 60)
        print(f"load: {args.users} users ({args.users - handlers} reporters, {handlers} handlers) for {seconds} s "
              f"against gunicorn ({args.web_workers} sync workers) + {args.workers} Celery workers, "
              f"{args.signals:,} seeded signals", flush=True)
        locust = subprocess.run(  # nosec B603 # fixed arguments, 127.0.0.1 only
            [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", f"{seconds}s", "--host", base, "--csv", str(prefix), "--only-summary",
             "--loglevel", "WARNING", "--stop-timeout", "10"],
            env={**env, "MELDPUNT_LOAD_ACCOUNTS": str(accounts_file)}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=seconds + 300, check=False,
        )
        after = _rss(pids)
        rows = _read_stats(prefix)
        if not rows:
            print(f"load: Locust wrote no statistics (exit {locust.returncode}):\n{locust.stderr[-3000:]}")
            return 1
        print(f"  {'endpoint':<48} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}")
        for row in rows:
            label = "all requests" if row["Name"] == "Aggregated" else row["Name"]
            requests_, failures = int(row["Request Count"]), int(row["Failure Count"])
            p50, p95 = float(row["50%"] or 0), float(row["95%"] or 0)
            print(f"  {label:<48} {requests_:>8} {failures:>6} {p50:>7.0f} {p95:>7.0f}")
            record("load", f"{label} p95", p95, "ms")
            record("load", f"{label} errors", failures, "count")
        failures_csv = Path(f"{prefix}_failures.csv")
        if failures_csv.exists():
            with failures_csv.open() as handle:
                for row in list(csv.DictReader(handle))[:10]:
                    print(f"  error: {row.get('Method')} {row.get('Name')}: {row.get('Error')} ×{row.get('Occurrences')}")
        print("  RSS per worker, before -> after the run:")
        for name_ in pids:
            print(f"    {name_:<10} {before[name_]:6.1f} -> {after[name_]:6.1f} MB")
            record("load", f"RSS {name_} after", after[name_], "MB")
            record("load", f"RSS {name_} growth", after[name_] - before[name_], "MB")
        return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
