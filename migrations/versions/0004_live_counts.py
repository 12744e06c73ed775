"""Maintained facet counts and index totals; partial indexes for live and trashed sessions.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.services.rollups import rebuild_rollups
from app.services.search import rebuild_search_index


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
TRASHED = sa.text('deleted_at IS NOT NULL')
LIST_INDEXES = {
    'ix_sessions_created_at': ['created_at'],
    'ix_sessions_artist_created_at': ['artist', 'created_at'],
    'ix_sessions_project_created_at': ['project', 'created_at'],
    'ix_sessions_daw_created_at': ['daw', 'created_at'],
}


def upgrade():
    op.create_table('live_counts',
    sa.Column('dimension', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'value', name=op.f('pk_live_counts'))
    )
    op.create_index('ix_live_counts_dimension_count', 'live_counts', ['dimension', 'count'], unique=False)
    op.drop_index('ix_sessions_deleted_at', table_name='sessions')
    op.create_index('ix_sessions_trashed', 'sessions', ['deleted_at'], unique=False,
                    sqlite_where=TRASHED, postgresql_where=TRASHED)
    for name, columns in LIST_INDEXES.items():
        op.drop_index(name, table_name='sessions')
        op.create_index(name, 'sessions', columns, unique=False, sqlite_where=LIVE, postgresql_where=LIVE)
    # Every aggregate and search document is recomputed from the rows already indexed.
    db_session = Session(bind=op.get_bind())
    rebuild_rollups(db_session)
    rebuild_search_index(db_session)
    db_session.flush()


def downgrade():
    for name, columns in LIST_INDEXES.items():
        op.drop_index(name, table_name='sessions')
        op.create_index(name, 'sessions', columns, unique=False)
    op.drop_index('ix_sessions_trashed', table_name='sessions')
    op.create_index('ix_sessions_deleted_at', 'sessions', ['deleted_at'], unique=False)
    op.drop_index('ix_live_counts_dimension_count', table_name='live_counts')
    op.drop_table('live_counts')
