"""The live sessions by DAW and the tags by name each hold their sessions' pks, so that a DAW and a tag together are
counted from these two indexes alone; and on PostgreSQL the live sessions of each DAW newest first, the tie and the
place of nulls included, so that a DAW's list and facet sample are read in order (on SQLite the same index as before,
its rowid ending it, under the name of the sort indexes)

Revision ID: 0030
Revises: 0029
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade():
    op.drop_index('ix_sessions_daw', table_name='sessions')
    op.create_index('ix_sessions_daw', 'sessions', ['daw', 'pk'], sqlite_where=LIVE, postgresql_where=LIVE)
    op.drop_index('ix_tags_name', table_name='tags')
    op.create_index('ix_tags_name', 'tags', ['name', 'session_pk'])
    op.drop_index('ix_sessions_daw_created_at', table_name='sessions')
    if op.get_bind().dialect.name == "postgresql":
        newest = [sa.desc(sa.column('created_at')).nulls_last(), sa.desc(sa.column('pk'))]
    else:
        newest = ['created_at']
    op.create_index('ix_sessions_sorted_daw_newest', 'sessions', ['daw', *newest], sqlite_where=LIVE,
                    postgresql_where=LIVE)


def downgrade():
    op.drop_index('ix_sessions_sorted_daw_newest', table_name='sessions')
    op.create_index('ix_sessions_daw_created_at', 'sessions', ['daw', 'created_at'], sqlite_where=LIVE,
                    postgresql_where=LIVE)
    op.drop_index('ix_tags_name', table_name='tags')
    op.create_index('ix_tags_name', 'tags', ['name'])
    op.drop_index('ix_sessions_daw', table_name='sessions')
    op.create_index('ix_sessions_daw', 'sessions', ['daw'], sqlite_where=LIVE, postgresql_where=LIVE)
