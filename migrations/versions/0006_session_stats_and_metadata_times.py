"""Cached session statistics; when a session's metadata was first and last edited

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_stats',
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_session_stats_session_pk_sessions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', name=op.f('pk_session_stats')),
    sqlite_with_rowid=False
    )
    op.add_column('sessions', sa.Column('metadata_created_at', sa.DateTime(timezone=True),
                                        nullable=True))
    op.add_column('sessions', sa.Column('metadata_updated_at', sa.DateTime(timezone=True),
                                        nullable=True))
    op.create_index('ix_sessions_metadata_updated_at', 'sessions', ['metadata_updated_at'], unique=False,
                    sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))


def downgrade():
    op.drop_index('ix_sessions_metadata_updated_at', table_name='sessions',
                  sqlite_where=sa.text('deleted_at IS NULL'), postgresql_where=sa.text('deleted_at IS NULL'))
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('metadata_updated_at')
        batch_op.drop_column('metadata_created_at')
    op.drop_table('session_stats')
