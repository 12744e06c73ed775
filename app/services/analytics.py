"""Where the time went across the archive: hours per month (from the counts kept on write) or per week, by kind of
work; sessions started and worked; and each artist's and project's hours in a month (the billing view)."""
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from app.models import Activity, LiveCount, Session
from app.models.work import ACTIVITY_KINDS
from app.services.work_time import (
    BILLED_SECONDS,
    BILLED_SESSIONS,
    SESSIONS_STARTED,
    SESSIONS_WORKED,
    WORK_SECONDS,
    month_of,
)


@dataclass
class Period:
    """A month (YYYY-MM) or an ISO week (YYYY-Www): the seconds worked in it by kind, and the sessions worked on."""

    period: str
    sessions: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> int:
        """Every kind's seconds together."""
        return sum(self.by_kind.values())


def months_between(first: date, last: date) -> list[str]:
    """Every month (YYYY-MM) from the one holding `first` to the one holding `last`."""
    months = []
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    while index <= end:
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return months


def hours_by_month(db_session, first: date, last: date) -> list[Period]:
    """Each month from `first` to `last` with the work logged on live sessions in it, from the counts kept on
    write."""
    months = months_between(first, last)
    periods = {month: Period(month) for month in months}
    for dimension, month, count in db_session.execute(
            select(LiveCount.dimension, LiveCount.value, LiveCount.count).where(
                or_(LiveCount.dimension.startswith(WORK_SECONDS), LiveCount.dimension == SESSIONS_WORKED),
                LiveCount.value >= months[0], LiveCount.value <= months[-1])):
        if dimension == SESSIONS_WORKED:
            periods[month].sessions = count
        else:
            periods[month].by_kind[dimension.removeprefix(WORK_SECONDS)] = count
    return list(periods.values())


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _activities_between(db_session, first: date, last: date):
    """The finished activities (outside the trash) of live sessions started from `first` to `last` (whole days,
    UTC)."""
    return db_session.execute(
        select(Activity.session_pk, Activity.kind, Activity.started_at, Activity.ended_at)
        .join(Session, Session.pk == Activity.session_pk)
        .where(Session.deleted_at.is_(None), Activity.deleted_at.is_(None), Activity.ended_at.is_not(None),
               Activity.started_at >= datetime.combine(first, time(), UTC),
               Activity.started_at < datetime.combine(last + timedelta(days=1), time(), UTC)))


def hours_by_week(db_session, first: date, last: date) -> list[Period]:
    """Each ISO week from the one holding `first` to the one holding `last`, with the work logged in it."""
    monday = first - timedelta(days=first.weekday())
    periods, day = {}, monday
    while day <= last:
        periods[_week_of(day)] = Period(_week_of(day))
        day += timedelta(days=7)
    sessions: dict[str, set[int]] = {}
    for session_pk, kind, started_at, ended_at in _activities_between(db_session, monday, last):
        period = periods[_week_of(started_at.date())]
        period.by_kind[kind] = period.by_kind.get(kind, 0) + round((ended_at - started_at).total_seconds())
        sessions.setdefault(period.period, set()).add(session_pk)
    for week, pks in sessions.items():
        periods[week].sessions = len(pks)
    return list(periods.values())


def sessions_started(db_session, first: date, last: date) -> list[tuple[str, int]]:
    """Each month from `first` to `last` with the live sessions started in it, from the counts kept on write."""
    months = months_between(first, last)
    counts = dict(db_session.execute(select(LiveCount.value, LiveCount.count).where(
        LiveCount.dimension == SESSIONS_STARTED, LiveCount.value >= months[0], LiveCount.value <= months[-1])).all())
    return [(month, counts.get(month, 0)) for month in months]


@dataclass
class BillingRow:
    """An artist's project and the work logged on it in a month."""

    artist: str | None
    project: str | None
    sessions: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> int:
        """Every kind's seconds together."""
        return sum(self.by_kind.values())


def billing(db_session, month: str) -> list[BillingRow]:
    """Per artist and project, the work logged on live sessions in `month` (YYYY-MM), most hours first, from the
    counts kept on write."""
    rows: dict[tuple, BillingRow] = {}
    for dimension, value, count in db_session.execute(
            select(LiveCount.dimension, LiveCount.value, LiveCount.count)
            .where(LiveCount.dimension.in_([BILLED_SECONDS + month, BILLED_SESSIONS + month]))):
        if dimension == BILLED_SESSIONS + month:
            artist, project = json.loads(value)
            rows.setdefault((artist, project), BillingRow(artist, project)).sessions = count
        else:
            kind, artist, project = json.loads(value)
            rows.setdefault((artist, project), BillingRow(artist, project)).by_kind[kind] = count
    return sorted(rows.values(), key=lambda row: (-row.seconds, row.artist or "", row.project or ""))


def hours(seconds: int) -> float:
    """Seconds as hours, to the hundredth."""
    return round(seconds / 3600, 2)


def period_answer(period: Period) -> dict:
    """A period as the API gives it: hours in all and by kind (every kind, 0 when none), and the sessions."""
    return {"period": period.period, "hours": hours(period.seconds), "sessions": period.sessions,
            "by_kind": {kind: hours(period.by_kind.get(kind, 0)) for kind in ACTIVITY_KINDS}}


def this_month() -> str:
    """The current month, YYYY-MM (UTC)."""
    return month_of(datetime.now(UTC))
