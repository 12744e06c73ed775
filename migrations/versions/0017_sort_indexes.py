"""Indexes of the sessions by each figure a list sorts by (tracks, instances, plugins, open notes, missing media,
worked time, start), with deleted_at beside it, so that the first page of such a sort is read in order

Revision ID: 0017
Revises: 0016
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

SORTED_FIGURES = ("track_count", "instance_count", "plugin_count", "open_note_count", "missing_media_count",
                  "worked_seconds", "started_at")


def upgrade():
    for column in SORTED_FIGURES:
        op.create_index(f'ix_sessions_by_{column}', 'sessions', [column, 'deleted_at'], unique=False)


def downgrade():
    for column in SORTED_FIGURES:
        op.drop_index(f'ix_sessions_by_{column}', table_name='sessions')
