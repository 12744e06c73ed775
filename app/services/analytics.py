"""Where the time went across the archive: hours per month (from the counts kept on write) or per week, by kind of
work; sessions started and worked; each DAW's sessions per quarter; the sessions using chosen products per month,
and the products whose use grew or fell most; and each artist's and project's hours in a month (the billing view).
All of it is read from the live counts the writers keep (app/services/work_time.py, app/services/rollups.py)."""
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.models import LiveCount, Product
from app.models.work import ACTIVITY_KINDS
from app.services.bulk import chunked
from app.services.rollups import (PRODUCT_MONTHS, TEMPLATE_SECONDS, TEMPLATE_SESSIONS, TEMPLATE_TIMED,
                                  product_months)
from app.services.sessions import months_by_daw
from app.services.work_time import (
    BILLED_SECONDS,
    BILLED_SESSIONS,
    DAW_SECONDS,
    DAW_SESSIONS,
    PERSON_SECONDS,
    PERSON_SESSIONS,
    SESSION_MINUTES,
    SESSIONS_STARTED,
    SESSIONS_STARTED_WEEKLY,
    SESSIONS_WORKED,
    SESSIONS_WORKED_WEEKLY,
    WEEKLY_WORK_SECONDS,
    WORK_SECONDS,
    month_of,
    week_of,
)

# The DAWs a share chart names; the others are summed as one.
MOST_DAWS = 5
# The products whose use grew (or fell) most that the page lists.
MOVERS = 5


@dataclass
class Period:
    """A month (YYYY-MM) or an ISO week (YYYY-Www): the seconds worked in it by kind, and the sessions worked on."""

    period: str
    sessions: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    # The median of the sessions' time worked in the period (each in whole steps of MEDIAN_STEP minutes, in
    # seconds): months of every session only.
    median_seconds: int | None = None

    @property
    def seconds(self) -> int:
        """Every kind's seconds together."""
        return sum(self.by_kind.values())

    @property
    def average_seconds(self) -> int | None:
        """Seconds per session worked on in the period; None when none was."""
        return round(self.seconds / self.sessions) if self.sessions else None


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
                LiveCount.dimension.in_([seconds_of + kind for kind in ACTIVITY_KINDS] + [worked]),
                LiveCount.value >= labels[0], LiveCount.value <= labels[-1])):
        if label not in periods:
            continue
        if dimension == worked:
            periods[label].sessions = count
        else:
            periods[label].by_kind[dimension.removeprefix(seconds_of)] = count
    return list(periods.values())


def hours_by_month(db_session, first: date, last: date) -> list[Period]:
    """Each month from `first` to `last` with the work logged on live sessions in it and the median session's, from
    the counts kept on write."""
    months = months_between(first, last)
    periods = _hours(db_session, months, WORK_SECONDS, SESSIONS_WORKED)
    medians = _median_minutes(db_session, months)
    for period in periods:
        if period.period in medians:
            period.median_seconds = int(medians[period.period] * 60)
    return periods


def _median_minutes(db_session, months: list[str]) -> dict[str, float]:
    """Per month with work, the median of its sessions' minutes of work, each rounded down to its step (the mean of
    the middle two of an even number), from the sessions counted per step."""
    counts: dict[str, list[tuple[int, int]]] = {}
    for chunk in chunked([SESSION_MINUTES + month for month in months]):
        for dimension, minutes, sessions in db_session.execute(
                select(LiveCount.dimension, LiveCount.value, LiveCount.count).where(LiveCount.dimension.in_(chunk))):
            counts.setdefault(dimension.removeprefix(SESSION_MINUTES), []).append((int(minutes), sessions))
    return {month: _median(sorted(pairs)) for month, pairs in counts.items()}


def _median(pairs: list[tuple[int, int]]) -> float:
    """The median of values given as (value, how many times) in value order."""
    total = sum(n for _, n in pairs)
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value, n in pairs:
        while middle and middle[0] < seen + n:
            found.append(value)
            middle.pop(0)
        seen += n
    return sum(found) / 2


