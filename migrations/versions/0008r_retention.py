"""retention: runs of the retention job, legal holds, "bewaren tot" extensions, requests of data subjects

Revision ID: 0008r_retention
Revises: 0005m_meetings
Create Date: 2026-12-01 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008r_retention'
down_revision = '0007t_taxonomy'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.create_index('ix_signals_data_key_id', ['data_key_id'], unique=False)

    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_label', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shredded', sa.Integer(), nullable=False),
    sa.Column('cases_shredded', sa.Integer(), nullable=False),
    sa.Column('references', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_runs_started_at'), ['started_at'], unique=False)

    op.create_table('legal_holds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('signal_id', sa.Uuid(), nullable=True),
    sa.Column('case_id', sa.Uuid(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason_ct', sa.LargeBinary(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(signal_id IS NULL) <> (case_id IS NULL)', name=op.f('ck_legal_holds_signal_or_case')),
    sa.CheckConstraint("state IN ('voorgesteld', 'actief', 'afgewezen', 'opgeheven')",
                       name=op.f('ck_legal_holds_state_valid')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> proposed_by_id',
                       name=op.f('ck_legal_holds_four_eyes')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_legal_holds_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_legal_holds_decided_by_id_users')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_legal_holds_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_legal_holds_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_legal_holds_signal_id_signals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds'))
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_holds_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_holds_signal_id'), ['signal_id'], unique=False)
        batch_op.create_index('ix_legal_holds_state_ends_on', ['state', 'ends_on'], unique=False)

    op.create_table('retention_extensions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('signal_id', sa.Uuid(), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=False),
    sa.Column('reason_ct', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_retention_extensions_created_by_id_users')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_retention_extensions_signal_id_signals'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_extensions'))
    )
    with op.batch_alter_table('retention_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_extensions_signal_id'), ['signal_id'], unique=False)

    op.create_table('rights_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('data_key_id', sa.Uuid(), nullable=True),
    sa.Column('details_ct', sa.LargeBinary(), nullable=True),
    sa.Column('decision_ct', sa.LargeBinary(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('export_ct', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("kind IN ('inzage', 'correctie', 'wissen', 'betrokkene')",
                       name=op.f('ck_rights_requests_kind_valid')),
    sa.CheckConstraint("state IN ('vastgelegd', 'goedgekeurd', 'afgewezen')",
                       name=op.f('ck_rights_requests_state_valid')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> recorded_by_id',
                       name=op.f('ck_rights_requests_four_eyes')),
    sa.CheckConstraint("(kind = 'betrokkene') OR reporter_id IS NOT NULL",
                       name=op.f('ck_rights_requests_reporter_named')),
    sa.ForeignKeyConstraint(['data_key_id'], ['data_keys.id'], name=op.f('fk_rights_requests_data_key_id_data_keys'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_rights_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_rights_requests_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_rights_requests_reporter_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_requests'))
    )
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_requests_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index('ix_rights_requests_state_recorded_at', ['state', 'recorded_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_rights_requests_state_recorded_at')
        batch_op.drop_index(batch_op.f('ix_rights_requests_reporter_id'))
    op.drop_table('rights_requests')
    with op.batch_alter_table('retention_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_extensions_signal_id'))
    op.drop_table('retention_extensions')
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_holds_state_ends_on')
        batch_op.drop_index(batch_op.f('ix_legal_holds_signal_id'))
        batch_op.drop_index(batch_op.f('ix_legal_holds_case_id'))
    op.drop_table('legal_holds')
    with op.batch_alter_table('retention_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_runs_started_at'))
    op.drop_table('retention_runs')
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_index('ix_signals_data_key_id')
