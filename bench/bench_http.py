"""Filing over HTTP: Meldpunt against a minimal Flask + SQLAlchemy app, same gunicorn, same PostgreSQL.

Starts three gunicorn servers (``--workers`` sync workers each) side by side on one fresh
PostgreSQL database: Meldpunt (``meldpunt:create_app()``, real config file, keyring, Redis
broker), ``bench/baseline`` (one plaintext INSERT per POST) and Meldpunt with field encryption
off (``bench/nocrypto.py``, for the "encryption on vs off" figure). The load alternates between
them in ``--rounds`` rounds of ``--seconds`` each (interleaved, so both see the same machine
state); ``--threads`` client threads each file back to back. Meldpunt's clients are
logged-in reporters walking the real journey (issue 22 item 4, the check page is required): POST the
form (CSRF token, named report, feedback in the app), GET "Controleer uw melding", POST its
"Melding versturen". The baseline files with one POST.
Prints filings/s (whole journeys), p50/p95 of the filing (Meldpunt: the send POST) and of the whole
journey per server, and the ratio Meldpunt / baseline.

    .venv/bin/python -m bench http [--signals 10000] [--seconds 15] [--rounds 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess  # nosec B404 # starts our own gunicorn servers
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import record, summary  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402  (make_users gives every account this password)

DESCRIPTION = "Bij het pand aan de Dorpsstraat worden 's nachts steeds andere busjes gelost. " * 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _idempotency_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" type="hidden" value="([^"]*)"', html)
    return found.group(1) if found else ""


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def _wait(url: str, timeout: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _gunicorn(app_spec: str, port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(  # nosec B603 # fixed arguments
        [str(gunicorn), "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT),
         "--log-level", "warning", "--error-logfile", str(log), app_spec],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )


class MeldpuntClient:
    """A logged-in reporter with the form's CSRF token; files through the check page."""

    def __init__(self, base: str, email: str):
        import requests

        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/inloggen").text
        answer = self.http.post(f"{base}/inloggen", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page)},
                                allow_redirects=False)
        if answer.status_code != 302:
            raise RuntimeError(f"login of {email} answered {answer.status_code}")
        self.token = _csrf(self.http.get(f"{base}/melden").text)

    def file(self) -> tuple[bool, float]:
        """Form → check page → send; returns (filed, ms of the send POST: the filing itself)."""
        form = self.http.post(f"{self.base}/melden", allow_redirects=False, data={
            "csrf_token": self.token, "identity": "naam", "description": DESCRIPTION, "feedback": "app"})
        if form.status_code != 303:
            return False, 0.0
        check_url = f"{self.base}/melden/controleren"
        page = self.http.get(check_url).text
        start = time.perf_counter()
        answer = self.http.post(check_url, allow_redirects=False, data={
            "csrf_token": _csrf(page), "idempotency_key": _idempotency_key(page)})
        return answer.status_code == 303 and "/melden/bevestiging/" in answer.headers.get("Location", ""), \
            (time.perf_counter() - start) * 1000


class BaselineClient:
    def __init__(self, base: str, email: str):
        import requests

        self.base = base
        self.http = requests.Session()

    def file(self) -> tuple[bool, float]:
        start = time.perf_counter()
        answer = self.http.post(f"{self.base}/melden", data={"description": DESCRIPTION}, allow_redirects=False)
        return answer.status_code in (302, 303), (time.perf_counter() - start) * 1000


