"""the audit trail without a lock on the request path (issue 23): entries are appended unsealed and
chained by the sealer; ``position`` is the place in the chain

Existing entries were chained by ``id`` with no gaps, so their position is their id and their hashes
stay valid. On PostgreSQL the id sequence (made with the table, never used while ids were chosen by
the application) moves past the newest entry.

Revision ID: 0014s_audit_sealer
Revises: 0013a_area_code
Create Date: 2026-12-01 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014s_audit_sealer'
down_revision = '0013a_area_code'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=True)
    op.execute("UPDATE audit_entries SET position = id")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_position'), ['position'])
    op.create_index('ix_audit_entries_unsealed', 'audit_entries', ['id'], unique=False,
                    postgresql_where=sa.text('position IS NULL'), sqlite_where=sa.text('position IS NULL'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('audit_entries', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM audit_entries), 0) + 1, false)")


def downgrade():
    # The old chain runs by id: only a trail whose every entry is sealed at position == id goes back.
    # Audit entries are never deleted to make a downgrade fit.
    moved = op.get_bind().scalar(sa.text(
        "SELECT COUNT(*) FROM audit_entries WHERE position IS NULL OR position <> id"))
    if moved:
        raise RuntimeError(f"{moved} audit entries are unsealed or sealed out of id order; "
                           "this trail cannot go back to the chain by id")
    op.drop_index('ix_audit_entries_unsealed', table_name='audit_entries')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_position'), type_='unique')
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('position')
