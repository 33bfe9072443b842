"""reports (issue 18): the dashboard's summary of closed months, refreshed by a beat job

Revision ID: 0012m_report_summary
Revises: 0011h_hold_lift_erasure
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012m_report_summary'
down_revision = '0011h_hold_lift_erasure'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_month_counts',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('track', sa.String(length=20), nullable=False),
        sa.Column('dimension', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'track', 'dimension', 'key', name=op.f('pk_report_month_counts')),
    )
    op.create_table(
        'report_lead_time_hours',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('track', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('hours', sa.Integer(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'track', 'kind', 'hours', name=op.f('pk_report_lead_time_hours')),
    )
    op.create_table(
        'report_summary_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('through', sa.String(length=7), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_report_summary_state_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_summary_state')),
    )


def downgrade():
    op.drop_table('report_summary_state')
    op.drop_table('report_lead_time_hours')
    op.drop_table('report_month_counts')
