"""Response time of a forbidden id against a missing id (issue 15 item 19).

A refusal is audited after the response has been sent, so the answer to someone else's melding
should take as long as the answer to a melding that does not exist. Serves the real app with a
threaded werkzeug server in a separate (forked) process, logs in a melder over HTTP and requests
``/mijn-meldingen/<id>`` ``--repeat`` times for each kind over raw sockets, interleaved: paced (a
pause after each answer) and back to back. Measures the time until the last byte of the page and
until the server closes the connection (which it does after the audit write). Prints the median
and p95 of each and the difference of the medians. Runs on a SQLite file, and on PostgreSQL when it answers.

    .venv/bin/python -m bench.bench_refusals [--repeat 300] [--no-pg]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import sys
import tempfile
import multiprocessing
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _fetch(port: int, path: str, cookie: str) -> tuple[int, float, float]:
    """(status, ms until the last byte of the body, ms until the server closed the connection)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.perf_counter()
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nCookie: {cookie}\r\n\r\n".encode())
    data, need, last_byte = b"", None, None
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
        if need is None and b"\r\n\r\n" in data:
            head = data.split(b"\r\n\r\n", 1)[0]
            need = len(head) + 4 + int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
        if last_byte is None and need is not None and len(data) >= need:
            last_byte = (time.perf_counter() - start) * 1000
    closed = (time.perf_counter() - start) * 1000
    conn.close()
    return int(data.split(b" ", 2)[1]), last_byte or closed, closed


def _measure(port: int, cookie: str, hidden, repeat: int, pause: float) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {k: {"last byte": [], "closed": []} for k in ("missing", "forbidden")}
    for i in range(repeat * 2):
        kind = "missing" if i % 2 == 0 else "forbidden"
        target = uuid.uuid4() if kind == "missing" else hidden
        status, last_byte, closed = _fetch(port, f"/mijn-meldingen/{target}", cookie)
        assert status == 404, status
        times[kind]["last byte"].append(last_byte)
        times[kind]["closed"].append(closed)
        if pause:
            time.sleep(pause)
    return times


def _run_backend(name: str, url_and_cleanup, repeat: int) -> None:
    from werkzeug.serving import make_server

    from meldpunt import create_app
    from meldpunt.auth.models import User
    from meldpunt.crypto import generate_keyring, write_keyring
    from meldpunt.extensions import db
    from meldpunt.intake.service import file_signal
    from tests.conftest import PASSWORD, make_config, make_users

    tmp = Path(tempfile.mkdtemp(prefix="bench-refusals-"))
    instance = tmp / "instance"
    instance.mkdir()
    (instance / "uploads").mkdir()
    write_keyring(instance / "keyring.json", generate_keyring())
    url, cleanup = url_and_cleanup(tmp)
    server = process = None
    try:
        app = create_app(make_config(instance, url))
        with app.app_context():
            db.create_all()
        users = make_users(app)
        with app.app_context():
            other = db.session.get(User, users["deelnemer"].id)
            hidden = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=other,
                                 description="van een ander").id
            db.session.commit()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # the forked server opens its own connections
        server = make_server("127.0.0.1", 0, app, threaded=True)
        process = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
        process.start()
        port = server.server_port
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.addheaders = [("User-Agent", "bench")]  # the session is bound to the client's user agent
        page = opener.open(f"http://127.0.0.1:{port}/inloggen").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        opener.open(f"http://127.0.0.1:{port}/inloggen", data=urllib.parse.urlencode(
            {"email": users["melder"].email, "password": PASSWORD, "csrf_token": token}).encode()).read()
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        _measure(port, cookie, hidden, 20, 0.0)  # warm up
        for label, pause in (("paced", 0.02), ("back-to-back", 0.0)):
            times = _measure(port, cookie, hidden, repeat, pause)
            for moment in ("last byte", "closed"):
                for kind in ("missing", "forbidden"):
                    values = times[kind][moment]
                    print(f"{name}: {label:<12} {moment:<9} {kind:<9} p50={statistics.median(values):6.2f} ms  "
                          f"p95={percentile(values, 0.95):6.2f} ms", flush=True)
                diff = statistics.median(times["forbidden"][moment]) - statistics.median(times["missing"][moment])
                print(f"{name}: {label:<12} {moment:<9} forbidden - missing (p50) = {diff:+.2f} ms", flush=True)
    finally:
        if process is not None:
            process.terminate()
            process.join(timeout=10)
        if server is not None:
            server.server_close()
        cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--pg-url", default=os.environ.get("MELDPUNT_TEST_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    import logging

    import sqlalchemy as sa

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
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
