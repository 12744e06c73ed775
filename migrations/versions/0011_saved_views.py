"""Saved views of the lists, per user or shared; sample sessions found by their sources' extractor

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_views',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('page', sa.String(length=20), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('owner_pk', sa.Integer(), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_pk'], ['users.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('owner_pk', 'page', 'name'),
    )
    op.create_index('ix_sources_extractor', 'sources', ['extractor'])


def downgrade():
    op.drop_index('ix_sources_extractor', table_name='sources')
    op.drop_table('saved_views')
