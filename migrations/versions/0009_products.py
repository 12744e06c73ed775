"""Canonical products: one row per product key, and the admins' corrections over the normaliser

Revision ID: 0009
Revises: 0008

The products of plugins already indexed start as their keys said (vendor|name); `session-stats
setup` and `serve` then derive every plugin's product again with the normaliser and catalogue
of the running version, counts included (a data step of the app, not of this revision, so
that this revision does the same whatever the app's catalogue becomes).

On SQLite, the index of the plugins each session uses no longer holds product terms (filters by
product find their plugins instead): it is written again here.
"""
from alembic import op
import sqlalchemy as sa

PLUGIN_INDEX = (
    "INSERT INTO session_search_plugins (rowid, terms) SELECT sp.session_pk, group_concat('p' || p.pk"
    " || coalesce(' v' || lower(hex(p.vendor)), '') || coalesce(' f' || lower(hex(p.format)), ''), ' ') "
    "FROM session_plugins AS sp JOIN plugins AS p ON p.pk = sp.plugin_pk "
    "JOIN sessions AS s ON s.pk = sp.session_pk AND s.deleted_at IS NULL GROUP BY sp.session_pk"
)


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('products',
    sa.Column('key', sa.String(length=2100), nullable=False),
    sa.Column('vendor', sa.String(length=1000), nullable=True),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_products'))
    )
    op.create_index('ix_products_vendor', 'products', ['vendor'], unique=False)
    op.create_index('ix_products_category', 'products', ['category'], unique=False)
    op.create_table('product_corrections',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('match_kind', sa.String(length=20), nullable=False),
    sa.Column('match', sa.String(length=4100), nullable=False),
    sa.Column('vendor', sa.String(length=1000), nullable=True),
    sa.Column('name', sa.String(length=1000), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_product_corrections'))
    )
    op.execute("INSERT INTO products (key, vendor, name) SELECT product_key, min(vendor), min(name) FROM plugins "
               "GROUP BY product_key")
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DELETE FROM session_search_plugins")
        op.execute(PLUGIN_INDEX)


def downgrade():
    op.drop_table('product_corrections')
    op.drop_index('ix_products_category', table_name='products')
    op.drop_index('ix_products_vendor', table_name='products')
    op.drop_table('products')
