"""The id each plugin instance's file gives it (VST3 class id, VST2 number, Audio Unit codes, CLAP id), which
inventories of installed plug-ins are matched by first, and each plugin's ids once seen

Revision ID: 0025
Revises: 0024
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('track_plugins', sa.Column('uid', sa.String(length=200), nullable=True))
    op.create_table(
        'plugin_uids',
        sa.Column('plugin_pk', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['plugin_pk'], ['plugins.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('plugin_pk', 'uid'),
    )


def downgrade():
    op.drop_table('plugin_uids')
    with op.batch_alter_table('track_plugins') as batch:
        batch.drop_column('uid')
