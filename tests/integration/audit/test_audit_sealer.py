"""The audit trail without a global lock on the request path (issue 23, bullet "Filing"):
a request appends its entry with one INSERT; the sealer (beat, every second; ``audit verify``) chains
the committed entries in order, keeping the hash chain, the signed checkpoint row and the checkpoint
file outside the database."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from meldpunt.audit.models import AuditCheckpoint, AuditEntry
from meldpunt.audit.service import GENESIS, compute_hash, record, seal, seal_all, unsealed_count, verify_chain
from meldpunt.extensions import db
from tests.support.worker_stack import *  # noqa: F403 - the feedback_stack fixtures
from tests.support.worker_stack import wait_until


def _sql_seen(engine: sa.Engine) -> tuple[list[str], object]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()).lower())

    sa.event.listen(engine, "before_cursor_execute", count)
    return seen, count


@pytest.mark.postgres
def test_sealer_a_request_appends_with_one_insert_and_takes_no_lock(app_factory, pg_database):
    app = app_factory(pg_database)
    with app.app_context():
        seen, listener = _sql_seen(db.engine)
        try:
            record(db.session, action="test.event", actor_id=1, actor_label="a@test.example", object_id="x")
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        statements = [s for s in seen if s not in ("begin", "commit")]
        assert len(statements) == 1 and statements[0].startswith("insert into audit_entries"), statements
        assert not [s for s in seen if "lock" in s or "audit_checkpoint" in s]
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test.event"))
        assert (entry.position, entry.prev_hash, entry.entry_hash) == (None, None, None)  # waits for the sealer


@pytest.mark.postgres
def test_sealer_two_open_transactions_append_without_waiting_for_each_other(app_factory, pg_database):
    app = app_factory(pg_database)
    with app.app_context():
        engine = db.engine
        first, second = Session(engine), Session(engine)
        try:
            record(first, action="test.first")
            first.flush()  # its INSERT is in, its transaction stays open
            second.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # a wait would fail, not hang
            record(second, action="test.second")
            second.flush()
            second.commit()
            first.commit()
        finally:
            first.close()
            second.close()
        assert seal_all(db.session) == 2
        assert verify_chain(db.session) == []


@pytest.mark.postgres
def test_sealer_an_entry_committed_late_is_sealed_after_the_ones_before_it(app_factory, pg_database):
    app = app_factory(pg_database)
    with app.app_context():
        engine = db.engine
        slow, fast = Session(engine), Session(engine)
        try:
            slow_entry = record(slow, action="test.slow")
            slow.flush()  # the lower id, not committed yet
            fast_entry = record(fast, action="test.fast")
            fast.commit()
            assert slow_entry.id < fast_entry.id
            assert seal_all(db.session) == 1  # only what is committed
            slow.commit()
        finally:
            slow.close()
            fast.close()
        assert seal_all(db.session) == 1
        chain = db.session.execute(sa.select(AuditEntry.action, AuditEntry.position).order_by(AuditEntry.position)).all()
        assert [tuple(row) for row in chain] == [("test.fast", 1), ("test.slow", 2)]
        assert verify_chain(db.session) == []
        checkpoint = db.session.get(AuditCheckpoint, 1)
        assert checkpoint.last_id == 2


@pytest.mark.postgres
def test_sealer_a_second_sealer_returns_at_once_while_one_is_sealing(app_factory, pg_database):
    app = app_factory(pg_database)
    with app.app_context():
        for n in range(3):
            record(db.session, action="test.event", details={"n": n})
        db.session.commit()
        engine = db.engine
        busy, other = Session(engine), Session(engine)
        try:
            assert seal(busy) == 3  # holds the sealer lock until it commits
            other.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            assert seal(other) == 0
            other.rollback()
            busy.commit()
        finally:
            busy.close()
            other.close()
        assert unsealed_count(db.session) == 0
        assert verify_chain(db.session) == []


def test_sealer_seals_each_entry_once_in_id_order(app_any_db):
    with app_any_db.app_context():
        for n in range(5):
            record(db.session, action="test.event", details={"n": n})
        db.session.commit()
        assert seal(db.session, limit=2) == 2
        db.session.commit()
        assert seal_all(db.session) == 3
        assert seal_all(db.session) == 0
        rows = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.position)).all()
        assert [json.loads(e.details)["n"] for e in rows] == [0, 1, 2, 3, 4]
        assert [e.position for e in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == GENESIS and all(b.prev_hash == a.entry_hash for a, b in zip(rows, rows[1:]))
        assert all(compute_hash(e) == e.entry_hash for e in rows)
        assert verify_chain(db.session) == []


def test_sealer_the_window_an_unsealed_entry_can_be_edited_is_closed_by_sealing(app_any_db):
    """What the design accepts (docs/benchmarks.md): before its seal an entry has no hash, so an edit then
    does not show; after it every edit does."""
    with app_any_db.app_context():
        record(db.session, action="test.event", result="ok")
        db.session.commit()
        seal_all(db.session)
        db.session.execute(sa.text("UPDATE audit_entries SET result = 'denied'"))
        db.session.commit()
        problems = [b.problem for b in verify_chain(db.session)]
    assert problems == ["content does not match its hash (entry edited)"]


def test_sealer_verify_seals_first_and_reports_the_whole_trail(app_any_db):
    with app_any_db.app_context():
        for n in range(4):
            record(db.session, action="test.event", details={"n": n})
        db.session.commit()
        assert unsealed_count(db.session) == 4
    result = app_any_db.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact: 4 entries" in result.output
    with app_any_db.app_context():
        assert unsealed_count(db.session) == 0


def test_sealer_runs_every_second_in_the_beat_schedule(app):
    from meldpunt.broker import SEAL_INTERVAL

    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["seal-audit"]
    assert entry["task"] == "workers.audit.seal" and entry["schedule"] == SEAL_INTERVAL == 1.0
    assert entry["options"]["expires"] > SEAL_INTERVAL


def test_sealer_a_real_worker_with_beat_seals_what_a_request_appended(feedback_stack_any_db):
    """Over HTTP: a named filing's entries are sealed by the beat schedule of a real Celery worker,
    without anyone running ``audit verify``."""
    from tests.conftest import login, make_users
    from tests import factories

    stack = feedback_stack_any_db
    app = stack.app()
    users = make_users(app)
    client = app.test_client()
    login(client, users["melder"].email)
    factories.filed_through_form(client, "Er worden 's nachts steeds andere busjes gelost bij loods 4.")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "signal.file")) == 1
        db.session.remove()
    worker = stack.start_worker(beat=True)

    def sealed() -> bool:
        with app.app_context():
            try:
                return unsealed_count(db.session) == 0
            finally:
                db.session.remove()

    try:
        wait_until(sealed, timeout=90, what="the beat sealer to chain the filing's audit entries")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nworker log:\n{worker.log()[-4000:]}") from None
    with app.app_context():
        assert verify_chain(db.session) == []
        assert db.session.get(AuditCheckpoint, 1).last_id == db.session.scalar(
            sa.select(sa.func.max(AuditEntry.position)))


def test_sealer_an_old_chain_keeps_its_hashes_after_the_upgrade(app_factory, database_url, instance_path):
    """Entries chained by id before migration 0014s keep their place (position = id) and their hashes;
    new entries continue the chain, and on PostgreSQL the id sequence is past the old ids."""
    from flask_migrate import upgrade

    from meldpunt import create_app
    from tests.conftest import make_config
    from tests.integration.app.test_migrations import MIGRATIONS

    app = create_app(make_config(instance_path, database_url))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="0013a_area_code")
        prev = GENESIS
        for n in (1, 2, 3):  # written as the code before the sealer wrote them: id chosen, hash with "id": id
            entry = AuditEntry(position=n, created_at=datetime(2026, 11, 30, 12, n, tzinfo=timezone.utc), actor_id=1,
                               actor_label="a@test.example", action="test.old", object_type="", object_id=str(n),
                               result="ok", origin="", details="{}", prev_hash=prev)
            entry.entry_hash = compute_hash(entry)
            db.session.execute(sa.text(
                "INSERT INTO audit_entries (id, created_at, actor_id, actor_label, action, object_type, object_id, "
                "result, origin, details, prev_hash, entry_hash) VALUES (:id, :at, 1, 'a@test.example', 'test.old', "
                "'', :oid, 'ok', '', '{}', :prev, :hash)"),
                {"id": n, "at": entry.created_at, "oid": str(n), "prev": prev, "hash": entry.entry_hash})
            prev = entry.entry_hash
        db.session.commit()
        db.session.expunge_all()
        upgrade(directory=str(MIGRATIONS))
        assert db.session.scalars(sa.select(AuditEntry.position).order_by(AuditEntry.id)).all() == [1, 2, 3]
        record(db.session, action="test.new")
        db.session.commit()  # on PostgreSQL: an id from the sequence, which must not collide with 1..3
        assert seal_all(db.session) == 1
        new = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "test.new"))
        assert new.id == 4 and new.position == 4 and new.prev_hash == prev
        assert [b.problem for b in verify_chain(db.session)
                if "checkpoint" not in b.problem] == []  # the old rows had no checkpoint row of their own
        db.session.remove()
        db.engine.dispose()


def test_sealer_a_downgrade_never_deletes_an_entry_to_fit(app_factory, database_url, instance_path):
    """Going back past 0014s needs every entry sealed at position = id; an unsealed entry stops it."""
    from flask_migrate import downgrade, upgrade

    from meldpunt import create_app
    from tests.conftest import make_config
    from tests.integration.app.test_migrations import MIGRATIONS

    app = create_app(make_config(instance_path, database_url))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        record(db.session, action="test.unsealed")
        db.session.commit()
        db.session.remove()
        with pytest.raises(SystemExit):  # flask_migrate logs the refusal and exits
            downgrade(directory=str(MIGRATIONS), revision="0013a_area_code")
        db.session.remove()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1
        seal_all(db.session)
        db.session.remove()
        downgrade(directory=str(MIGRATIONS), revision="0013a_area_code")
        assert db.session.execute(sa.text("SELECT COUNT(*) FROM audit_entries")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_sealer_the_audit_view_shows_an_entry_at_once_and_its_number_once_sealed(app, users):
    """The beheerder's view reads the trail as the requests wrote it: an unsealed entry shows at once,
    marked "nog niet verzegeld"; once sealed it shows its number in the chain (the one ``audit verify`` names)."""
    from tests.support.logins import login_full

    with app.app_context():
        record(db.session, action="test.zichtbaar", actor_label="test")
        db.session.commit()
    client = app.test_client()
    login_full(client, users["beheerder"].email)
    page = client.get("/beheer/audit?action=test.zichtbaar").get_data(as_text=True)
    assert "nog niet verzegeld" in page
    with app.app_context():
        seal_all(db.session)
        position = db.session.scalar(sa.select(AuditEntry.position).where(AuditEntry.action == "test.zichtbaar"))
    page = client.get("/beheer/audit?action=test.zichtbaar").get_data(as_text=True)
    assert "nog niet verzegeld" not in page and f'data-label="Nr.">{position}</td>' in page


def test_sealer_runs_every_second_without_filling_the_log(app):
    """Celery's INFO lines about the sealer are dropped (three a second would bury the rest); its
    failures, and every line about other tasks, still reach the log."""
    import logging

    def passes(logger: str, level: int, message: str, *args) -> bool:
        record = logging.LogRecord(logger, level, __file__, 0, message, args, None)
        return all(f.filter(record) for f in logging.getLogger(logger).filters)

    assert not passes("celery.beat", logging.INFO, "Scheduler: Sending due task %s (%s)", "seal-audit",
                      "workers.audit.seal")
    assert not passes("celery.worker.strategy", logging.INFO, "Task %(name)s[%(id)s] received",
                      {"name": "workers.audit.seal", "id": "x"})
    assert not passes("celery.app.trace", logging.INFO, "Task %s succeeded in %ss: %r", "workers.audit.seal", 0.1, 0)
    assert passes("celery.app.trace", logging.ERROR, "Task %s raised: %r", "workers.audit.seal", "OperationalError")
    assert passes("celery.app.trace", logging.INFO, "Task %s succeeded in %ss: %r", "workers.notices.deliver_notice",
                  0.1, 1)
