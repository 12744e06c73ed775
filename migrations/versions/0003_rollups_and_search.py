"""Maintained counts per session and totals per plugin; full-text search over sessions.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COUNTS = ('track_count', 'instance_count', 'plugin_count')
# The search structures of each database: FTS5 with prefix indexes on SQLite, a tsvector with a GIN index on
# PostgreSQL.
SEARCH_DDL = {
    'sqlite': [
        "CREATE VIRTUAL TABLE session_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', "
        "prefix = '2 3 4')",
    ],
    'postgresql': [
        "CREATE TABLE session_search (session_pk integer PRIMARY KEY REFERENCES sessions (pk) ON DELETE CASCADE, "
        "document tsvector NOT NULL)",
        "CREATE INDEX ix_session_search_document ON session_search USING gin (document)",
    ],
}


def upgrade():
    with op.batch_alter_table('sessions') as batch_op:
        for column in COUNTS:
            batch_op.add_column(sa.Column(column, sa.Integer(), server_default='0', nullable=False))
    op.create_table('plugin_totals',
    sa.Column('plugin_pk', sa.Integer(), nullable=False),
    sa.Column('instances', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('tracks', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plugin_pk'], ['plugins.pk'], name=op.f('fk_plugin_totals_plugin_pk_plugins'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plugin_pk', name=op.f('pk_plugin_totals'))
    )
    op.create_index('ix_plugin_totals_instances', 'plugin_totals', ['instances'], unique=False)
    # Sessions indexed before this revision get their counts, totals and search documents in 0004.
    for statement in SEARCH_DDL[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    op.execute('DROP TABLE IF EXISTS session_search_plugins')
    op.execute('DROP TABLE IF EXISTS session_search')
    op.drop_index('ix_plugin_totals_instances', table_name='plugin_totals')
    op.drop_table('plugin_totals')
    with op.batch_alter_table('sessions') as batch_op:
        for column in reversed(COUNTS):
            batch_op.drop_column(column)
