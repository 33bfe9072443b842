"""The audit trail is append-only and hash-chained: `flask --app meldpunt audit verify` finds edits,
deletions (also of the newest entries) and a rewritten chain, naming the entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from meldpunt.audit.service import record, verify_chain
from meldpunt.extensions import db


def _fill(app, n=5):
    with app.app_context():
        for i in range(n):
            record(db.session, action="test.event", actor_id=1, actor_label="a@test.example", object_type="signal",
                   object_id=f"obj-{i}", origin="127.0.0.1", details={"n": i})
        db.session.commit()


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
    assert [b.problem for b in breaks] == ["checkpoint signature does not match (checkpoint edited)"]
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
