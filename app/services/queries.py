"""Finding sessions: filters, full-text search, sort, pages and facets over the live index."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, distinct, func, select

from app.models import JobSession, LiveCount, Plugin, Session, SessionPlugin, Tag
from app.services.bulk import page_count
from app.services.search import count_matching_sessions, matching_session_pks

PAGE_SIZE = 50
FACET_SIZE = 10
# Beyond this many matching sessions, facets count the newest this many (and say so).
FACET_SAMPLE = 500
# Column a list may be sorted by → the expression it sorts on.
SORTS = {
    "name": Session.name,
    "artist": Session.artist,
    "project": Session.project,
    "daw": Session.daw,
    "date": Session.created_at,
    "tracks": Session.track_count,
    "instances": Session.instance_count,
    "plugins": Session.plugin_count,
    "favorite": Session.is_favorite,
}
FACETS = ("artist", "daw", "tag", "vendor", "format")


@dataclass(frozen=True)
class SessionQuery:
    """What a sessions list shows: every filter, the search, the sort and the page."""

    q: str = ""
    artist: tuple[str, ...] = ()
    project: tuple[str, ...] = ()
    daw: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    plugin: tuple[str, ...] = ()
    vendor: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    sample_rate: tuple[int, ...] = ()
    favorite: bool | None = None
    test: bool | None = None
    complete: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    # The sessions one job (an archive scan) added, changed or found missing.
    job: int | None = None
    sort: str = "date"
    descending: bool = True
    page: int = 1


@dataclass
class SessionPage:
    """One page of a sessions list and how many sessions match in all."""

    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _with_plugins(column, values):
    return Session.pk.in_(
        select(SessionPlugin.session_pk).join(Plugin, Plugin.pk == SessionPlugin.plugin_pk).where(column.in_(values))
    )


def _conditions(db_session, query: SessionQuery) -> list:
    """The WHERE conditions that select the live sessions passing every filter and the search."""
    conditions = [Session.deleted_at.is_(None)]
    for values, column in ((query.artist, Session.artist), (query.project, Session.project),
                           (query.daw, Session.daw), (query.sample_rate, Session.sample_rate)):
        if values:
            conditions.append(column.in_(values))
    if query.tag:
        conditions.append(Session.pk.in_(select(Tag.session_pk).where(Tag.name.in_(query.tag))))
    if query.plugin:
        conditions.append(_with_plugins(Plugin.id, query.plugin))
    if query.vendor:
        conditions.append(_with_plugins(Plugin.vendor, query.vendor))
    if query.format:
        conditions.append(_with_plugins(Plugin.format, query.format))
    for value, column in ((query.favorite, Session.is_favorite), (query.test, Session.is_test),
                          (query.complete, Session.is_complete)):
        if value is not None:
            conditions.append(column.is_(value))
    if query.job is not None:
        conditions.append(Session.pk.in_(select(JobSession.session_pk).where(JobSession.job_pk == query.job)))
    if query.date_from:
        conditions.append(Session.created_at >= _day_start(query.date_from))
    if query.date_to:
        conditions.append(Session.created_at < _day_start(query.date_to + timedelta(days=1)))
    matches = matching_session_pks(db_session, query.q)
    if matches is not None:
        # "pk + 0" keeps the planner from fetching every match's row to sort them all: it walks
        # the list's index in order and tests each session against the matches instead.
        conditions.append((Session.pk + 0).in_(matches))
    return conditions


def _narrowing(query: SessionQuery) -> SessionQuery:
    """The part of `query` that decides which sessions match (no sort, no page)."""
    return replace(query, sort="date", descending=True, page=1)


def _order(query: SessionQuery) -> list:
    # Sessions without the sorted value come last either way; the pk keeps the order stable.
    column = SORTS[query.sort]
    if query.descending:
        return [column.desc().nulls_last(), Session.pk.desc()]
    return [column.asc().nulls_last(), Session.pk.asc()]


def list_sessions(db_session, query: SessionQuery) -> SessionPage:
    """The page of sessions `query` asks for, sorted, with their tags, and the total."""
    conditions = _conditions(db_session, query)
    total = None
    if _narrowing(query) == SessionQuery(q=query.q):
        total = count_matching_sessions(db_session, query.q)  # the search index holds only live sessions
    if total is None:
        total = db_session.scalar(select(func.count()).select_from(Session).where(*conditions))
    pages = page_count(total, PAGE_SIZE)
    page = min(query.page, pages)
    rows = db_session.execute(
        select(Session.pk, Session.id, Session.name, Session.artist, Session.project, Session.daw,
               Session.created_at, Session.track_count, Session.instance_count, Session.plugin_count,
               Session.is_favorite, Session.missing_at)
        .where(*conditions).order_by(*_order(query)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    tags = {}
    if rows:
        for session_pk, name in db_session.execute(
            select(Tag.session_pk, Tag.name).where(Tag.session_pk.in_([r.pk for r in rows])).order_by(Tag.position)
        ):
            tags.setdefault(session_pk, []).append(name)
    return SessionPage(rows=[(row, tags.get(row.pk, [])) for row in rows], total=total, page=page, pages=pages)


@dataclass
class SessionFacets:
    """Per facet, its most common values with their counts and whether it has more values.

    `sample` is set when the matching sessions were too many to count them all: the counts
    are then over the newest `sample` of them.
    """

    values: dict[str, tuple[list[tuple[str, int]], bool]]
    sample: int | None = None


def _facet_query(dimension: str, selected) -> Select:
    if dimension in ("artist", "daw"):
        column = getattr(Session, dimension)
        return select(column, func.count()).where(Session.pk.in_(selected), column.is_not(None)).group_by(column)
    if dimension == "tag":
        return select(Tag.name, func.count()).where(Tag.session_pk.in_(selected)).group_by(Tag.name)
    column = Plugin.vendor if dimension == "vendor" else Plugin.format
    return (select(column, func.count(distinct(SessionPlugin.session_pk)))
            .join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
            .where(SessionPlugin.session_pk.in_(selected), column.is_not(None)).group_by(column))


def _top_values(db_session, statement: Select) -> tuple[list[tuple[str, int]], bool]:
    count, value = statement.selected_columns[1], statement.selected_columns[0]
    rows = db_session.execute(statement.order_by(count.desc(), value).limit(FACET_SIZE + 1)).all()
    return [(value, count) for value, count in rows[:FACET_SIZE]], len(rows) > FACET_SIZE


def session_facets(db_session, query: SessionQuery) -> SessionFacets:
    """The facets of the sessions `query` selects: maintained counts when nothing narrows them, else counted."""
    if _narrowing(query) == SessionQuery():
        return SessionFacets({dimension: _top_values(db_session, select(LiveCount.value, LiveCount.count)
                                                     .where(LiveCount.dimension == dimension))
                              for dimension in FACETS})
    newest = db_session.scalars(select(Session.pk).where(*_conditions(db_session, query))
                                .order_by(*_order(SessionQuery())).limit(FACET_SAMPLE + 1)).all()
    selected = newest[:FACET_SAMPLE]
    return SessionFacets({dimension: _top_values(db_session, _facet_query(dimension, selected)) for dimension in FACETS},
                         sample=FACET_SAMPLE if len(newest) > FACET_SAMPLE else None)


def latest_sessions(db_session, limit: int = 10) -> list:
    """The newest live sessions by date."""
    return db_session.execute(
        select(Session.id, Session.name, Session.artist, Session.daw, Session.created_at, Session.track_count,
               Session.instance_count)
        .where(Session.deleted_at.is_(None))
        .order_by(*_order(SessionQuery())).limit(limit)
    ).all()
