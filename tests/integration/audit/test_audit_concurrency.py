"""Audit appends under load (issue 15 item 14).

50 requests at once against a real threaded server, on a SQLite file and on PostgreSQL: every
one answers, every read and every refusal is audited, and ``audit verify`` (chain, checkpoint row
and the checkpoint file) finds the trail intact. Before appends were serialised on SQLite, two
requests computed the same entry id and one answered 500 (``UNIQUE constraint failed``). Since
issue 23 a request appends with one INSERT and no lock; the sealer gives the chain its order.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from meldpunt.audit.models import AuditEntry
from meldpunt.extensions import db
from tests.conftest import PASSWORD, make_users

CONCURRENT = 50


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _log_in(opener, base: str, email: str) -> None:
    page = opener.open(f"{base}/inloggen", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/inloggen", data=data, timeout=30).read()


def _status(opener, url: str) -> int:
    try:
        with opener.open(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def test_item_14_fifty_concurrent_page_views_all_answer_and_the_chain_verifies(app_factory, database_url):
    from werkzeug.serving import make_server

    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal

    app = app_factory(database_url)
    users = make_users(app)
    with app.app_context():
        reporter = db.session.get(User, users["melder"].id)
        other = db.session.get(User, users["deelnemer"].id)
        keyring = app.extensions["meldpunt.keyring"]
        own = file_signal(db.session, keyring=keyring, reporter=reporter, description="eigen melding").id
        hidden = file_signal(db.session, keyring=keyring, reporter=other, description="van een ander").id
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="audit-load-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        opener = _opener()
        _log_in(opener, base, users["melder"].email)
        assert _status(opener, f"{base}/mijn-meldingen/{own}") == 200
        with app.app_context():
            before = db.session.scalar(select(func.count()).select_from(AuditEntry))
            newest_id = db.session.scalar(select(func.max(AuditEntry.id)))
        # Half read their own melding (audited in the request), half try someone else's (404; the refusal
        # is audited after the response): both kinds of append race each other.
        urls = [f"{base}/mijn-meldingen/{own if i % 2 == 0 else hidden}" for i in range(CONCURRENT)]
        start = threading.Barrier(CONCURRENT)

        def view(url: str) -> int:
            start.wait(timeout=30)
            return _status(opener, url)

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            statuses = list(pool.map(view, urls))
        assert statuses.count(200) == CONCURRENT // 2, statuses
        assert statuses.count(404) == CONCURRENT // 2, statuses
        # The refusals are written once each response has been sent: wait for the last ones.
        deadline = time.monotonic() + 30
        while True:
            with app.app_context():
                after = db.session.scalar(select(func.count()).select_from(AuditEntry))
                db.session.remove()
            if after >= before + CONCURRENT or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    with app.app_context():
        new = db.session.scalars(select(AuditEntry).where(AuditEntry.id > newest_id).order_by(AuditEntry.id)).all()
        reads = [e for e in new if e.action == "signal.read" and e.object_id == str(own)]
        denials = [e for e in new if e.action == "authz.denied" and e.object_id == str(hidden)]
        assert len(reads) == CONCURRENT // 2 and len(denials) == CONCURRENT // 2
    # The requests appended without waiting for each other; the sealer (first thing in verify) chains
    # them all, with no gap in the positions, and the checkpoint row and file agree.
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"audit trail intact: {before + CONCURRENT} entries" in result.output
    with app.app_context():
        positions = db.session.scalars(select(AuditEntry.position).order_by(AuditEntry.position)).all()
        assert positions == list(range(1, before + CONCURRENT + 1))
