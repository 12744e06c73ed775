"""An index of the plugins each live session uses, for plugin filters over many sessions (SQLite)

Revision ID: 0007
Revises: 0006
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


# Per live session that uses plugins, a term per plugin ("p" and its pk) and per vendor, format and
# product of those plugins (a letter and the value's hex, so that any value is one token).
FILL = (
    "INSERT INTO session_search_plugins (rowid, terms) SELECT sp.session_pk, group_concat('p' || p.pk"
    " || coalesce(' v' || lower(hex(p.vendor)), '') || coalesce(' f' || lower(hex(p.format)), '')"
    " || ' r' || lower(hex(p.product_key)), ' ') "
    "FROM session_plugins AS sp JOIN plugins AS p ON p.pk = sp.plugin_pk "
    "JOIN sessions AS s ON s.pk = sp.session_pk AND s.deleted_at IS NULL GROUP BY sp.session_pk"
)


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS session_search_plugins USING fts5(terms, detail = 'none', "
               "columnsize = 0)")
    op.execute("DELETE FROM session_search_plugins")
    op.execute(FILL)


def downgrade():
    op.execute('DROP TABLE IF EXISTS session_search_plugins')
