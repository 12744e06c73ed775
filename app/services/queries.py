"""Finding sessions: filters, full-text search, sort, pages and facets over the live index."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, distinct, func, select

from app.models import Plugin, Session, SessionPlugin, Tag
from app.services.bulk import page_count
from app.services.search import matching_session_pks

PAGE_SIZE = 50
FACET_SIZE = 10
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


def filtered_sessions(db_session, query: SessionQuery) -> Select:
    """SELECT of the pks of the live sessions that pass every filter and the search."""
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
    if query.date_from:
        conditions.append(Session.created_at >= _day_start(query.date_from))
    if query.date_to:
        conditions.append(Session.created_at < _day_start(query.date_to + timedelta(days=1)))
    matches = matching_session_pks(db_session, query.q)
    if matches is not None:
        conditions.append(Session.pk.in_(matches))
    return select(Session.pk).where(*conditions)


def list_sessions(db_session, query: SessionQuery) -> SessionPage:
    """The page of sessions `query` asks for, sorted, with their tags, and the total."""
    selected = filtered_sessions(db_session, query)
    total = db_session.scalar(select(func.count()).select_from(selected.subquery()))
    pages = page_count(total, PAGE_SIZE)
    page = min(query.page, pages)
    column = SORTS[query.sort]
    order = column.desc() if query.descending else column.asc()
    # Sessions without the sorted value come last either way; the pk keeps the order stable.
    rows = db_session.execute(
        select(Session.pk, Session.id, Session.name, Session.artist, Session.project, Session.daw,
               Session.created_at, Session.track_count, Session.instance_count, Session.plugin_count,
               Session.is_favorite)
        .where(Session.pk.in_(selected))
        .order_by(column.is_(None), order, Session.pk.desc() if query.descending else Session.pk)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    tags = {}
    if rows:
        for session_pk, name in db_session.execute(
            select(Tag.session_pk, Tag.name).where(Tag.session_pk.in_([r.pk for r in rows])).order_by(Tag.position)
        ):
            tags.setdefault(session_pk, []).append(name)
    return SessionPage(rows=[(row, tags.get(row.pk, [])) for row in rows], total=total, page=page, pages=pages)


def _facet_query(dimension: str, selected) -> Select:
    if dimension in ("artist", "daw"):
        column = getattr(Session, dimension)
        return select(column, func.count()).where(Session.pk.in_(selected), column.is_not(None)).group_by(column)
    if dimension == "tag":
        return select(Tag.name, func.count(distinct(Tag.session_pk))).where(Tag.session_pk.in_(selected)) \
            .group_by(Tag.name)
    column = Plugin.vendor if dimension == "vendor" else Plugin.format
    return (select(column, func.count(distinct(SessionPlugin.session_pk)))
            .join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
            .where(SessionPlugin.session_pk.in_(selected), column.is_not(None)).group_by(column))


def session_facets(db_session, query: SessionQuery) -> dict[str, tuple[list[tuple[str, int]], bool]]:
    """Per facet, the most common values over the filtered sessions with their counts, and whether there are more."""
    selected = filtered_sessions(db_session, query)
    facets = {}
    for dimension in FACETS:
        statement = _facet_query(dimension, selected)
        rows = db_session.execute(
            statement.order_by(statement.selected_columns[1].desc(), statement.selected_columns[0])
            .limit(FACET_SIZE + 1)
        ).all()
        facets[dimension] = ([(value, count) for value, count in rows[:FACET_SIZE]], len(rows) > FACET_SIZE)
    return facets


def latest_sessions(db_session, limit: int = 10) -> list:
    """The newest live sessions by date."""
    return db_session.execute(
        select(Session.id, Session.name, Session.artist, Session.daw, Session.created_at, Session.track_count,
               Session.instance_count)
        .where(Session.deleted_at.is_(None))
        .order_by(Session.created_at.is_(None), Session.created_at.desc(), Session.pk.desc()).limit(limit)
    ).all()