def _hours_narrowed(db_session, months: list[str], seconds_of: str, sessions_of: str, wanted) -> list[Period]:
    """Each month with the work logged on the live sessions whose keys (the JSON values of the live counts
    `seconds_of` + month, after the kind, and `sessions_of` + month) `wanted` accepts."""
    periods = {month: Period(month) for month in months}
    dimensions = [prefix + month for month in months for prefix in (seconds_of, sessions_of)]
    for chunk in chunked(dimensions):
        for dimension, value, count in db_session.execute(select(LiveCount.dimension, LiveCount.value, LiveCount.count)
                                                          .where(LiveCount.dimension.in_(chunk))):
            keys = json.loads(value)
            if dimension.startswith(sessions_of):
                if wanted(*keys):
                    periods[dimension.removeprefix(sessions_of)].sessions += count
            elif wanted(*keys[1:]):
                period = periods[dimension.removeprefix(seconds_of)]
                period.by_kind[keys[0]] = period.by_kind.get(keys[0], 0) + count
    return list(periods.values())


def people_who_worked(db_session, first: date, last: date) -> list[str]:
    """Everyone credited with work on a live session in the months from `first` to `last`, by name."""
    return sorted({json.loads(value)[0] for value in db_session.scalars(select(LiveCount.value).where(
        LiveCount.dimension.in_([PERSON_SESSIONS + month for month in months_between(first, last)])))})


def hours_per_period(db_session, params) -> list[Period]:
    """The periods `params` (HoursParams) asks for with the work logged in each."""
    first, last = params.span()
    # Each narrowing (the parameters allow one at a time) reads the counts kept per month by its keys.
    if params.artist or params.project:
        narrowed = (BILLED_SECONDS, BILLED_SESSIONS,
                    lambda artist, project: (not params.artist or artist in params.artist)
                    and (not params.project or project in params.project))
    elif params.daw:
        narrowed = (DAW_SECONDS, DAW_SESSIONS, lambda daw: daw in params.daw)
    elif params.person:
        narrowed = (PERSON_SECONDS, PERSON_SESSIONS, lambda person: person in params.person)
    else:
        return (hours_by_week if params.period == "week" else hours_by_month)(db_session, first, last)
    return _hours_narrowed(db_session, months_between(first, last), *narrowed)


def weeks_between(first: date, last: date) -> list[str]:
    """Every ISO week (YYYY-Www) from the one holding `first` to the one holding `last`."""
    weeks, day = [], first - timedelta(days=first.weekday())
    while day <= last:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    return weeks


def hours_by_week(db_session, first: date, last: date) -> list[Period]:
    """Each ISO week from the one holding `first` to the one holding `last`, with the work logged on live sessions
    in it, from the counts kept on write."""
    return _hours(db_session, weeks_between(first, last), WEEKLY_WORK_SECONDS, SESSIONS_WORKED_WEEKLY)


def sessions_started(db_session, first: date, last: date, period: str = "month") -> list[tuple[str, int]]:
    """Each month (or ISO week) from `first` to `last` with the live sessions started in it, from the counts kept
    on write."""
    labels = weeks_between(first, last) if period == "week" else months_between(first, last)
    dimension = SESSIONS_STARTED_WEEKLY if period == "week" else SESSIONS_STARTED
    counts = dict(db_session.execute(select(LiveCount.value, LiveCount.count).where(
        LiveCount.dimension == dimension, LiveCount.value >= labels[0], LiveCount.value <= labels[-1])).all())
    return [(label, counts.get(label, 0)) for label in labels]


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
class Adoption:
    """A product and its live sessions in each month of a span (by the sessions' dates); for the products that moved
    most, its sessions a month in the span's first half and in its second."""

    key: str
    label: str
    sessions: list[int]
    before: float = 0.0
    after: float = 0.0

    @property
    def change(self) -> float:
        """Sessions a month in the second half less those in the first."""
        return round(self.after - self.before, 2)


def _product_labels(db_session, keys) -> dict[str, str]:
    return {key: " ".join(part for part in (vendor, name) if part) for key, vendor, name in db_session.execute(
        select(Product.key, Product.vendor, Product.name).where(Product.key.in_(list(keys))))}


def _sessions_by_product_month(db_session, months: list[str], keys: list[str] | None = None) -> dict[str, dict]:
    """Per product (those of `keys`, else all), its live sessions per month of `months`, from the counts kept on
    write."""
    dimension = (LiveCount.dimension.in_([product_months(key) for key in keys]) if keys is not None
                 else LiveCount.dimension.startswith(PRODUCT_MONTHS, autoescape=True))
    counts: dict[str, dict[str, int]] = {}
    for name, month, count in db_session.execute(select(LiveCount.dimension, LiveCount.value, LiveCount.count).where(
            dimension, LiveCount.value >= months[0], LiveCount.value <= months[-1])):
        counts.setdefault(name.removeprefix(PRODUCT_MONTHS), {})[month] = count
    return counts


