"""subjects.added_by: who named a subject (melder or behandelaar)

The reporter's own pages show only the subjects the reporter gave. Backfill of
existing rows (before this revision nothing recorded it):

- ``behandelaar`` when the audit trail has a ``signal.add_subject`` entry naming
  the subject (the handler's "Subject toevoegen" always wrote one), or when the
  subject was stored more than two hours after its signal. Filing stores the
  reporter's subjects in the same transaction as the signal, milliseconds after
  it; the two hours leave room for signal times that were rounded to the hour.
- ``melder`` for every other subject: it was stored while the signal was filed.

New rows default to ``behandelaar`` (also in the database), so a subject stored
without saying who named it never reaches the reporter.

Revision ID: 0003a_subject_added_by
Revises: 0002
Create Date: 2026-12-02 10:00:00

"""
import json
import uuid
from datetime import timedelta, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003a_subject_added_by'
down_revision = '0002'
branch_labels = None
depends_on = None

FILING_WINDOW = timedelta(hours=2)
CHUNK = 500

subjects = sa.table(
    'subjects',
    sa.column('id', sa.Uuid()),
    sa.column('signal_id', sa.Uuid()),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('added_by', sa.String(20)),
)
signals = sa.table('signals', sa.column('id', sa.Uuid()), sa.column('created_at', sa.DateTime(timezone=True)))
audit_entries = sa.table('audit_entries', sa.column('action', sa.String(60)), sa.column('details', sa.Text()))


def _added_by_handler_in_audit(conn) -> set[uuid.UUID]:
    found = set()
    for (details,) in conn.execute(sa.select(audit_entries.c.details).where(audit_entries.c.action == 'signal.add_subject')):
        try:
            found.add(uuid.UUID(str(json.loads(details or '{}').get('subject_id'))))
        except (ValueError, TypeError, AttributeError):
            continue
    return found


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def upgrade():
    # A column constraint in ADD COLUMN works on SQLite and PostgreSQL alike, without the table copy
    # that batch mode makes on SQLite (which, with foreign keys on, would cascade-delete the
    # subjects' blind-index rows and case links).
    op.execute(
        "ALTER TABLE subjects ADD COLUMN added_by VARCHAR(20) DEFAULT 'behandelaar' NOT NULL "
        "CONSTRAINT ck_subjects_added_by_valid CHECK (added_by IN ('melder', 'behandelaar'))"
    )
    conn = op.get_bind()
    by_handler = _added_by_handler_in_audit(conn)
    reporter_ids = []
    rows = conn.execute(
        sa.select(subjects.c.id, subjects.c.created_at, signals.c.created_at.label('filed_at'))
        .select_from(subjects.join(signals, signals.c.id == subjects.c.signal_id))
    )
    for subject_id, created_at, filed_at in rows:
        created_at, filed_at = _aware(created_at), _aware(filed_at)
        late = created_at is not None and filed_at is not None and created_at - filed_at > FILING_WINDOW
        if subject_id not in by_handler and not late:
            reporter_ids.append(subject_id)
    for start in range(0, len(reporter_ids), CHUNK):
        conn.execute(
            subjects.update().where(subjects.c.id.in_(reporter_ids[start:start + CHUNK])).values(added_by='melder')
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_subjects_added_by_valid'), 'subjects', type_='check')
    op.execute("ALTER TABLE subjects DROP COLUMN added_by")
