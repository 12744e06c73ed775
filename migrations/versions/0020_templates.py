"""Templates: the registered ones with their track layouts, how each session's template became known, an index of
the live sessions by template, the live counts per template (sessions, and per month made the sessions, those
with a worked time and their worked seconds), and per month the sessions worked on by their minutes of work, and
the work by DAW and by person

A session whose file named a template gets "file" as the way it became known. A session read from an FL Studio project
that keeps its creation time starts at that time when its start is unknown (the downgrade leaves the start). The live
sessions started are counted per week too.

Revision ID: 0020
Revises: 0019
"""
import json
from collections import Counter
from datetime import UTC

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
    _count_session_minutes()
    _count_work_by_daw_and_person()
    _start_fl_studio_sessions_at_their_creation()
    _count_sessions_started_weekly()


def _count_session_minutes():
    """Per month, the live sessions worked on by their minutes of finished work in it, rounded down to five (values
    of seven digits), as app/services/work_time.py keeps them from now on."""
    if op.get_bind().dialect.name == "postgresql":
        seconds = "CAST(round(extract(epoch FROM a.ended_at - a.started_at)) AS integer)"
        month = "to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM')"
        minutes = "lpad(CAST(seconds / 300 * 5 AS text), 7, '0')"
    else:
        seconds = "CAST(round((julianday(a.ended_at) - julianday(a.started_at)) * 86400) AS integer)"
        month, minutes = "strftime('%Y-%m', a.started_at)", "printf('%07d', seconds / 300 * 5)"
    op.execute(f"INSERT INTO live_counts (dimension, value, count) SELECT 'session minutes in ' || month, {minutes}, "
               f"count(*) FROM (SELECT a.session_pk, {month} AS month, sum({seconds}) AS seconds FROM activities a "
               "JOIN sessions s ON s.pk = a.session_pk WHERE s.deleted_at IS NULL AND a.deleted_at IS NULL "
               "AND a.ended_at IS NOT NULL GROUP BY a.session_pk, month) AS worked "
               f"GROUP BY month, {minutes}")


def _count_work_by_daw_and_person():
    """Per month, the seconds of finished work on live sessions by kind and the sessions' DAW, and by kind and the
    person who did it, with the sessions worked on by DAW and by person, as app/services/work_time.py keeps them from
    now on (JSON values, written as that module writes them)."""
    activities = sa.table("activities", sa.column("session_pk", sa.Integer), sa.column("kind", sa.String),
                          sa.column("person", sa.String), sa.column("started_at", sa.DateTime(timezone=True)),
                          sa.column("ended_at", sa.DateTime(timezone=True)), sa.column("deleted_at"))
    sessions = sa.table("sessions", sa.column("pk", sa.Integer), sa.column("daw", sa.String),
                        sa.column("deleted_at"))
    rows = op.get_bind().execute(
        sa.select(activities.c.session_pk, activities.c.kind, activities.c.person, activities.c.started_at,
                  activities.c.ended_at, sessions.c.daw)
        .join(sessions, sessions.c.pk == activities.c.session_pk)
        .where(sessions.c.deleted_at.is_(None), activities.c.deleted_at.is_(None), activities.c.ended_at.is_not(None))
        .execution_options(yield_per=10_000))
    counts, worked = Counter(), set()
    for pk, kind, person, started_at, ended_at, daw in rows:
        started_at = started_at.astimezone(UTC) if started_at.tzinfo else started_at
        month, seconds = started_at.strftime("%Y-%m"), round((ended_at - started_at).total_seconds())
        counts["daw seconds in " + month, json.dumps([kind, daw])] += seconds
        counts["person seconds in " + month, json.dumps([kind, person])] += seconds
        worked.add((pk, "daw sessions in " + month, daw))
        worked.add((pk, "person sessions in " + month, person))
    counts.update((dimension, json.dumps([value])) for _, dimension, value in worked)
    if counts:
        op.bulk_insert(_live_counts(), [{"dimension": dimension, "value": value, "count": count}
                                        for (dimension, value), count in counts.items()])


def _start_fl_studio_sessions_at_their_creation():
    """An FL Studio project keeps its creation time (with the time spent, in the same event): the sessions read from
    one with it, whose start is unknown and was not cleared by hand, start at that time, and are counted among the
    sessions started that month."""
    # Not where an end is known: the worked time would then come from the start and the end.
    from_creation = ("started_at IS NULL AND ended_at IS NULL AND created_at IS NOT NULL AND work_seconds IS NOT NULL "
                     "AND (edited IS NULL OR CAST(edited AS TEXT) NOT LIKE '%\"started_at\"%') "
                     "AND pk IN (SELECT session_pk FROM sources WHERE extractor = 'fl-studio')")
    month = ("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')" if op.get_bind().dialect.name == "postgresql"
             else "strftime('%Y-%m', created_at)")
    op.execute(f"INSERT INTO live_counts (dimension, value, count) SELECT 'sessions started', {month}, count(*) "
               f"FROM sessions WHERE deleted_at IS NULL AND {from_creation} GROUP BY {month} "
               "ON CONFLICT (dimension, value) DO UPDATE SET count = live_counts.count + excluded.count")
    op.execute(f"UPDATE sessions SET started_at = created_at WHERE {from_creation}")


def _count_sessions_started_weekly():
    """The live sessions started per ISO week of their start's UTC date (values YYYY-Www), as
    app/services/work_time.py keeps them from now on."""
    sessions = sa.table("sessions", sa.column("started_at", sa.DateTime(timezone=True)), sa.column("deleted_at"))
    weeks = Counter()
    for (started_at,) in op.get_bind().execute(sa.select(sessions.c.started_at).where(
            sessions.c.deleted_at.is_(None), sessions.c.started_at.is_not(None))):
        year, week, _ = (started_at.astimezone(UTC) if started_at.tzinfo else started_at).date().isocalendar()
        weeks[f"{year:04d}-W{week:02d}"] += 1
    if weeks:
        op.bulk_insert(_live_counts(), [{"dimension": "sessions started weekly", "value": week, "count": count}
                                        for week, count in weeks.items()])


def _live_counts():
    return sa.table("live_counts", sa.column("dimension", sa.Text), sa.column("value", sa.Text),
                    sa.column("count", sa.Integer))


def downgrade():
    op.execute("DELETE FROM live_counts WHERE dimension = 'template' OR dimension LIKE 'template sessions in %' "
               "OR dimension LIKE 'template timed sessions in %' OR dimension LIKE 'template worked seconds in %' "
               "OR dimension LIKE 'session minutes in %' OR dimension LIKE 'daw seconds in %' "
               "OR dimension LIKE 'daw sessions in %' OR dimension LIKE 'person seconds in %' "
               "OR dimension LIKE 'person sessions in %' OR dimension = 'sessions started weekly'")
    op.drop_index('ix_sessions_template', table_name='sessions')
    with op.batch_alter_table('sessions') as batch:
        batch.drop_column('template_from')
    op.drop_table('templates')
