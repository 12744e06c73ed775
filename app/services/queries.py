"""Finding sessions: filters, full-text search, sort, pages and facets over the live index."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, distinct, exists, func, select

from app.models import JobSession, LiveCount, Plugin, PluginTotal, Session, SessionPlugin, Tag
from app.services.bulk import chunked, page_count
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
    "edited": Session.metadata_updated_at,
}
FACETS = ("artist", "daw", "tag", "vendor", "format")
# A plugin filter used by more sessions than this tests each visited session instead of collecting them all.
COLLECT_AT_MOST = 5_000


@dataclass(frozen=True)
class SessionQuery:
    """What a sessions list shows: every filter, the search, the sort and the page."""

    q: str = ""
    artist: tuple[str, ...] = ()
    project: tuple[str, ...] = ()
    daw: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    plugin: tuple[str, ...] = ()
    # Part of a plugin's name, any case: sessions using any plugin whose name holds it.
    plugin_name: str = ""
    vendor: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    sample_rate: tuple[int, ...] = ()
    favorite: bool | None = None
    test: bool | None = None
    complete: bool | None = None
    # A day includes all of it; a datetime is an exact bound (both inclusive).
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
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


def _plugin_conditions(query: SessionQuery) -> list:
    """A condition on `plugins` per plugin filter of `query`."""
    conditions = []
    for values, column in ((query.plugin, Plugin.id), (query.vendor, Plugin.vendor), (query.format, Plugin.format)):
        if values:
            conditions.append(column.in_(values))
    if query.plugin_name:
        conditions.append(Plugin.name.icontains(query.plugin_name, autoescape=True))
    return conditions


def _using_plugins(db_session, condition) -> ColumnElement:
    """Live sessions using a plugin that meets `condition`, in the form that is cheaper for how many there are.

    Few: collect those sessions from the plugins' rows. Many: test each session the rest of the
    query visits (newest first, until the page is full) for such a plugin, rather than collecting
    and sorting them all.
    """
    plugins = select(Plugin.pk).where(condition)
    most = db_session.scalar(select(func.coalesce(func.sum(PluginTotal.sessions), 0))
                             .where(PluginTotal.plugin_pk.in_(plugins)))
    if most > COLLECT_AT_MOST:
        return exists().where(SessionPlugin.session_pk == Session.pk, SessionPlugin.plugin_pk.in_(plugins))
    return Session.pk.in_(select(SessionPlugin.session_pk).where(SessionPlugin.plugin_pk.in_(plugins)))


def _conditions(db_session, query: SessionQuery) -> list:
    """The WHERE conditions that select the live sessions passing every filter and the search."""
    conditions = [Session.deleted_at.is_(None)]
    for values, column in ((query.artist, Session.artist), (query.project, Session.project),
                           (query.daw, Session.daw), (query.sample_rate, Session.sample_rate)):
        if values:
            conditions.append(column.in_(values))
    if query.tag:
        conditions.append(Session.pk.in_(select(Tag.session_pk).where(Tag.name.in_(query.tag))))
    conditions += [_using_plugins(db_session, condition) for condition in _plugin_conditions(query)]
    for value, column in ((query.favorite, Session.is_favorite), (query.test, Session.is_test),
                          (query.complete, Session.is_complete)):
        if value is not None:
            conditions.append(column.is_(value))
    if query.job is not None:
        conditions.append(Session.pk.in_(select(JobSession.session_pk).where(JobSession.job_pk == query.job)))
    if isinstance(query.date_from, datetime):
        conditions.append(Session.created_at >= query.date_from)
    elif query.date_from:
        conditions.append(Session.created_at >= _day_start(query.date_from))
    if isinstance(query.date_to, datetime):
        conditions.append(Session.created_at <= query.date_to)
    elif query.date_to and query.date_to < date.max:
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


def _maintained_total(db_session, query: SessionQuery) -> int | None:
    """How many live sessions match, from the counts kept on write, when `query` narrows by a kept value alone."""
    narrowing = _narrowing(query)
    if narrowing == SessionQuery(q=query.q):
        return count_matching_sessions(db_session, query.q)  # the search index holds only live sessions
    dimension = value = None
    for name in FACETS:  # each facet's count of live sessions per value is kept on write
        values = getattr(query, name)
        if len(values) == 1 and narrowing == SessionQuery(**{name: values}):
            dimension, value = name, values[0]
    if query.plugin_name and narrowing == SessionQuery(plugin_name=query.plugin_name):
        # A product's plugins share their name: when the part names one product, its count answers.
        products = db_session.scalars(select(Plugin.product_key).distinct().where(*_plugin_conditions(query))
                                      .limit(2)).all()
        if len(products) != 1:
            return None if products else 0
        dimension, value = "product", products[0]
    if dimension is None:
        return None
    return db_session.scalar(select(LiveCount.count).where(LiveCount.dimension == dimension,
                                                          LiveCount.value == value)) or 0


def _total(db_session, query: SessionQuery, conditions: list) -> int:
    total = _maintained_total(db_session, query)
    if total is None:
        total = db_session.scalar(select(func.count()).select_from(Session).where(*conditions))
    return total


def select_sessions(db_session, query: SessionQuery, columns: list, limit: int, offset: int) -> tuple[list, int]:
    """`columns` of the sessions `query` selects, `limit` of them from `offset` in its order, and how many match."""
    conditions = _conditions(db_session, query)
    rows = db_session.execute(
        select(*columns).where(*conditions).order_by(*_order(query)).offset(offset).limit(limit)).all()
    return rows, _total(db_session, query, conditions)


def list_sessions(db_session, query: SessionQuery) -> SessionPage:
    """The page of sessions `query` asks for, sorted, with their tags, and the total."""
    conditions = _conditions(db_session, query)
    total = _total(db_session, query, conditions)
    pages = page_count(total, PAGE_SIZE)
    page = min(query.page, pages)
    rows = db_session.execute(
        select(Session.pk, Session.id, Session.name, Session.artist, Session.project, Session.daw,
               Session.created_at, Session.track_count, Session.instance_count, Session.plugin_count,
               Session.is_favorite, Session.missing_at)
        .where(*conditions).order_by(*_order(query)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    tags = session_tags(db_session, [row.pk for row in rows])
    return SessionPage(rows=[(row, tags.get(row.pk, [])) for row in rows], total=total, page=page, pages=pages)


def session_tags(db_session, session_pks: list[int]) -> dict[int, list[str]]:
    """The tags of these sessions in their order, by session pk (sessions without tags are left out)."""
    tags = {}
    for chunk in chunked(session_pks):
        for session_pk, name in db_session.execute(
                select(Tag.session_pk, Tag.name).where(Tag.session_pk.in_(chunk)).order_by(Tag.position)):
            tags.setdefault(session_pk, []).append(name)
    return tags


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
