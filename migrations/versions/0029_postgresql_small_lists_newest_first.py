"""On PostgreSQL, the few live sessions with a missing file, open notes or missing media newest first, the tie and the
place of nulls included, so that their lists and facet samples are read in order from them; and those with missing
media in the order of the missing-media report

Revision ID: 0029
Revises: 0028
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

SMALL_LISTS = {
    "missing": "missing_at IS NOT NULL AND deleted_at IS NULL",
    "open_notes": "open_note_count > 0 AND deleted_at IS NULL",
    "missing_media": "missing_media_count > 0 AND deleted_at IS NULL",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, condition in SMALL_LISTS.items():
        op.drop_index(f'ix_sessions_{name}', table_name='sessions')
        op.create_index(f'ix_sessions_sorted_{name}_newest', 'sessions',
                        [sa.desc(sa.column('created_at')).nulls_last(), sa.desc(sa.column('pk'))],
                        postgresql_where=sa.text(condition))
    op.create_index('ix_sessions_sorted_missing_media_report', 'sessions', ['artist', 'name', 'pk'],
                    postgresql_where=sa.text(SMALL_LISTS["missing_media"]))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_sessions_sorted_missing_media_report', table_name='sessions')
    for name, condition in SMALL_LISTS.items():
        op.drop_index(f'ix_sessions_sorted_{name}_newest', table_name='sessions')
        op.create_index(f'ix_sessions_{name}', 'sessions', ['created_at'], postgresql_where=sa.text(condition))
