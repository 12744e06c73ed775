"""Drop the indexes of the live sessions by start and by worked time, and of the activities by start: the analytics
read counts kept on write instead, and without statistics SQLite chose the sessions' ones for counts that other
indexes answer at once (the live sessions whose file is missing, with open notes, with missing media)

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

LIVE = sa.text("deleted_at IS NULL")


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_sessions_worked_seconds', table_name='sessions')
    op.drop_index('ix_sessions_started_at', table_name='sessions')
    op.drop_index('ix_activities_started_at', table_name='activities')


def downgrade():
    op.create_index('ix_activities_started_at', 'activities', ['started_at'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)
    op.create_index('ix_sessions_started_at', 'sessions', ['started_at'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)
    op.create_index('ix_sessions_worked_seconds', 'sessions', ['worked_seconds'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)
