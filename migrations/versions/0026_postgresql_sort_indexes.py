"""On PostgreSQL, indexes of the live sessions in each list order, ties and the place of nulls included, so that a
page of a sorted list is read from an index rather than sorted from every session, and of each plugin's sessions
newest first; the (figure, deleted_at) indexes serve SQLite alone

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

SORTED_FIGURES = ("track_count", "instance_count", "plugin_count", "open_note_count", "missing_media_count",
                  "worked_seconds", "started_at")
SORTED = ("name", "created_at", "is_favorite", *SORTED_FIGURES)
SORTED_DOWN = ("created_at", "worked_seconds", "started_at", "metadata_updated_at")
LIVE = sa.text("deleted_at IS NULL")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in SORTED_FIGURES:
        op.drop_index(f'ix_sessions_by_{column}', table_name='sessions')
    for column in SORTED:
        op.create_index(f'ix_sessions_sorted_by_{column}', 'sessions', [column, 'pk'], postgresql_where=LIVE)
    for column in SORTED_DOWN:
        op.create_index(f'ix_sessions_sorted_down_by_{column}', 'sessions',
                        [sa.desc(sa.column(column)).nulls_last(), sa.desc(sa.column('pk'))], postgresql_where=LIVE)
    op.drop_index('ix_session_plugins_plugin_pk_created_at', table_name='session_plugins')
    op.create_index('ix_session_plugins_sorted_down', 'session_plugins', [
        'plugin_pk', sa.desc(sa.column('session_created_at')).nulls_last(), sa.desc(sa.column('session_pk'))])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_session_plugins_sorted_down', table_name='session_plugins')
    op.create_index('ix_session_plugins_plugin_pk_created_at', 'session_plugins', ['plugin_pk', 'session_created_at'])
    for column in SORTED_DOWN:
        op.drop_index(f'ix_sessions_sorted_down_by_{column}', table_name='sessions')
    for column in SORTED:
        op.drop_index(f'ix_sessions_sorted_by_{column}', table_name='sessions')
    for column in SORTED_FIGURES:
        op.create_index(f'ix_sessions_by_{column}', 'sessions', [column, 'deleted_at'], unique=False)
