"""receipt grants (server-side receipt-code access) and deferred anonymous audit entries

Revision ID: 0003c_receipt_grants
Revises: 0004q_queue_indexes
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003c_receipt_grants'
down_revision = '0004q_queue_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('receipt_grants',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('digest_ct', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_grants'))
    )
    with op.batch_alter_table('receipt_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_grants_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_grants_last_used_at'), ['last_used_at'], unique=False)

    op.create_table('audit_deferred',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_deferred'))
    )
    with op.batch_alter_table('audit_deferred', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_deferred_hour'), ['hour'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_deferred', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_deferred_hour'))

    op.drop_table('audit_deferred')
    with op.batch_alter_table('receipt_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_grants_last_used_at'))
        batch_op.drop_index(batch_op.f('ix_receipt_grants_created_at'))

    op.drop_table('receipt_grants')
