"""Each DAW's live sessions per tag, kept on write ("tags of daw " and the DAW), so that a list narrowed by a DAW and
a tag is counted from one kept figure rather than from every session of the DAW

Revision ID: 0031
Revises: 0030
"""
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO live_counts (dimension, value, count) "
               "SELECT 'tags of daw ' || s.daw, t.name, count(*) FROM tags t JOIN sessions s ON s.pk = t.session_pk "
               "WHERE s.deleted_at IS NULL AND s.daw IS NOT NULL GROUP BY s.daw, t.name")


def downgrade():
    op.execute("DELETE FROM live_counts WHERE dimension LIKE 'tags of daw %'")
