"""Each session's worked time, by one rule: the sum of its logged activities when it has any finished ones; else
its end minus its start when both are known; else the time its file says was spent on it; else none.

The figure and the rule that gave it are columns of `sessions`, kept by `live_change` like the other counts.
"""
import json
from collections import Counter
from datetime import date, datetime

from sqlalchemy import or_, select

from app.models import Activity, Session
from app.services.bulk import chunked, update_changed
from app.wire import MAX_COUNT

# The rules, in the order they are tried, as `worked_from` names them.
ACTIVITIES, START_END, FILE = "activities", "start_end", "file"
WORKED_FROM = (ACTIVITIES, START_END, FILE)
NOT_WORKED = (None, None)


def worked(activity_seconds: int | None, started_at: datetime | None, ended_at: datetime | None,
           work_seconds: float | None) -> tuple[int | None, str | None]:
    """The worked seconds these facts give, and the rule that gave them."""
    if activity_seconds is not None:
        return min(activity_seconds, MAX_COUNT), ACTIVITIES
    if started_at is not None and ended_at is not None and ended_at >= started_at:
        return round((ended_at - started_at).total_seconds()), START_END
    if work_seconds is not None:
        return round(work_seconds), FILE
    return NOT_WORKED


def activity_seconds(db_session, session_pks=None) -> dict[int, int]:
    """Per session (these, or all) with finished activities out of the trash, their seconds added up."""
    statement = select(Activity.session_pk, Activity.started_at, Activity.ended_at).where(
        Activity.deleted_at.is_(None), Activity.ended_at.is_not(None))
    if session_pks is not None:
        statement = statement.where(Activity.session_pk.in_(session_pks))
    sums: dict[int, int] = {}
    for pk, started_at, ended_at in db_session.execute(statement):
        sums[pk] = sums.get(pk, 0) + round((ended_at - started_at).total_seconds())
    return sums


def worked_times(db_session, session_pks=None) -> dict[int, tuple[int, str]]:
    """Per session (these, or all) that has a worked time, counted from the rows: (seconds, rule)."""
    sums = activity_seconds(db_session, session_pks)
    statement = select(Session.pk, Session.started_at, Session.ended_at, Session.work_seconds)
    if session_pks is not None:
        statement = statement.where(Session.pk.in_(session_pks))
    found = {}
    for pk, started_at, ended_at, work_seconds in db_session.execute(statement):
        figure = worked(sums.get(pk), started_at, ended_at, work_seconds)
        if figure != NOT_WORKED:
            found[pk] = figure
    return found


def refresh_worked(db_session, session_pks) -> None:
    """Work out again the worked time of these sessions."""
    for chunk in chunked(list(session_pks)):
        update_changed(db_session, Session.__table__, ("worked_seconds", "worked_from"), worked_times(db_session, chunk),
                       chunk, NOT_WORKED)


def worked_drift(db_session) -> dict[int, tuple[tuple, tuple]]:
    """Sessions whose kept worked time differs from the rule's: pk → ((seconds, rule) kept, worked out)."""
    counted = worked_times(db_session)
    kept = {pk: (seconds, rule) for pk, seconds, rule in db_session.execute(
        select(Session.pk, Session.worked_seconds, Session.worked_from)
        .where(or_(Session.worked_seconds.is_not(None), Session.worked_from.is_not(None))))}
    return {pk: (kept.get(pk, NOT_WORKED), counted.get(pk, NOT_WORKED))
            for pk in sorted(set(kept) | set(counted)) if kept.get(pk, NOT_WORKED) != counted.get(pk, NOT_WORKED)}


