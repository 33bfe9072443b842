"""The filing request path (issue 23, bullet "Filing"): how much SQL one filing costs.

Counted with an SQLAlchemy ``before_cursor_execute`` listener on PostgreSQL, for a logged-in reporter
posting the real form and sending it from the check page: before this work 20 statements, now 8 for
the filing (the issue's goal) and 1 that takes the checked draft. One each: the session
with its account, the form's idempotency key (it names the melding as it is claimed; its foreign key
is checked at COMMIT), the data key, the reference number (an upsert of the series' counter row: no
lock statement, no max()), the signal, the notice, the first history row and the audit entry (one
INSERT: the sealer chains it later, so no lock and no checkpoint on the request path).
docs/benchmarks.md lists them step by step.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from meldpunt.extensions import db
from tests import factories
from tests.conftest import csrf_token, login

pytestmark = pytest.mark.postgres

#: Statements of one filing: the issue's goal (the send also takes the checked draft: one more).
STATEMENTS_PER_FILING = 8
#: The form's POST before it: the session, the purge of expired drafts, the draft's upsert, its audit entry.
DRAFT_STATEMENTS = 4


class Statements:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.seen: list[str] = []

    def _count(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(" ".join(statement.split()))

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def matching(self, text: str) -> list[str]:
        return [s for s in self.seen if text.lower() in s.lower()]


def test_filing_takes_at_most_eight_statements_on_postgresql(app_factory, pg_database, users_for):
    """The send of "Controleer uw melding" files: 8 statements for the filing, plus 1 that takes the checked
    draft (``DELETE … RETURNING``). The form's POST before it only keeps the draft (4 statements)."""
    from tests.support.forms import send_data

    app = app_factory(pg_database, broker={"url": "redis://127.0.0.1:6379/7", "publish_timeout": 0.5})
    users = users_for(app)
    client = app.test_client()
    login(client, users["melder"].email)
    # warm: the taxonomy cache, the first audit entry's hash
    factories.filed_through_form(client, "Melding 0: er worden 's nachts steeds andere busjes gelost.",
                                 feedback="email")
    with app.app_context():
        engine = db.engine
    for number in (1, 2):
        token = csrf_token(client.get("/melden?nieuw=1", follow_redirects=True).get_data(as_text=True))
        with Statements(engine) as kept:
            answer = client.post("/melden", data={
                "csrf_token": token, "identity": "naam", "feedback": "email",
                "description": f"Melding {number}: er worden 's nachts steeds andere busjes gelost.",
            })
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/melden/controleren")
        assert len(kept.seen) <= DRAFT_STATEMENTS, "\n".join(kept.seen)
        assert kept.matching("insert into signals") == []  # the form alone never files
        check_page = client.get("/melden/controleren").get_data(as_text=True)
        with Statements(engine) as statements:
            answer = client.post("/melden/controleren", data=send_data(check_page))
        assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
        assert len(statements.seen) <= STATEMENTS_PER_FILING + 1, "\n".join(statements.seen)
        assert len(statements.matching("delete from intake_drafts")) == 1  # the draft, taken as it is read
        filing = [s for s in statements.seen if "intake_drafts" not in s.lower()]
        assert len(filing) <= STATEMENTS_PER_FILING, "\n".join(filing)
        assert statements.matching("from taxonomy_terms") == []  # the process cache
        assert statements.matching("update notices") == []  # marked published in the filing's transaction
        assert statements.matching("savepoint") == []  # the series lock: the number is never taken twice
        assert statements.matching("pg_advisory") == []  # no lock statement: the counter row is the series' lock
        assert statements.matching("audit_checkpoint") == []  # the sealer moves the checkpoint, not the request
        assert len(statements.matching("insert into reference_counters")) == 1
        assert len(statements.matching("insert into audit_entries")) == 1
        assert statements.matching("update filing_keys") == []  # the key names the melding as it is claimed
        assert statements.matching("max(ref_seq)") == statements.matching("insert into reference_counters")
        assert statements.matching("update auth_sessions") == []  # last_seen_at at most once a minute
        assert len(statements.matching("from auth_sessions join users")) == 1  # session and account together
        assert [s for s in statements.seen if s.startswith("SELECT users.")] == []  # no load of its own


