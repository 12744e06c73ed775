"""Templates: the registered ones with their track layouts, how each session's template became known, an index of
the live sessions by template, and the live counts per template (sessions, and per month made the sessions, those
with a worked time and their worked seconds)

A session whose file named a template gets "file" as the way it became known.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

LIVE = sa.text("deleted_at IS NULL")


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'templates',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=1000), nullable=False),
        sa.Column('daw', sa.String(length=1000), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('path', sa.Text(), nullable=True),
        sa.Column('session_id', sa.String(length=200), nullable=True),
        sa.Column('layout', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.add_column('sessions', sa.Column('template_from', sa.String(length=20), nullable=True))
    op.execute("UPDATE sessions SET template_from = 'file' WHERE template IS NOT NULL")
    op.create_index('ix_sessions_template', 'sessions', ['template'], unique=False, sqlite_where=LIVE,
                    postgresql_where=LIVE)
    # The counts the writers keep from now on (app/services/rollups.py).
    month = ("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')" if op.get_bind().dialect.name == "postgresql"
             else "strftime('%Y-%m', created_at)")
    live = "FROM sessions WHERE deleted_at IS NULL AND template IS NOT NULL"
    op.execute(f"INSERT INTO live_counts (dimension, value, count) SELECT 'template', template, count(*) {live} "
               "GROUP BY template")
    for dimension, count, condition in (("template sessions in ", "count(*)", ""),
                                        ("template timed sessions in ", "count(*)", " AND worked_seconds IS NOT NULL"),
                                        ("template worked seconds in ", "sum(worked_seconds)",
                                         " AND worked_seconds IS NOT NULL")):
        op.execute(f"INSERT INTO live_counts (dimension, value, count) SELECT '{dimension}' || {month}, template, "
                   f"{count} {live} AND created_at IS NOT NULL{condition} GROUP BY {month}, template")


def downgrade():
    op.execute("DELETE FROM live_counts WHERE dimension = 'template' OR dimension LIKE 'template sessions in %' "
               "OR dimension LIKE 'template timed sessions in %' OR dimension LIKE 'template worked seconds in %'")
    op.drop_index('ix_sessions_template', table_name='sessions')
    with op.batch_alter_table('sessions') as batch:
        batch.drop_column('template_from')
    op.drop_table('templates')
