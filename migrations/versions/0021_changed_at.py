"""When each session last changed in the index, for the syncs that ask only for what changed since a moment

Every session counts as changed at the upgrade: a sync that asks for what changed since an earlier moment gets all
of them once.

Revision ID: 0021
Revises: 0020
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('sessions', sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
    sessions = sa.table('sessions', sa.column('changed_at', sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    # SQLite keeps times as naive UTC text (app/models/types.py).
    op.execute(sessions.update().values(changed_at=now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite"
                                        else now))
    op.create_index('ix_sessions_changed_at', 'sessions', ['changed_at'], unique=False)


def downgrade():
    op.drop_index('ix_sessions_changed_at', table_name='sessions')
    with op.batch_alter_table('sessions') as batch:
        batch.drop_column('changed_at')
