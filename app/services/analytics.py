"""Where the time went across the archive: hours per month (from the counts kept on write) or per week, by kind of
work; sessions started and worked; each DAW's share of the sessions per quarter; and each artist's and project's hours in a month (the billing view), all from
the live counts the writers keep (app/services/work_time.py)."""
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select

from app.models import LiveCount
from app.models.work import ACTIVITY_KINDS
from app.services.sessions import months_by_daw
from app.services.work_time import (
    BILLED_SECONDS,
    BILLED_SESSIONS,
    SESSIONS_STARTED,
    SESSIONS_WORKED,
    SESSIONS_WORKED_WEEKLY,
    WEEKLY_WORK_SECONDS,
    WORK_SECONDS,
    month_of,
    week_of,
)

# The DAWs a share chart names; the others are summed as one.
MOST_DAWS = 5


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


def _hours(db_session, labels: list[str], seconds_of: str, worked: str) -> list[Period]:
    """Each period named in `labels` with the work logged in it, from the live counts `seconds_of` + kind and
    `worked`."""
    periods = {label: Period(label) for label in labels}
    for dimension, label, count in db_session.execute(
            select(LiveCount.dimension, LiveCount.value, LiveCount.count).where(
                or_(LiveCount.dimension.startswith(seconds_of), LiveCount.dimension == worked),
                LiveCount.value >= labels[0], LiveCount.value <= labels[-1])):
        if label not in periods:
            continue
        if dimension == worked:
            periods[label].sessions = count
        else:
            periods[label].by_kind[dimension.removeprefix(seconds_of)] = count
    return list(periods.values())


def hours_by_month(db_session, first: date, last: date) -> list[Period]:
    """Each month from `first` to `last` with the work logged on live sessions in it, from the counts kept on
    write."""
    return _hours(db_session, months_between(first, last), WORK_SECONDS, SESSIONS_WORKED)


def hours_by_week(db_session, first: date, last: date) -> list[Period]:
    """Each ISO week from the one holding `first` to the one holding `last`, with the work logged on live sessions
    in it, from the counts kept on write."""
    weeks, day = [], first - timedelta(days=first.weekday())
    while day <= last:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    return _hours(db_session, weeks, WEEKLY_WORK_SECONDS, SESSIONS_WORKED_WEEKLY)


def sessions_started(db_session, first: date, last: date) -> list[tuple[str, int]]:
    """Each month from `first` to `last` with the live sessions started in it, from the counts kept on write."""
    months = months_between(first, last)
    counts = dict(db_session.execute(select(LiveCount.value, LiveCount.count).where(
        LiveCount.dimension == SESSIONS_STARTED, LiveCount.value >= months[0], LiveCount.value <= months[-1])).all())
    return [(month, counts.get(month, 0)) for month in months]


def quarter_of(month: str) -> str:
    """The quarter (YYYY-Qn) a month (YYYY-MM) is in."""
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"


def daws_by_quarter(db_session, first: date, last: date) -> tuple[list[str], list[tuple[str, dict[str, int]]]]:
    """The quarters from the one holding `first` to the one holding `last`, and per DAW the live sessions created in
    each (in the span's months), from the counts kept on write: the DAWs with the most sessions first, all past the
    fifth together as "Other"."""
    months = months_between(first, last)
    totals: dict[str, dict[str, int]] = {}
    for daw, counts in months_by_daw(db_session).items():
        for month, count in counts.items():
            if months[0] <= month <= months[-1]:
                by_quarter = totals.setdefault(daw, {})
                by_quarter[quarter_of(month)] = by_quarter.get(quarter_of(month), 0) + count
    ranked = sorted(totals.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    series = ranked[:MOST_DAWS]
    if len(ranked) > MOST_DAWS:
        other: dict[str, int] = {}
        for _, by_quarter in ranked[MOST_DAWS:]:
            for quarter, count in by_quarter.items():
                other[quarter] = other.get(quarter, 0) + count
        series.append(("Other", other))
    return list(dict.fromkeys(quarter_of(month) for month in months)), series


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
