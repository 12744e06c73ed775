"""Each DAW's live sessions per month, kept as live counts for the overview's chart

Revision ID: 0012
Revises: 0011
"""
from alembic import op


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


def downgrade():
    op.execute("DELETE FROM live_counts WHERE dimension LIKE 'daw months of %'")
