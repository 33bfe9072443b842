"""i18n (issue 22 item 9): the user's language, for e-mails in the recipient's language

Revision ID: 0011i_i18n
Revises: 0011h_hold_lift_erasure
Create Date: 2026-12-01 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011i_i18n'
down_revision = '0011h_hold_lift_erasure'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='nl', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
