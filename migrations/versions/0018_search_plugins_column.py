"""On SQLite, the search index holds beside each session's words a term per plugin it uses, so that a search for
a word naming a product is one MATCH

Revision ID: 0018
Revises: 0017
"""
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OPTIONS = "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'"


def _rebuild(columns: str, fill: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE session_search_rebuilt USING fts5({columns}, {OPTIONS})")
    op.execute(f"INSERT INTO session_search_rebuilt (rowid, {columns}) {fill}")
    op.execute("DROP TABLE session_search")
    op.execute("ALTER TABLE session_search_rebuilt RENAME TO session_search")


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    _rebuild("body, plugins", "SELECT s.rowid, s.body, (SELECT group_concat('p' || sp.plugin_pk, ' ') "
                              "FROM session_plugins AS sp WHERE sp.session_pk = s.rowid) FROM session_search AS s")


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    _rebuild("body", "SELECT rowid, body FROM session_search")
