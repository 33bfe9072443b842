"""channels: signal sources, several phenomena per signal, re-classification history,
threatened reporters (checklist, urgent queue index, reminder notice), who was approached and how

Revision ID: 0007c_channels
Revises: 0005m_meetings
Create Date: 2026-12-01 03:45:00

Schema only; the taxonomy terms and the backfill of ``signal_phenomena`` are in 0007t_taxonomy.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007c_channels'
down_revision = '0005m_meetings'
branch_labels = None
depends_on = None

_OLD_KINDS = ("'ontvangen', 'in_behandeling', 'doorgezonden', 'besproken', 'afgesloten', 'niet_ontvankelijk', "
              "'integriteitstraject', 'bericht', 'terugkoppeling', 'herinnering', 'rechtenverzoek', 'maatregel_termijn', "
              "'agenda', 'actie_verlopen'")
_NEW_KINDS = _OLD_KINDS + ", 'dringend'"
_OPEN = "status NOT IN ('afgesloten', 'doorgezonden', 'integriteitstraject', 'niet_ontvankelijk')"


def _urgent(true: str) -> sa.TextClause:
    return sa.text(f"feels_unsafe IS {true} AND ({_OPEN})")


def upgrade():
    op.create_table('signal_phenomena',
    sa.Column('signal_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_signal_phenomena_signal_id_signals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signal_id', 'code', name=op.f('pk_signal_phenomena'))
    )
    with op.batch_alter_table('signal_phenomena', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_phenomena_code'), ['code'], unique=False)

    op.create_table('classification_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Uuid(), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('old_value', sa.String(length=800), nullable=False),
    sa.Column('new_value', sa.String(length=800), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("field IN ('verschijningsvorm', 'verschijningsvormen', 'werkproces')", name=op.f('ck_classification_changes_field_valid')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_classification_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_classification_changes_signal_id_signals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classification_changes'))
    )
    with op.batch_alter_table('classification_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classification_changes_signal_id'), ['signal_id'], unique=False)

    op.create_table('threat_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Uuid(), nullable=False),
    sa.Column('step', sa.String(length=30), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("step IN ('contact_opgenomen', 'leidinggevende_ingelicht', 'aangifte_besproken', 'nazorg_geregeld')", name=op.f('ck_threat_checks_step_valid')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_threat_checks_actor_id_users')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_threat_checks_signal_id_signals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threat_checks')),
    sa.UniqueConstraint('signal_id', 'step', name=op.f('uq_threat_checks_signal_id_step'))
    )
    with op.batch_alter_table('threat_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_threat_checks_signal_id'), ['signal_id'], unique=False)

    op.create_table('signal_sources',
    sa.Column('signal_id', sa.Uuid(), nullable=False),
    sa.Column('organisation', sa.String(length=30), nullable=False),
    sa.Column('feedback', sa.String(length=20), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('details_ct', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("feedback IN ('geen', 'telefoon', 'email', 'brief', 'via_doorgever')", name=op.f('ck_signal_sources_feedback_valid')),
    sa.CheckConstraint("organisation IN ('geen', 'politie', 'riec', 'belastingdienst', 'andere_gemeente', 'mma', 'boa_toezicht', 'anders')", name=op.f('ck_signal_sources_organisation_valid')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_signal_sources_registered_by_id_users')),
    sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_signal_sources_signal_id_signals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signal_id', name=op.f('pk_signal_sources'))
    )

    # Plain add_column (no batch copy): the signals table keeps its rows and partial indexes as they are.
    op.add_column('signals', sa.Column('approached_code', sa.String(length=30), nullable=True))
    op.add_column('signals', sa.Column('approach_code', sa.String(length=30), nullable=True))
    op.add_column('signals', sa.Column('received_on', sa.Date(), nullable=True))
    op.create_index('ix_signals_queue_urgent', 'signals', ['track', 'created_at', 'id'], unique=False,
                    postgresql_where=_urgent('true'), sqlite_where=_urgent('1'))

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notices_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notices_kind_valid'), f"kind IN ({_NEW_KINDS})")


def downgrade():
    op.execute("DELETE FROM notices WHERE kind = 'dringend'")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notices_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notices_kind_valid'), f"kind IN ({_OLD_KINDS})")
    op.drop_index('ix_signals_queue_urgent', table_name='signals')
    with op.batch_alter_table('signals', schema=None) as batch_op:
        batch_op.drop_column('received_on')
        batch_op.drop_column('approach_code')
        batch_op.drop_column('approached_code')
    op.drop_table('signal_sources')
    with op.batch_alter_table('threat_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_threat_checks_signal_id'))
    op.drop_table('threat_checks')
    with op.batch_alter_table('classification_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classification_changes_signal_id'))
    op.drop_table('classification_changes')
    with op.batch_alter_table('signal_phenomena', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_phenomena_code'))
    op.drop_table('signal_phenomena')
