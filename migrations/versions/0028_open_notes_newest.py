"""The open notes newest first, for the overview's latest open notes, read in order rather than sorted from all

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

OPEN_NOTE = sa.text("kind = 'note' AND status = 'open' AND deleted_at IS NULL")


def upgrade():
    op.create_index('ix_events_open_notes_newest', 'events', ['updated_at', 'pk'], unique=False,
                    sqlite_where=OPEN_NOTE, postgresql_where=OPEN_NOTE)


def downgrade():
    op.drop_index('ix_events_open_notes_newest', table_name='events')
