"""Linked signals of a subject on the handler's signal page, at 1,783 links (issue 23).

Seeds a fresh PostgreSQL database (``flask db upgrade``, so the production indexes) with
``--signals`` background signals by COPY (``bench/seed.py``), each with one subject and two
identifiers nobody else names; ``--links`` signals of the regular track (and ``--other-track``
of the integrity track, which the regisseur may not see) share a KvK number with one subject of
a signal filed through the intake service. Then logs in a regisseur and times, ``--repeat``
times each: the page of a signal without subjects (what the rest of the page costs), that signal's page
through the Flask test client, ``subjects_with_links`` alone (the
service the page calls), and, where the code has it, the page listing all linked signals (page 1
and the last page). Prints p50/p95 and records them for ``python -m bench``.

    .venv/bin/python -m bench links [--signals 20000] [--links 1783] [--other-track 90] [--repeat 30]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.environment import add_pg_url_argument, migrated_app, new_instance, release, throwaway_postgres  # noqa: E402
from bench.report import record, summary  # noqa: E402
from bench.seed import seed, seed_subjects  # noqa: E402

SHARED_KVK = "12345678"


def _time_get(client, url: str, repeat: int) -> tuple[tuple[float, float], str]:
    page = client.get(url)  # warm up
    assert page.status_code == 200, (url, page.status_code)  # nosec B101 # a benchmark, not a check
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return summary(times), page.get_data(as_text=True)


def _time_service(app, signal_id, repeat: int) -> tuple[tuple[float, float], int]:
    """``subjects_with_links`` alone, in a fresh session each time (as a request has)."""
    from meldpunt.extensions import db
    from meldpunt.intake.subjects import subjects_with_links
    from meldpunt.signals.models import Signal

    times, shown = [], 0
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        for _ in range(repeat + 1):
            db.session.remove()
            start = time.perf_counter()
            signal = db.session.get(Signal, signal_id)
            views = subjects_with_links(db.session, keyring=keyring, signal=signal, track="regulier")
            times.append((time.perf_counter() - start) * 1000)
            shown = sum(len(v.linked) for v in views)
        db.session.remove()
    return summary(times[1:]), shown


def measure(app, users: dict, *, signal_id, plain_id, repeat: int, links: int) -> None:
    from tests.support.logins import login_full

    client = app.test_client()
    login_full(client, users["regisseur"].email)
    (f50, f95), _ = _time_get(client, f"/behandelen/meldingen/{plain_id}", repeat)
    print(f"  signal page, no subject: p50={f50:6.1f} p95={f95:6.1f} ms (the rest of the page)", flush=True)
    record("links", "signal page without subjects p95", f95, "ms")
    (p50, p95), page = _time_get(client, f"/behandelen/meldingen/{signal_id}", repeat)
    said = re.search(r"(\d[\d.]*) andere meldingen? over deze betrokkene", page)
    anchors = len(re.findall(r'<a href="/behandelen/meldingen/[0-9a-f-]{36}">MO-', page))
    print(f"  page says {said.group(1) if said else '-'!s} linked, shows {anchors} links", flush=True)
    print(f"  signal page over HTTP:   p50={p50:6.1f} p95={p95:6.1f} ms", flush=True)
    record("links", f"{links:,} links signal page p50", p50, "ms")
    record("links", f"{links:,} links signal page p95", p95, "ms")
    (s50, s95), shown = _time_service(app, signal_id, repeat)
    print(f"  subjects_with_links:     p50={s50:6.1f} p95={s95:6.1f} ms ({shown} links returned)", flush=True)
    record("links", f"{links:,} links service p50", s50, "ms")
    record("links", f"{links:,} links service p95", s95, "ms")
    more = re.search(r'href="([^"]+)">Toon alle', page)
    if more is None:
        return
    url = more.group(1).replace("&amp;", "&")
    (a50, a95), listing = _time_get(client, url, repeat)
    pages = re.findall(r"pagina=(\d+)", listing)
    last = max((int(p) for p in pages), default=1)
    (l50, l95), _ = _time_get(client, f"{url}?pagina={last}", repeat)
    print(f"  all links, page 1:       p50={a50:6.1f} p95={a95:6.1f} ms", flush=True)
    print(f"  all links, page {last:<4}:   p50={l50:6.1f} p95={l95:6.1f} ms", flush=True)
    record("links", f"{links:,} links all-links page 1 p95", a95, "ms")
    record("links", f"{links:,} links all-links last page p95", l95, "ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench links", description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=20_000, help="background signals (default 20,000)")
    parser.add_argument("--links", type=int, default=1783, help="regular-track signals sharing the identifier")
    parser.add_argument("--other-track", type=int, default=90, help="integrity-track signals sharing it")
    parser.add_argument("--repeat", type=int, default=30)
    add_pg_url_argument(parser)
    args = parser.parse_args(argv)
    from meldpunt.extensions import db
    from tests import factories
    from tests.conftest import make_users

    with throwaway_postgres(args.pg_url) as url:
        if url is None:
            return 0
        app = migrated_app(new_instance("links"), url)
        try:
            users = make_users(app)
            make_users(app, suffix="2")
            started = time.perf_counter()
            seed(app, users, args.signals, quiet=True)
            counts = seed_subjects(app, shared=args.links, shared_kvk=SHARED_KVK, shared_other_track=args.other_track)
            with app.app_context():
                viewed = factories.filed_in(app, reporter=users["melder"], handler_subjects=[
                    {"kind": "bedrijf", "name": "Bench Opslag B.V.", "kvk": SHARED_KVK}])
                plain = factories.filed_in(app, reporter=users["melder"])
                db.session.remove()
            print(f"postgresql: {args.signals:,} signals, {counts['identifiers']:,} identifiers, "
                  f"{counts['sharing']:,} sharing the KvK number ({args.links:,} regular, {args.other_track} "
                  f"integrity) seeded in {time.perf_counter() - started:.0f} s", flush=True)
            measure(app, users, signal_id=viewed.id, plain_id=plain.id, repeat=args.repeat, links=args.links)
        finally:
            release(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