def plugin_adoption(db_session, keys: list[str], first: date,
                    last: date) -> tuple[list[str], list[Adoption], list[str]]:
    """The months from the one holding `first` to the one holding `last`; for each of these products (in the order
    given) its live sessions in each; and the keys no product has."""
    months = months_between(first, last)
    labels = _product_labels(db_session, keys)
    counts = _sessions_by_product_month(db_session, months, [key for key in keys if key in labels])
    return months, [Adoption(key, labels[key], [counts.get(key, {}).get(month, 0) for month in months])
                    for key in keys if key in labels], [key for key in keys if key not in labels]


def adoption_movers(db_session, first: date, last: date, size: int = MOVERS) -> tuple[list[Adoption], list[Adoption]]:
    """The `size` products whose sessions a month grew most from the first half of the span to its second, and the
    `size` whose fell most (a middle month of an odd span counts in neither half)."""
    months = months_between(first, last)
    half = len(months) // 2
    if not half:
        return [], []
    moved = []
    for key, by_month in _sessions_by_product_month(db_session, months).items():
        before = sum(by_month.get(month, 0) for month in months[:half]) / half
        after = sum(by_month.get(month, 0) for month in months[-half:]) / half
        if after != before:
            moved.append(Adoption(key, key, [by_month.get(month, 0) for month in months], round(before, 2),
                                  round(after, 2)))
    labels = _product_labels(db_session, [adoption.key for adoption in moved])
    for adoption in moved:
        adoption.label = labels.get(adoption.key, adoption.key)
    grew = sorted((a for a in moved if a.change > 0), key=lambda a: (-a.change, a.key))[:size]
    fell = sorted((a for a in moved if a.change < 0), key=lambda a: (a.change, a.key))[:size]
    return grew, fell


@dataclass
class TemplateUse:
    """A template and the live sessions started from it that were made in a span: how many, and how many of those
    have a worked time, with their seconds added up."""

    template: str
    sessions: int = 0
    timed: int = 0
    seconds: int = 0

    @property
    def average_seconds(self) -> int | None:
        """The mean worked time of its sessions that have one; None when none has."""
        return round(self.seconds / self.timed) if self.timed else None

    @property
    def average_hours(self) -> float | None:
        """The mean worked time in hours, to the hundredth; None when none has one."""
        return None if self.average_seconds is None else hours(self.average_seconds)


def top_templates(db_session, first: date, last: date) -> list[TemplateUse]:
    """Per template, its live sessions made in the months from the one holding `first` to the one holding `last`,
    the most sessions first, from the counts kept on write."""
    months = months_between(first, last)
    fields = {TEMPLATE_SESSIONS: "sessions", TEMPLATE_TIMED: "timed", TEMPLATE_SECONDS: "seconds"}
    uses: dict[str, TemplateUse] = {}
    for chunk in chunked([prefix + month for prefix in fields for month in months]):
        for dimension, template, count in db_session.execute(
                select(LiveCount.dimension, LiveCount.value, LiveCount.count).where(LiveCount.dimension.in_(chunk))):
            use = uses.setdefault(template, TemplateUse(template))
            name = fields[dimension[:-len("YYYY-MM")]]
            setattr(use, name, getattr(use, name) + count)
    return sorted(uses.values(), key=lambda use: (-use.sessions, use.template))


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


def period_answer(period: Period, started: int) -> dict:
    """A period as the API gives it: hours in all and by kind (every kind, 0 when none), the sessions worked on and
    `started` in it, and the hours per session."""
    average = period.average_seconds
    return {"period": period.period, "hours": hours(period.seconds), "sessions": period.sessions, "started": started,
            "average_hours": None if average is None else hours(average),
            "median_hours": None if period.median_seconds is None else hours(period.median_seconds),
            "by_kind": {kind: hours(period.by_kind.get(kind, 0)) for kind in ACTIVITY_KINDS}}


def this_month() -> str:
    """The current month, YYYY-MM (UTC)."""
    return month_of(datetime.now(UTC))
