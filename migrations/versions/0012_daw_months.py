"""Each DAW's live sessions per month, kept as live counts for the overview's chart; an index of the live
sessions whose file is missing

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

MISSING = sa.text("missing_at IS NOT NULL AND deleted_at IS NULL")


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # The same counts the writers keep from now on (app/services/rollups.py, dimension "daw months of <DAW>").
    month = ("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')" if op.get_bind().dialect.name == "postgresql"
             else "strftime('%Y-%m', created_at)")
    op.execute(f"INSERT INTO live_counts (dimension, value, count) SELECT 'daw months of ' || daw, {month}, count(*) "
               "FROM sessions WHERE deleted_at IS NULL AND daw IS NOT NULL AND created_at IS NOT NULL "
               f"GROUP BY daw, {month}")
    op.create_index('ix_sessions_missing', 'sessions', ['created_at'], unique=False, sqlite_where=MISSING,
                    postgresql_where=MISSING)


def downgrade():
    op.drop_index('ix_sessions_missing', table_name='sessions')
    op.execute("DELETE FROM live_counts WHERE dimension LIKE 'daw months of %'")