# Live counts of the work on live sessions, per month (YYYY-MM, in UTC) of each activity's start: seconds per kind,
# sessions worked on (each once a month), and sessions started (by their `started_at`); per week the same (the week
# of the UTC date); and, for
# the billing view, per month the seconds per kind, artist and project, and the sessions per artist and project (JSON
# lists as values).
WORK_SECONDS = "work seconds of "
SESSIONS_WORKED = "sessions worked"
# The same two per ISO week (YYYY-Www of the start's UTC date).
WEEKLY_WORK_SECONDS = "weekly work seconds of "
SESSIONS_WORKED_WEEKLY = "sessions worked weekly"
SESSIONS_STARTED = "sessions started"
SESSIONS_STARTED_WEEKLY = "sessions started weekly"
# Per month, the sessions worked on by their minutes of work in it, rounded down to a step of MEDIAN_STEP minutes
# (values of seven digits, so that they sort as numbers): the median comes from these. A step keeps the values a
# month holds to a few hundred, which a page reads for each month it shows.
SESSION_MINUTES = "session minutes in "
MEDIAN_STEP = 5
BILLED_SECONDS = "billed seconds in "
BILLED_SESSIONS = "billed sessions in "
# The same per month by the sessions' DAW and by the person who did the work (values: JSON [kind, DAW] and [DAW],
# [kind, person] and [person]), so that the hours narrow to some of those too.
DAW_SECONDS = "daw seconds in "
DAW_SESSIONS = "daw sessions in "
PERSON_SECONDS = "person seconds in "
PERSON_SESSIONS = "person sessions in "


def month_of(moment: datetime) -> str:
    """The month (YYYY-MM, UTC) of a moment."""
    return moment.strftime("%Y-%m")


def week_of(day: date) -> str:
    """The ISO week (YYYY-Www) of a day."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _count_activities(rows, values) -> None:
    """Add finished activities, as (session pk, kind, start, end, artist, project, DAW, person) rows, to
    `values`."""
    worked, worked_weekly, worked_by, session_months = set(), set(), set(), Counter()
    for pk, kind, started_at, ended_at, artist, project, daw, person in rows:
        month, week = month_of(started_at), week_of(started_at.date())
        seconds = round((ended_at - started_at).total_seconds())
        session_months[pk, month] += seconds
        values[WORK_SECONDS + kind, month] += seconds
        values[WEEKLY_WORK_SECONDS + kind, week] += seconds
        values[BILLED_SECONDS + month, json.dumps([kind, artist, project])] += seconds
        values[DAW_SECONDS + month, json.dumps([kind, daw])] += seconds
        values[PERSON_SECONDS + month, json.dumps([kind, person])] += seconds
        worked.add((pk, month, artist, project))
        worked_weekly.add((pk, week))
        worked_by.add((pk, DAW_SESSIONS + month, daw))
        worked_by.add((pk, PERSON_SESSIONS + month, person))
    for _, month, artist, project in worked:
        values[SESSIONS_WORKED, month] += 1
        values[BILLED_SESSIONS + month, json.dumps([artist, project])] += 1
    values.update((dimension, json.dumps([value])) for _, dimension, value in worked_by)
    values.update((SESSIONS_WORKED_WEEKLY, week) for _, week in worked_weekly)
    values.update((SESSION_MINUTES + month, f"{seconds // (60 * MEDIAN_STEP) * MEDIAN_STEP:07d}")
                  for (_, month), seconds in session_months.items())


def _finished_activities():
    return (select(Activity.session_pk, Activity.kind, Activity.started_at, Activity.ended_at, Session.artist,
                   Session.project, Session.daw, Activity.person).join(Session, Session.pk == Activity.session_pk)
            .where(Session.deleted_at.is_(None), Activity.deleted_at.is_(None), Activity.ended_at.is_not(None)))


def count_work(db_session, live_pks: list[int], values) -> None:
    """Add what these live sessions' activities count in the live counts to `values` ((dimension, value) → n)."""
    _count_activities(db_session.execute(_finished_activities().where(Activity.session_pk.in_(live_pks))), values)


def count_started(values, started_at: datetime | None) -> None:
    """Add a live session started at this moment to `values`."""
    if started_at is not None:
        values[SESSIONS_STARTED, month_of(started_at)] += 1
        values[SESSIONS_STARTED_WEEKLY, week_of(started_at.date())] += 1


def recount_work(db_session, values) -> None:
    """Add what every live session's activities count to `values`, from the rows."""
    _count_activities(db_session.execute(_finished_activities().execution_options(yield_per=10_000)), values)
