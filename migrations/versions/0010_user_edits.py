"""Fields people edit by hand keep their value over later ingests: each session records which fields were edited
and what its file said for each since

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.add_column(sa.Column('edited', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.drop_column('edited')
