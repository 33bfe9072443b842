"""the area of a melding (issue 18): the four digits of the postcode, for the ondermijningsbeeld

Revision ID: 0013a_area_code
Revises: 0012m_report_summary
Create Date: 2026-12-01 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013a_area_code'
down_revision = '0012m_report_summary'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_code', sa.String(length=4), nullable=True))
        batch_op.create_index(batch_op.f('ix_signals_area_code'), ['area_code'], unique=False)


def downgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signals_area_code'))
        batch_op.drop_column('area_code')
