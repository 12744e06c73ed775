"""Maintained facet counts and index totals; partial indexes for live and trashed sessions.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
TRASHED = sa.text('deleted_at IS NOT NULL')
LIST_INDEXES = {
    'ix_sessions_created_at': ['created_at'],
    'ix_sessions_artist_created_at': ['artist', 'created_at'],
    'ix_sessions_project_created_at': ['project', 'created_at'],
    'ix_sessions_daw_created_at': ['daw', 'created_at'],
}


LIVE_SESSION = 'JOIN sessions AS s ON s.pk = {table}.session_pk AND s.deleted_at IS NULL'
SESSION_COUNTS = """
UPDATE sessions SET
  track_count = (SELECT count(*) FROM tracks WHERE tracks.session_pk = sessions.pk),
  instance_count = (SELECT coalesce(sum(count), 0) FROM session_plugins WHERE session_plugins.session_pk = sessions.pk),
  plugin_count = (SELECT count(*) FROM session_plugins WHERE session_plugins.session_pk = sessions.pk)
"""
PLUGIN_TOTALS = f"""
INSERT INTO plugin_totals (plugin_pk, instances, sessions, tracks)
SELECT session_plugins.plugin_pk, sum(session_plugins.count), count(*), sum(session_plugins.track_count)
FROM session_plugins {LIVE_SESSION.format(table='session_plugins')}
GROUP BY session_plugins.plugin_pk
"""
# A session's month, YYYY-MM of its UTC time.
MONTH = {'sqlite': "strftime('%Y-%m', s.created_at)",
         'postgresql': "to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM')"}


def live_counts(month):
    """Per facet value the live sessions that have it, each product's sessions per month, and the index totals."""
    used = f"FROM session_plugins JOIN plugins AS p ON p.pk = session_plugins.plugin_pk " \
           f"{LIVE_SESSION.format(table='session_plugins')}"
    return f"""
INSERT INTO live_counts (dimension, value, count)
SELECT dimension, value, n FROM (
  SELECT 'artist' AS dimension, artist AS value, count(*) AS n FROM sessions AS s
    WHERE s.deleted_at IS NULL AND artist IS NOT NULL GROUP BY artist
  UNION ALL SELECT 'daw', daw, count(*) FROM sessions AS s WHERE s.deleted_at IS NULL AND daw IS NOT NULL GROUP BY daw
  UNION ALL SELECT 'tag', tags.name, count(*) FROM tags {LIVE_SESSION.format(table='tags')} GROUP BY tags.name
  UNION ALL SELECT 'vendor', p.vendor, count(DISTINCT s.pk) {used} WHERE p.vendor IS NOT NULL GROUP BY p.vendor
  UNION ALL SELECT 'format', p.format, count(DISTINCT s.pk) {used} WHERE p.format IS NOT NULL GROUP BY p.format
  UNION ALL SELECT 'product', p.product_key, count(DISTINCT s.pk) {used} GROUP BY p.product_key
  UNION ALL SELECT 'months of ' || p.product_key, {month}, count(DISTINCT s.pk) {used}
    WHERE s.created_at IS NOT NULL GROUP BY p.product_key, {month}
  UNION ALL SELECT 'total', 'sessions', count(*) FROM sessions AS s WHERE s.deleted_at IS NULL
  UNION ALL SELECT 'total', 'tracks', count(*) FROM tracks {LIVE_SESSION.format(table='tracks')}
  UNION ALL SELECT 'total', 'instances', coalesce(sum(session_plugins.count), 0) FROM session_plugins
    {LIVE_SESSION.format(table='session_plugins')}
) AS counts WHERE n > 0
"""


# A live session's document: its name, artist, project and notes, its tags, track names and plugin names.
WORDS = {
    'sqlite': "coalesce((SELECT group_concat({column}, ' ') FROM {source} WHERE {key} = s.pk), '')",
    'postgresql': "(SELECT string_agg({column}, ' ') FROM {source} WHERE {key} = s.pk)",
}


def _document_parts(dialect):
    words = WORDS[dialect]
    return [
        words.format(column='name', source='tags', key='session_pk'),
        words.format(column='name', source='tracks', key='session_pk'),
        words.format(column='p.name', source='session_plugins JOIN plugins AS p ON p.pk = session_plugins.plugin_pk',
                     key='session_plugins.session_pk'),
    ]


SEARCH_DOCUMENTS = {
    'sqlite': "INSERT INTO session_search (rowid, body) SELECT s.pk, " + " || ' ' || ".join(
        [f"coalesce(s.{column}, '')" for column in ('name', 'artist', 'project', 'notes')]
        + _document_parts('sqlite')) + " FROM sessions AS s WHERE s.deleted_at IS NULL",
    'postgresql': "INSERT INTO session_search (session_pk, document) SELECT s.pk, to_tsvector('simple', concat_ws(' ', "
                  "s.name, s.artist, s.project, s.notes, " + ", ".join(_document_parts('postgresql'))
                  + ")) FROM sessions AS s WHERE s.deleted_at IS NULL",
}


def upgrade():
    op.create_table('live_counts',
    sa.Column('dimension', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'value', name=op.f('pk_live_counts'))
    )
    op.create_index('ix_live_counts_dimension_count', 'live_counts', ['dimension', 'count'], unique=False)
    op.drop_index('ix_sessions_deleted_at', table_name='sessions')
    op.create_index('ix_sessions_trashed', 'sessions', ['deleted_at'], unique=False,
                    sqlite_where=TRASHED, postgresql_where=TRASHED)
    for name, columns in LIST_INDEXES.items():
        op.drop_index(name, table_name='sessions')
        op.create_index(name, 'sessions', columns, unique=False, sqlite_where=LIVE, postgresql_where=LIVE)
    # Every aggregate and search document is computed from the rows already indexed.
    dialect = op.get_bind().dialect.name
    for statement in (SESSION_COUNTS, PLUGIN_TOTALS, live_counts(MONTH[dialect]), SEARCH_DOCUMENTS[dialect]):
        op.execute(statement)


def downgrade():
    for name, columns in LIST_INDEXES.items():
        op.drop_index(name, table_name='sessions')
        op.create_index(name, 'sessions', columns, unique=False)
    op.drop_index('ix_sessions_trashed', table_name='sessions')
    op.create_index('ix_sessions_deleted_at', 'sessions', ['deleted_at'], unique=False)
    op.drop_index('ix_live_counts_dimension_count', table_name='live_counts')
    op.drop_table('live_counts')