def _load(clients: list, seconds: float) -> tuple[list[float], list[float], int, float]:
    """Every client files back to back for ``seconds``; returns (journey ms, filing ms, errors, elapsed s)."""
    latencies: list[float] = []
    filings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def work(client) -> None:
        mine, sends, failed = [], [], 0
        while time.perf_counter() < stop:
            start = time.perf_counter()
            try:
                ok, send_ms = client.file()
            except Exception:  # noqa: BLE001  (a dropped connection counts as an error)
                ok, send_ms = False, 0.0
            mine.append((time.perf_counter() - start) * 1000)
            if ok:
                sends.append(send_ms)
            failed += not ok
        with lock:
            latencies.extend(mine)
            filings.extend(sends)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, filings, errors[0], time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench http", description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=10_000, help="signals in the database before the run")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of one round per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("MELDPUNT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    args = parser.parse_args(argv)
    from bench.baseline.app import create_schema
    from bench.environment import release, server_stack
    from bench.seed import seed
    from tests.conftest import make_users

    with server_stack("http", pg_url=args.pg_url, redis_url=args.redis_url) as stack:
        if stack is None:
            return 0
        app, url, tmp, config, servers = stack.app, stack.url, stack.folder, stack.config, stack.processes
        users = make_users(app)
        if args.signals:
            seed(app, users, args.signals, quiet=True)
        create_schema(url)
        release(app)
        ports = {"meldpunt": _free_port(), "baseline": _free_port(), "nocrypto": _free_port()}
        servers.append(_gunicorn("meldpunt:create_app()", ports["meldpunt"], args.workers,
                                 {"MELDPUNT_CONFIG": str(config)}, tmp / "meldpunt.log"))
        # The same app with field encryption off (bench/nocrypto.py), on the same database.
        servers.append(_gunicorn("bench.nocrypto:create_app()", ports["nocrypto"], args.workers,
                                 {"MELDPUNT_CONFIG": str(config)}, tmp / "nocrypto.log"))
        servers.append(_gunicorn("bench.baseline.app:create_app()", ports["baseline"], args.workers,
                                 {"BASELINE_DATABASE_URL": url}, tmp / "baseline.log"))
        for port in ports.values():
            _wait(f"http://127.0.0.1:{port}/")
        clients = {
            "meldpunt": [MeldpuntClient(f"http://127.0.0.1:{ports['meldpunt']}", users["melder"].email)
                         for _ in range(args.threads)],
            "baseline": [BaselineClient(f"http://127.0.0.1:{ports['baseline']}", "") for _ in range(args.threads)],
            "nocrypto": [MeldpuntClient(f"http://127.0.0.1:{ports['nocrypto']}", users["melder"].email)
                         for _ in range(args.threads)],
        }
        for target, group in clients.items():  # warm up: connections, caches, first-request work
            _load(group, 2.0)
        totals = {target: {"latencies": [], "filings": [], "errors": 0, "seconds": 0.0} for target in clients}
        for round_no in range(args.rounds):
            order = ["meldpunt", "baseline", "nocrypto"] if round_no % 2 == 0 else ["nocrypto", "baseline", "meldpunt"]
            for target in order:
                latencies, filings, errors, elapsed = _load(clients[target], args.seconds)
                totals[target]["latencies"] += latencies
                totals[target]["filings"] += filings
                totals[target]["errors"] += errors
                totals[target]["seconds"] += elapsed
                print(f"  round {round_no + 1} {target:<8}: {len(latencies) / elapsed:6.1f} filings/s, "
                      f"{errors} errors", flush=True)
        rates, send_p50 = {}, {}
        for target, total in totals.items():
            rates[target] = len(total["latencies"]) / total["seconds"]
            p50, p95 = summary(total["filings"])
            send_p50[target] = p50
            journey_p50, journey_p95 = summary(total["latencies"])
            print(f"http: {target:<8} {rates[target]:6.1f} filings/s  filing p50={p50:6.1f} ms  p95={p95:6.1f} ms  "
                  f"journey p50={journey_p50:6.1f} ms  p95={journey_p95:6.1f} ms  errors={total['errors']}", flush=True)
            record("http", f"{target} filings/s", rates[target], "/s")
            record("http", f"{target} p50", p50, "ms")
            record("http", f"{target} p95", p95, "ms")
            record("http", f"{target} journey p50", journey_p50, "ms")
            record("http", f"{target} journey p95", journey_p95, "ms")
            record("http", f"{target} errors", total["errors"], "count")
        ratio = rates["meldpunt"] / rates["baseline"] if rates["baseline"] else 0.0
        print(f"http: meldpunt / baseline = {ratio:.2f}x ({args.workers} sync workers each, {args.threads} client "
              f"threads, {args.signals:,} signals before the run)", flush=True)
        record("http", "meldpunt / baseline filings/s", ratio, "x")
        if send_p50.get("baseline"):
            print(f"http: the filing request alone (the send) against the baseline's POST, p50: "
                  f"{send_p50['meldpunt'] / send_p50['baseline']:.2f}x the time", flush=True)
            record("http", "meldpunt send / baseline POST p50", send_p50["meldpunt"] / send_p50["baseline"], "x")
        if rates.get("meldpunt"):
            cost = rates["nocrypto"] / rates["meldpunt"]
            print(f"http: encryption on vs off: {cost:.3f}x (journeys/s off / on); send p50 "
                  f"{send_p50['meldpunt']:.1f} ms on, {send_p50['nocrypto']:.1f} ms off", flush=True)
            record("http", "encryption off / on journeys/s", cost, "x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
