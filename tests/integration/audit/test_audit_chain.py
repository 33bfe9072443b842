"""The audit trail is append-only and hash-chained: `flask --app meldpunt audit verify` finds edits,
deletions (also of the newest entries) and a rewritten chain, naming the entry."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from meldpunt.audit.service import record, seal_all, verify_chain
from meldpunt.extensions import db


def _fill(app, n=5):
    """``n`` entries, committed and sealed (what beat does within a second)."""
    with app.app_context():
        for i in range(n):
            record(db.session, action="test.event", actor_id=1, actor_label="a@test.example", object_type="signal",
                   object_id=f"obj-{i}", origin="127.0.0.1", details={"n": i})
        db.session.commit()
        seal_all(db.session)


def _verify_cli(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_intact_chain_verifies(app_any_db):
    _fill(app_any_db)
    result = _verify_cli(app_any_db)
    assert result.exit_code == 0 and "intact" in result.output and "5 entries" in result.output


def test_editing_one_row_fails_and_names_the_entry(app_any_db):
    _fill(app_any_db)
    with app_any_db.app_context():
        db.session.execute(text("UPDATE audit_entries SET result = 'denied' WHERE id = 3"))
        db.session.commit()
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1
    assert "audit entry 3: content does not match its hash (entry edited)" in result.output


def test_deleting_a_middle_row_fails(app_any_db):
    _fill(app_any_db)
    with app_any_db.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE id = 2"))
        db.session.commit()
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1 and "audit entry 3: entries 2..2 are missing" in result.output


def test_deleting_the_newest_rows_fails(app_any_db):
    _fill(app_any_db)
    with app_any_db.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE id >= 4"))
        db.session.commit()
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1 and "entries 4..5 are missing (newest entries deleted)" in result.output


def test_rewriting_the_chain_after_an_edit_is_caught_by_the_signed_checkpoint(app):
    from meldpunt.audit.models import AuditCheckpoint, AuditEntry
    from meldpunt.audit.service import compute_hash

    _fill(app)
    with app.app_context():
        # An attacker with database access edits entry 2 and recomputes every hash after it.
        entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
        entries[1].result = "failed"
        prev = entries[0].entry_hash
        for entry in entries[1:]:
            entry.prev_hash = prev
            entry.entry_hash = compute_hash(entry)
            prev = entry.entry_hash
        checkpoint = db.session.get(AuditCheckpoint, 1)
        checkpoint.last_hash = prev  # cannot re-sign without the keyring
        db.session.commit()
        breaks = verify_chain(db.session)
    problems = [b.problem for b in breaks]
    assert problems[0] == "checkpoint signature does not match (checkpoint edited)"
    # The checkpoint file outside the database still holds the original end of the chain.
    assert "entry 5 does not match checkpoint file line 1 (chain rewritten)" in problems
    assert _verify_cli(app).exit_code == 1


def test_entries_are_metadata_only_and_chained(app):
    _fill(app, 2)
    with app.app_context():
        rows = db.session.execute(text("SELECT id, prev_hash, entry_hash, created_at FROM audit_entries ORDER BY id")).all()
    assert rows[1].prev_hash == rows[0].entry_hash
    assert rows[0].prev_hash == "0" * 64


@pytest.mark.parametrize("n", [0])
def test_empty_trail_verifies(app, n):
    assert _verify_cli(app).exit_code == 0


# ---------------------------------------------------------------------------- issue 15 item 17: checkpoints outside the DB


def _append(app, n: int) -> None:
    """``n`` transactions of one entry each, each sealed on its own (so ``n`` checkpoints)."""
    with app.app_context():
        for i in range(n):
            record(db.session, action="test.event", actor_id=1, actor_label="a@test.example", object_type="signal",
                   object_id=f"obj-{i}", details={"n": i})
            db.session.commit()
            seal_all(db.session)


def _checkpoint_file(app):
    return app.extensions["meldpunt.settings"].audit.checkpoint_file


def _file_a_signal(app):
    """A named melding (an anonymous one's audit entry waits for its hour to end)."""
    from meldpunt.auth.service import create_user
    from meldpunt.intake.service import file_signal

    with app.app_context():
        reporter = create_user(db.session, email=f"melder{uuid.uuid4().hex[:6]}@test.example", name="Melder",
                               role="melder", password=None)
        file_signal(db.session, keyring=app.extensions["meldpunt.keyring"], reporter=reporter, description="iets")
        db.session.commit()
        seal_all(db.session)


def test_item_17_deleting_every_entry_and_the_checkpoint_fails_verify(app_any_db):
    _file_a_signal(app_any_db)
    _append(app_any_db, 3)
    assert _verify_cli(app_any_db).exit_code == 0
    with app_any_db.app_context():
        db.session.execute(text("DELETE FROM audit_entries"))
        db.session.execute(text("DELETE FROM audit_checkpoint"))
        db.session.commit()
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1 and "intact" not in result.output
    assert "the database has no audit entries, but checkpoint file" in result.output
    assert "records 4 (line 4): the audit trail and its checkpoint were deleted" in result.output
    assert "audit trail: the audit trail is empty, but table signals has rows that are always audited" in result.output
    # Without the file as well, the signals still give it away.
    _checkpoint_file(app_any_db).unlink()
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1 and "table signals has rows that are always audited" in result.output


def test_item_17_missing_checkpoint_row_with_entries_fails(app_any_db):
    _append(app_any_db, 2)
    with app_any_db.app_context():
        db.session.execute(text("DELETE FROM audit_checkpoint"))
        db.session.commit()
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1 and "audit entry 2: checkpoint row is missing (deleted?)" in result.output


def test_item_17_truncating_and_rolling_back_the_checkpoint_fails_against_the_file(app_any_db):
    from meldpunt.audit.models import AuditCheckpoint

    _append(app_any_db, 3)
    with app_any_db.app_context():
        # An attacker with database access keeps a copy of a genuine, validly signed checkpoint ...
        old = db.session.get(AuditCheckpoint, 1)
        saved = (old.last_id, old.last_hash, old.key_id, old.mac)
    _append(app_any_db, 2)
    with app_any_db.app_context():
        # ... deletes the two newest entries and puts the old checkpoint back.
        db.session.execute(text("DELETE FROM audit_entries WHERE id > 3"))
        checkpoint = db.session.get(AuditCheckpoint, 1)
        checkpoint.last_id, checkpoint.last_hash, checkpoint.key_id, checkpoint.mac = saved
        db.session.commit()
        problems = [b.problem for b in verify_chain(db.session)]
    # The database alone looks intact: only the file outside it tells.
    assert all("checkpoint file" in p for p in problems), problems
    assert "checkpoint file line 5 records entries up to 5, the database only up to 3: newest entries deleted" in problems
    assert ("the database checkpoint (entry 3) is older than checkpoint file line 5 (entry 5): checkpoint rolled back"
            in problems)
    result = _verify_cli(app_any_db)
    assert result.exit_code == 1 and "newest entries deleted" in result.output


def test_item_17_normal_operation_verifies_and_writes_a_signed_line_per_seal(app_any_db):
    import stat

    from meldpunt.audit.checkpoints import read_lines

    _file_a_signal(app_any_db)
    _append(app_any_db, 3)
    with app_any_db.app_context():
        # A rolled-back transaction leaves no entry to seal; nor does one rolled back with its SAVEPOINT.
        record(db.session, action="test.rolled_back")
        db.session.rollback()
        record(db.session, action="test.kept")
        with db.session.begin_nested() as savepoint:
            record(db.session, action="test.savepoint")
            savepoint.rollback()
        db.session.commit()
        assert seal_all(db.session) == 1
        assert seal_all(db.session) == 0  # nothing twice
    path = _checkpoint_file(app_any_db)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines, malformed = read_lines(path)
    assert malformed == [] and [line.last_id for line in lines] == [1, 2, 3, 4, 5]
    assert len({line.db for line in lines}) == 1
    result = _verify_cli(app_any_db)
    assert result.exit_code == 0, result.output
    assert "audit trail intact: 5 entries" in result.output


def test_item_17_an_edited_or_missing_checkpoint_file_fails(app):
    _append(app, 2)
    path = _checkpoint_file(app)
    original = path.read_text()
    path.write_text(original.replace("id=2 ", "id=3 "))
    result = _verify_cli(app)
    assert result.exit_code == 1 and "checkpoint file line 2: signature does not match (line edited or forged)" in result.output
    path.write_text(original + "whatever\n")
    result = _verify_cli(app)
    assert result.exit_code == 1 and "checkpoint file line 3 is not a checkpoint line (file edited)" in result.output
    path.unlink()
    result = _verify_cli(app)
    assert result.exit_code == 1 and "does not exist, but the database holds 2 audit entries" in result.output


def test_item_17_checkpoints_go_to_syslog_when_configured(app_factory):
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    try:
        app = app_factory(audit={"syslog_address": f"127.0.0.1:{listener.getsockname()[1]}"})
        _append(app, 1)
        datagram = listener.recv(4096).decode()
    finally:
        listener.close()
    line = _checkpoint_file(app).read_text().strip()
    assert line.startswith("v1 db=") and " id=1 " in line
    assert datagram.startswith("<") and "meldpunt-audit: checkpoint " + line in datagram
