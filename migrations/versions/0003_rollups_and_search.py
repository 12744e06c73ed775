"""Maintained counts per session and totals per plugin; full-text search over sessions.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

from app.services.search import create_search_index, drop_search_index


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COUNTS = ('track_count', 'instance_count', 'plugin_count')


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
    create_search_index(op.get_bind())


def downgrade():
    drop_search_index(op.get_bind())
    op.drop_index('ix_plugin_totals_instances', table_name='plugin_totals')
    op.drop_table('plugin_totals')
    with op.batch_alter_table('sessions') as batch_op:
        for column in reversed(COUNTS):
            batch_op.drop_column(column)