def test_filing_taxonomy_cached_until_the_beheerder_edits_it(app_factory, pg_database, users_for):
    from meldpunt.taxonomy.models import TaxonomyTerm

    app = app_factory(pg_database)
    users = users_for(app)
    reporter = app.test_client()
    login(reporter, users["melder"].email)
    assert reporter.get("/melden").status_code == 200
    with app.app_context():
        engine = db.engine
        term = db.session.scalar(sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == "phenomenon"))
        term_id, old_label = term.id, term.label
        db.session.remove()
    with Statements(engine) as statements:
        assert old_label in reporter.get("/melden").get_data(as_text=True)
    assert statements.matching("from taxonomy_terms") == []

    from tests.support.logins import login_full

    admin = app.test_client()
    login_full(admin, users["beheerder"].email)
    page = admin.get(f"/beheer/taxonomie/{term_id}")
    edited = admin.post(f"/beheer/taxonomie/{term_id}", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "label": "Nieuwe naam voor de vorm", "help_text": ""})
    assert edited.status_code == 302
    form = reporter.get("/melden").get_data(as_text=True)
    assert "Nieuwe naam voor de vorm" in form and f">{old_label}<" not in form


def test_filing_last_seen_written_at_most_once_a_minute(app_factory, pg_database, users_for):
    from meldpunt.auth.models import AuthSession

    app = app_factory(pg_database)
    users = users_for(app)
    client = app.test_client()
    login(client, users["melder"].email)
    with app.app_context():
        engine = db.engine
    with Statements(engine) as statements:
        for _ in range(3):
            assert client.get("/mijn-meldingen").status_code == 200
    assert statements.matching("update auth_sessions") == []
    with app.app_context():  # a minute later the next request moves last_seen_at forward
        db.session.execute(sa.update(AuthSession).values(last_seen_at=AuthSession.last_seen_at - timedelta(seconds=61)))
        db.session.commit()
    with Statements(engine) as statements:
        assert client.get("/mijn-meldingen").status_code == 200
    assert len(statements.matching("update auth_sessions")) == 1


@pytest.fixture
def users_for():
    from tests.conftest import make_users

    return make_users


def test_filing_concurrent_filings_all_get_the_next_number(app_factory, pg_database, users_for):
    """A burst of filings at once: before the per-series lock, a filing whose number was taken five times
    running gave up with "door drukte" (about one in five in a 4-thread burst, bench notices)."""
    from concurrent.futures import ThreadPoolExecutor

    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal
    from meldpunt.signals.models import Signal

    app = app_factory(pg_database)
    users = users_for(app)
    start = threading.Barrier(8)

    def file_five(_n: int) -> list[str]:
        references = []
        with app.app_context():
            start.wait(timeout=30)
            for _ in range(5):
                reporter = db.session.get(User, users["melder"].id)
                signal = file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter,
                                     description="tegelijk gemeld")
                references.append(signal.reference)
                db.session.commit()
            db.session.remove()
        return references

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = [r for batch in pool.map(file_five, range(8)) for r in batch]
    assert len(set(references)) == 40
    with app.app_context():
        numbers = sorted(db.session.scalars(sa.select(Signal.ref_seq)).all())
        db.session.remove()
    assert numbers == list(range(1, 41))  # no number twice, no gap


def test_filing_reference_counter_rolls_back_and_catches_up(app_factory, database_url, users_for):
    """The counter row gives the next number in one statement: a rolled-back filing gives its number
    back, and a number filed around the counter (an import, a restored backup) is never given again."""
    from meldpunt.auth.models import User
    from meldpunt.intake.service import file_signal
    from meldpunt.signals.models import ReferenceCounter, Signal

    app = app_factory(database_url)
    users = users_for(app)
    with app.app_context():
        keyring = app.extensions["meldpunt.keyring"]
        reporter = db.session.get(User, users["melder"].id)
        first = file_signal(db.session, keyring=keyring, reporter=reporter, description="een")
        db.session.commit()
        file_signal(db.session, keyring=keyring, reporter=reporter, description="teruggedraaid")
        db.session.rollback()
        second = file_signal(db.session, keyring=keyring, reporter=reporter, description="twee")
        db.session.commit()
        assert (first.ref_seq, second.ref_seq) == (1, 2)
        year = second.ref_year
        # A melding stored with number 41 without the counter (as a bulk import would).
        factories.SignalRowFactory(ref_series="MO", ref_year=year, ref_seq=41)
        db.session.commit()
        third = file_signal(db.session, keyring=keyring, reporter=reporter, description="drie")
        db.session.commit()
        assert third.ref_seq == 42 and third.reference == f"MO-{year}-0042"
        assert db.session.get(ReferenceCounter, ("MO", year)).last_seq == 42
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signal)) == 4
        db.session.remove()
