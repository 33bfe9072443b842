"""journeys (issue 22): idempotent filing, the receipt code shown once; reporter replies reach handlers

Revision ID: 0010j_journeys
Revises: 0005m_meetings
Create Date: 2026-12-01 03:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010j_journeys'
down_revision = '0009s_reports'
branch_labels = None
depends_on = None

_OLD_KINDS = ("'ontvangen', 'in_behandeling', 'doorgezonden', 'besproken', 'afgesloten', 'niet_ontvankelijk', "
              "'integriteitstraject', 'bericht', 'terugkoppeling', 'herinnering', 'rechtenverzoek', 'maatregel_termijn', "
              "'agenda', 'actie_verlopen', 'dringend'")  # 'dringend' came with 0007c_channels
_NEW_KINDS = _OLD_KINDS + ", 'reactie_melder'"


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

    op.create_table('intake_drafts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('payload_ct', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_drafts'))
    )
    with op.batch_alter_table('intake_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_drafts_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_recipient_kind_read', ['recipient_user_id', 'kind', 'read_at'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_notices_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notices_kind_valid'), f"kind IN ({_NEW_KINDS})")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_mail', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('intake_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_drafts_expires_at'))
    op.drop_table('intake_drafts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reply_mail')
    op.execute("DELETE FROM notices WHERE kind = 'reactie_melder'")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notices_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notices_kind_valid'), f"kind IN ({_OLD_KINDS})")
        batch_op.drop_index('ix_notices_recipient_kind_read')
    with op.batch_alter_table('receipt_displays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_displays_expires_at'))
    op.drop_table('receipt_displays')
    with op.batch_alter_table('filing_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_keys_signal_id'))
        batch_op.drop_index(batch_op.f('ix_filing_keys_created_at'))
    op.drop_table('filing_keys')
