"""reports (issue 18): the dashboard's summary of closed months, refreshed by a beat job; a council report per track

Revision ID: 0012m_report_summary
Revises: 0011i_i18n
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012m_report_summary'
down_revision = '0011i_i18n'
branch_labels = None
depends_on = None

# as meldpunt.signals.models.queue_open_condition (literals, so the planner matches the partial index)
_OPEN = "status NOT IN ('afgesloten', 'doorgezonden', 'integriteitstraject', 'niet_ontvankelijk')"
_OPEN_WORK_COLUMNS = ["status", "wants_feedback", "first_feedback_at", "channel", "phenomenon_code",
                      "process_code", "department_code"]


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
    op.create_index('ix_signals_reports_open', 'signals', ['track', 'created_at'], unique=False,
                    postgresql_include=_OPEN_WORK_COLUMNS, postgresql_where=sa.text(f"({_OPEN})"),
                    sqlite_where=sa.text(f"({_OPEN})"))
    with op.batch_alter_table('council_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('track', sa.String(length=20), server_default='regulier', nullable=False))
        batch_op.drop_constraint('uq_council_reports_period_version', type_='unique')
        batch_op.create_unique_constraint('uq_council_reports_period_version',
                                          ['period_start', 'period_end', 'track', 'version'])
        batch_op.create_check_constraint(batch_op.f('ck_council_reports_track_valid'),
                                         "track IN ('regulier', 'integriteit')")


def downgrade():
    op.drop_index('ix_signals_reports_open', table_name='signals')
    with op.batch_alter_table('council_reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_council_reports_track_valid'), type_='check')
        batch_op.drop_constraint('uq_council_reports_period_version', type_='unique')
        batch_op.create_unique_constraint('uq_council_reports_period_version', ['period_start', 'period_end', 'version'])
        batch_op.drop_column('track')
    op.drop_table('report_summary_state')
    op.drop_table('report_lead_time_hours')
    op.drop_table('report_month_counts')
