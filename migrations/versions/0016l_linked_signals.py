"""linked signals of a subject (issue 23): one covering index (kind, digest, key_id, signal_id) on
subject_identifiers replaces (kind, digest), so the linked signals are found by index-only scans

Revision ID: 0016l_linked_signals
Revises: 0015f_filing_statements
Create Date: 2026-12-01 10:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016l_linked_signals'
down_revision = '0015f_filing_statements'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_subject_identifiers_lookup', ['kind', 'digest', 'key_id', 'signal_id'], unique=False)
        batch_op.drop_index('ix_subject_identifiers_kind_digest')


def downgrade():
    with op.batch_alter_table('subject_identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_subject_identifiers_kind_digest', ['kind', 'digest'], unique=False)
        batch_op.drop_index('ix_subject_identifiers_lookup')
