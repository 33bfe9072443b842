"""role grants: content roles need a second person's approval; notices about a grant

Revision ID: 0003b_role_grants
Revises: 0003d_refs_sizes
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003b_role_grants'
down_revision = '0003d_refs_sizes'
branch_labels = None
depends_on = None

_OLD_KINDS = ("'ontvangen', 'in_behandeling', 'doorgezonden', 'besproken', 'afgesloten', 'niet_ontvankelijk', "
              "'integriteitstraject', 'bericht', 'terugkoppeling', 'herinnering'")
_NEW_KINDS = _OLD_KINDS + ", 'rechtenverzoek'"


def upgrade():
    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('previous_role', sa.String(length=20), nullable=False),
    sa.Column('new_account', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_via', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('deelnemer', 'integriteit', 'management', 'regisseur', 'voorzitter')", name=op.f('ck_role_grants_role_is_content_role')),
    sa.CheckConstraint("state IN ('approved', 'pending', 'rejected', 'withdrawn')", name=op.f('ck_role_grants_state_valid')),
    sa.CheckConstraint("decided_via IS NULL OR decided_via IN ('app', 'server')", name=op.f('ck_role_grants_via_valid')),
    sa.CheckConstraint("(state = 'pending') = (decided_at IS NULL)", name=op.f('ck_role_grants_decided_iff_not_pending')),
    sa.CheckConstraint("state NOT IN ('approved', 'rejected') OR decided_via IS NOT NULL", name=op.f('ck_role_grants_decision_has_via')),
    sa.CheckConstraint("decided_via IS NULL OR decided_via <> 'app' OR decided_by_id IS NOT NULL", name=op.f('ck_role_grants_app_decision_names_decider')),
    sa.CheckConstraint("decided_by_id IS NULL OR (decided_by_id <> requested_by_id AND decided_by_id <> user_id)", name=op.f('ck_role_grants_four_eyes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_role_grants_decided_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_role_grants_requested_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index('ix_role_grants_one_pending_per_user', ['user_id'], unique=True,
                              sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
        batch_op.create_index('ix_role_grants_state_role', ['state', 'role'], unique=False)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grant_id', sa.Integer(), nullable=True))
        batch_op.alter_column('signal_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(batch_op.f('ix_notices_grant_id'), ['grant_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notices_grant_id_role_grants'), 'role_grants', ['grant_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_notices_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notices_kind_valid'), f"kind IN ({_NEW_KINDS})")
        batch_op.create_check_constraint(batch_op.f('ck_notices_about_signal_or_grant'),
                                         "(signal_id IS NULL) <> (grant_id IS NULL)")
        batch_op.create_check_constraint(batch_op.f('ck_notices_grant_notice_has_recipient'),
                                         "grant_id IS NULL OR recipient_user_id IS NOT NULL")


def downgrade():
    op.execute("DELETE FROM notices WHERE grant_id IS NOT NULL")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notices_grant_notice_has_recipient'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_notices_about_signal_or_grant'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_notices_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notices_kind_valid'), f"kind IN ({_OLD_KINDS})")
        batch_op.drop_constraint(batch_op.f('fk_notices_grant_id_role_grants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notices_grant_id'))
        batch_op.alter_column('signal_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('grant_id')

    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_role_grants_state_role')
        batch_op.drop_index('ix_role_grants_one_pending_per_user')

    op.drop_table('role_grants')
