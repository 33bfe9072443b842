"""reference series per track; attachment sizes rounded

Each track numbers its own series (MO-… regular, MI-… integrity), so the regular
sequence shows no gaps where integrity signals were filed. Existing signals keep
their MO-… references (series "MO"). Stored attachment sizes are rounded up to
the padded size of the stream format 2 (multiples of 64 KiB); the exact sizes are
not kept, so a downgrade leaves them rounded.

Revision ID: 0003d_refs_sizes
Revises: 0003a_subject_added_by
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003d_refs_sizes'
down_revision = '0003a_subject_added_by'
branch_labels = None
depends_on = None

CHUNK = 64 * 1024


def upgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref_series', sa.String(length=2), server_default='MO', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_signals_ref_year_ref_seq'), type_='unique')
    # Rows that a downgrade parked with a negative number were integrity-series references.
    op.execute("UPDATE signals SET ref_series = 'MI', ref_seq = -ref_seq WHERE ref_seq < 0 AND reference LIKE 'MI-%'")
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_signals_ref_series_ref_year_ref_seq'), ['ref_series', 'ref_year', 'ref_seq']
        )
        batch_op.create_check_constraint(batch_op.f('ck_signals_ref_series_valid'), "ref_series IN ('MO', 'MI')")
    op.execute(f"UPDATE attachments SET size = ((size / {CHUNK}) + 1) * {CHUNK} WHERE size % {CHUNK} <> 0 OR size = 0")


def downgrade():
    # The old schema has one (year, number) space: park integrity-series numbers below zero, so
    # they stay unique and the old code's max()+1 continues the regular series.
    op.execute("UPDATE signals SET ref_seq = -ref_seq WHERE ref_series = 'MI' AND ref_seq > 0")
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_signals_ref_series_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_signals_ref_series_ref_year_ref_seq'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_signals_ref_year_ref_seq'), ['ref_year', 'ref_seq'])
        batch_op.drop_column('ref_series')
