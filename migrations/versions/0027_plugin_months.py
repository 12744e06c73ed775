"""Each plugin's live sessions per month, kept on write as each product's are ("plugin months of " and the plugin's
pk), so that a plugin's page reads its chart rather than counting every session that uses it

Revision ID: 0027
Revises: 0026
"""
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        month = "to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    else:
        month = "strftime('%Y-%m', s.created_at)"
    op.execute("INSERT INTO live_counts (dimension, value, count) "
               f"SELECT 'plugin months of ' || CAST(u.plugin_pk AS TEXT), {month}, count(*) "
               "FROM session_plugins u JOIN sessions s ON s.pk = u.session_pk "
               f"WHERE s.deleted_at IS NULL AND s.created_at IS NOT NULL GROUP BY u.plugin_pk, {month}")


def downgrade():
    op.execute("DELETE FROM live_counts WHERE dimension LIKE 'plugin months of %'")
