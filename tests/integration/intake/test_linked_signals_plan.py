"""Issue 23, linked signals at scale on PostgreSQL: the look-up of a subject's linked signals reads
subject_identifiers by index (EXPLAIN, never a sequential scan), in a bounded number of statements
however many signals name the subject, and counts only the handler's track.

Seeds ``SEEDED`` signals by COPY (``bench.seed``), each with a subject and two identifiers nobody else
names; ``SHARED`` regular signals and ``SHARED_OTHER_TRACK`` integrity signals share a KvK number with
the viewed signal's subject. VACUUM ANALYZE runs after seeding; no planner setting is changed.
"""

from __future__ import annotations


import pytest
import sqlalchemy as sa

from bench.seed import seed, seed_subjects
from meldpunt.extensions import db
from meldpunt.intake.models import Subject
from meldpunt.intake.subjects import linked_signals_page, subjects_with_links
from meldpunt.signals.models import Signal
from tests import factories
from tests.conftest import make_users
from tests.support.sql import captured_statements, module_database, plan_nodes

SEEDED = 6_000
SHARED = 400
SHARED_OTHER_TRACK = 20
KVK = "12345678"


@pytest.fixture(scope="module")
def linked_pg(pg_admin, tmp_path_factory):
    """A PostgreSQL database with the seeded signals and the viewed signal's id."""
    with module_database(pg_admin, tmp_path_factory, "linked") as app:
        users = make_users(app)
        seed(app, users, SEEDED, quiet=True)
        seed_subjects(app, shared=SHARED, shared_kvk=KVK, shared_other_track=SHARED_OTHER_TRACK)
        viewed = factories.filed_in(app, reporter=users["melder"],
                                    handler_subjects=[{"kind": "bedrijf", "name": "Plan Opslag B.V.", "kvk": KVK}])
        yield app, viewed.id


def test_linked_signals_query_never_scans_subject_identifiers_sequentially(linked_pg):
    app, signal_id = linked_pg
    keyring = app.extensions["meldpunt.keyring"]
    with app.app_context():
        signal = db.session.get(Signal, signal_id)
        subject = db.session.scalar(sa.select(Subject).where(Subject.signal_id == signal_id))
        with captured_statements(db.engine) as seen:
            views = subjects_with_links(db.session, keyring=keyring, signal=signal, track="regulier")
        page_statements = [(s, p) for s, p in seen if "subject_identifiers" in s]
        with captured_statements(db.engine) as seen:
            page = linked_signals_page(db.session, keyring=keyring, subject=subject, track="regulier", page=3)
        listing_statements = [(s, p) for s, p in seen if "subject_identifiers" in s]
        db.session.remove()
    assert views[0].linked_count == SHARED and len(views[0].linked) == 10  # the integrity signals not counted
    assert page.total == SHARED and len(page.items) == 25 and page.page == 3
    assert len(page_statements) == 1, "one statement per subject on the signal page, however many links"
    assert len(listing_statements) == 2, "a count and a limited select for a page of all links"
    with app.app_context(), db.engine.connect() as conn:
        for statement, parameters in page_statements + listing_statements:
            plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar_one()
            nodes = list(plan_nodes(plan[0]["Plan"]))
            scans = [n for n in nodes if n.get("Relation Name") == "subject_identifiers"]
            assert scans, plan
            assert not [n for n in scans if n["Node Type"] == "Seq Scan"], (
                f"sequential scan of subject_identifiers:\n{statement}\n{plan}")
            assert {n["Node Type"] for n in scans} == {"Index Only Scan"}, plan
            assert {n["Index Name"] for n in scans} == {"ix_subject_identifiers_lookup"}, plan
            assert not [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "signals"], plan
