"""queue indexes for a million signals: keyset-ready and two partial indexes

Revision ID: 0004q_queue_indexes
Revises: 0003b_role_grants
Create Date: 2026-12-01 00:40:00

Every queue tab becomes one range scan on (track, <tab column>, created_at, id):
the id makes the order total (keyset pagination); "wacht" and "mijn" get partial
indexes that hold only open signals. The WHERE clauses are the literals of
``meldpunt.triage.models.queue_waiting_condition`` / ``queue_open_condition``.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004q_queue_indexes'
down_revision = '0003b_role_grants'
branch_labels = None
depends_on = None

_OPEN = "status NOT IN ('afgesloten', 'doorgezonden', 'integriteitstraject', 'niet_ontvankelijk')"


def _waiting(true: str) -> sa.TextClause:
    return sa.text(f"first_feedback_at IS NULL AND wants_feedback IS {true} AND ({_OPEN})")


def upgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_index('ix_signals_track_status_created')
        batch_op.drop_index('ix_signals_track_created')
        batch_op.drop_index('ix_signals_track_feedback_created')
        batch_op.drop_index('ix_signals_track_assignee_status_created')
        batch_op.create_index('ix_signals_track_status_created', ['track', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_signals_track_created', ['track', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_signals_queue_waiting', ['track', 'created_at', 'id'], unique=False,
                              postgresql_where=_waiting('true'), sqlite_where=_waiting('1'))
        batch_op.create_index('ix_signals_queue_mine', ['track', 'assignee_id', 'created_at', 'id'], unique=False,
                              postgresql_where=sa.text(f"({_OPEN})"), sqlite_where=sa.text(f"({_OPEN})"))


def downgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_index('ix_signals_queue_mine')
        batch_op.drop_index('ix_signals_queue_waiting')
        batch_op.drop_index('ix_signals_track_created')
        batch_op.drop_index('ix_signals_track_status_created')
        batch_op.create_index('ix_signals_track_assignee_status_created', ['track', 'assignee_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_signals_track_feedback_created', ['track', 'first_feedback_at', 'created_at'], unique=False)
        batch_op.create_index('ix_signals_track_created', ['track', 'created_at'], unique=False)
        batch_op.create_index('ix_signals_track_status_created', ['track', 'status', 'created_at'], unique=False)
