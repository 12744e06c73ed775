"""The indexes by each figure a list sorts by start with deleted_at: the live sessions are then one range of the
index in the figure's order and the session's, so that a page is read in order even when most sessions share a
value (no time worked yet, no start)

Revision ID: 0026
Revises: 0025
"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

SORTED_FIGURES = ("track_count", "instance_count", "plugin_count", "open_note_count", "missing_media_count",
                  "worked_seconds", "started_at")


def upgrade():
    for column in SORTED_FIGURES:
        op.drop_index(f'ix_sessions_by_{column}', table_name='sessions')
        op.create_index(f'ix_sessions_by_{column}', 'sessions', ['deleted_at', column], unique=False)


def downgrade():
    for column in SORTED_FIGURES:
        op.drop_index(f'ix_sessions_by_{column}', table_name='sessions')
        op.create_index(f'ix_sessions_by_{column}', 'sessions', [column, 'deleted_at'], unique=False)
