"""journeys (issue 22): idempotent filing, the receipt code shown once

Revision ID: 0010j_journeys
Revises: 0005m_meetings
Create Date: 2026-12-01 03:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010j_journeys'
down_revision = '0005m_meetings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('filing_keys',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('signal_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_filing_keys_signal_id_signals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_filing_keys'))
    )
    with op.batch_alter_table('filing_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_keys_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_keys_signal_id'), ['signal_id'], unique=False)

    op.create_table('receipt_displays',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('payload_ct', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_displays'))
    )
    with op.batch_alter_table('receipt_displays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_displays_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('receipt_displays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_displays_expires_at'))
    op.drop_table('receipt_displays')
    with op.batch_alter_table('filing_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_keys_signal_id'))
        batch_op.drop_index(batch_op.f('ix_filing_keys_created_at'))
    op.drop_table('filing_keys')
