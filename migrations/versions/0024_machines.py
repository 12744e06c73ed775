"""Machines: each studio machine that sent an inventory, the plug-ins it has installed, and what each inventory
changed

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'machines',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('os', sa.String(length=1000), nullable=True),
        sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_from', sa.String(length=200), nullable=False),
        sa.Column('unreadable', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'installed_plugins',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('machine_pk', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=1000), nullable=False),
        sa.Column('vendor', sa.String(length=1000), nullable=True),
        sa.Column('version', sa.String(length=1000), nullable=True),
        sa.Column('uid', sa.String(length=200), nullable=True),
        sa.Column('bundle_id', sa.String(length=1000), nullable=True),
        sa.Column('category', sa.String(length=1000), nullable=True),
        sa.Column('path', sa.Text(), nullable=True),
        sa.Column('identified_by', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['machine_pk'], ['machines.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
    )
    op.create_index('ix_installed_plugins_machine_pk', 'installed_plugins', ['machine_pk'])
    op.create_index('ix_installed_plugins_uid', 'installed_plugins', ['uid'])
    op.create_table(
        'machine_changes',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('machine_pk', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('change', sa.String(length=20), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=1000), nullable=False),
        sa.Column('vendor', sa.String(length=1000), nullable=True),
        sa.Column('from_version', sa.String(length=1000), nullable=True),
        sa.Column('to_version', sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(['machine_pk'], ['machines.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
    )
    op.create_index('ix_machine_changes_machine_pk', 'machine_changes', ['machine_pk'])


def downgrade():
    op.drop_index('ix_machine_changes_machine_pk', table_name='machine_changes')
    op.drop_table('machine_changes')
    op.drop_index('ix_installed_plugins_uid', table_name='installed_plugins')
    op.drop_index('ix_installed_plugins_machine_pk', table_name='installed_plugins')
    op.drop_table('installed_plugins')
    op.drop_table('machines')
