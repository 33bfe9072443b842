"""retention leftovers (issue 19): lifting a legal hold is four eyes; a reporter's erased identity is recorded

Revision ID: 0011h_hold_lift_erasure
Revises: 0010j_journeys
Create Date: 2026-12-01 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011h_hold_lift_erasure'
down_revision = '0010j_journeys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lift_requested_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lift_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lift_reason_ct', sa.LargeBinary(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_legal_holds_lift_requested_by_id_users'), 'users',
                                    ['lift_requested_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_legal_holds_lift_four_eyes'),
            'lift_requested_by_id IS NULL OR lifted_by_id IS NULL OR lifted_by_id <> lift_requested_by_id')
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_column('reporter_erased_at')
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_legal_holds_lift_four_eyes'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_legal_holds_lift_requested_by_id_users'), type_='foreignkey')
        batch_op.drop_column('lift_reason_ct')
        batch_op.drop_column('lift_requested_at')
        batch_op.drop_column('lift_requested_by_id')
