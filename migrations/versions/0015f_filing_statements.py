"""fewer statements per filing (issue 23): a counter row per reference series and year instead of a
lock and a max(); the form's idempotency key names its melding as it is claimed (foreign key checked
at COMMIT)

Revision ID: 0015f_filing_statements
Revises: 0014s_audit_sealer
Create Date: 2026-12-01 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015f_filing_statements'
down_revision = '0014s_audit_sealer'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reference_counters',
    sa.Column('series', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.CheckConstraint("series IN ('MO', 'MI')", name=op.f('ck_reference_counters_series_valid')),
    sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_reference_counters'))
    )
    # Start where the numbers filed so far end (the counter would catch up by itself, but start right).
    op.execute("INSERT INTO reference_counters (series, year, last_seq) "
               "SELECT ref_series, ref_year, MAX(ref_seq) FROM signals GROUP BY ref_series, ref_year")
    with op.batch_alter_table('filing_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_filing_keys_signal_id_signals'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_filing_keys_signal_id_signals'), 'signals', ['signal_id'], ['id'],
                                    ondelete='CASCADE', deferrable=True, initially='DEFERRED')


def downgrade():
    with op.batch_alter_table('filing_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_filing_keys_signal_id_signals'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_filing_keys_signal_id_signals'), 'signals', ['signal_id'], ['id'],
                                    ondelete='CASCADE')
    op.drop_table('reference_counters')
