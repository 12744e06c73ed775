"""An index of the live sessions by DAW alone, so that a DAW filter combined with another one counts from the index

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

LIVE = sa.text("deleted_at IS NULL")


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_sessions_daw', 'sessions', ['daw'], unique=False, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    op.drop_index('ix_sessions_daw', table_name='sessions')
