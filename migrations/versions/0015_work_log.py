"""Where the time went: the work log (activities), the time the file says was spent, each session's worked time
and the rule that gave it, the live sessions started per month, and indexes of the live sessions by start and by
worked time

The worked time is filled in for every session from what exists: its start and end when both are set, else the
file's own figure (none is known before this revision).

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

LIVE = sa.text("deleted_at IS NULL")
RUNNING = sa.text("ended_at IS NULL AND deleted_at IS NULL")


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'activities',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('session_pk', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('person', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('id'),
    )
    op.create_index('ix_activities_session_pk_started_at', 'activities', ['session_pk', 'started_at'], unique=False)
    op.create_index('ux_activities_running_timer', 'activities', ['owner'], unique=True, sqlite_where=RUNNING,
                    postgresql_where=RUNNING)
    op.create_index('ix_activities_started_at', 'activities', ['started_at'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)
    op.add_column('sessions', sa.Column('work_seconds', sa.Float(), nullable=True))
    op.add_column('sessions', sa.Column('worked_seconds', sa.Integer(), nullable=True))
    op.add_column('sessions', sa.Column('worked_from', sa.String(length=20), nullable=True))
    # Before this revision no session had activities or a file's figure: its start and end are all there is.
    seconds = ("CAST(round(extract(epoch FROM ended_at - started_at)) AS integer)"
               if op.get_bind().dialect.name == "postgresql"
               else "CAST(round((julianday(ended_at) - julianday(started_at)) * 86400) AS integer)")
    op.execute(f"UPDATE sessions SET worked_seconds = {seconds}, worked_from = 'start_end' "
               "WHERE started_at IS NOT NULL AND ended_at IS NOT NULL AND ended_at >= started_at")
    # The live sessions started per month, as the writers keep them from now on (app/services/work_time.py).
    month = ("to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM')" if op.get_bind().dialect.name == "postgresql"
             else "strftime('%Y-%m', started_at)")
    op.execute(f"INSERT INTO live_counts (dimension, value, count) SELECT 'sessions started', {month}, count(*) "
               f"FROM sessions WHERE deleted_at IS NULL AND started_at IS NOT NULL GROUP BY {month}")
    op.create_index('ix_sessions_started_at', 'sessions', ['started_at'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)
    op.create_index('ix_sessions_worked_seconds', 'sessions', ['worked_seconds'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)


def downgrade():
    op.execute("DELETE FROM live_counts WHERE dimension IN ('sessions started', 'sessions worked', "
               "'sessions worked weekly') OR dimension LIKE 'work seconds of %' "
               "OR dimension LIKE 'weekly work seconds of %' OR dimension LIKE 'billed seconds in %' "
               "OR dimension LIKE 'billed sessions in %'")
    op.drop_index('ix_sessions_worked_seconds', table_name='sessions')
    op.drop_index('ix_sessions_started_at', table_name='sessions')
    with op.batch_alter_table('sessions') as batch:
        batch.drop_column('worked_from')
        batch.drop_column('worked_seconds')
        batch.drop_column('work_seconds')
    op.drop_index('ix_activities_started_at', table_name='activities')
    op.drop_index('ux_activities_running_timer', table_name='activities')
    op.drop_index('ix_activities_session_pk_started_at', table_name='activities')
    op.drop_table('activities')
